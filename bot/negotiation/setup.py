"""Checking what the candidate typed: the currency, the offer, the target and the rest.

Each problem is a ``NegotiationInputError`` whose message (a copy key) says what was wrong
and how to write it instead, in the candidate's language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

from bot.catalog import Language, Level
from bot.copy import as_language, text
from bot.errors import CoachError
from bot.negotiation.models import Offer, Setup, Style
from bot.negotiation.money import (
    AMBIGUOUS,
    AmountError,
    Currency,
    CurrencyTable,
    format_amount,
    parse_amount,
)

log = logging.getLogger(__name__)

MAX_ROLE_CHARS: Final = 100
MAX_LOCATION_CHARS: Final = 100
# A target beyond this multiple of the offer is not a negotiation but a different job.
MAX_TARGET_RATIO: Final = 3.0
MAX_BONUS_RATIO: Final = 2.0
MAX_EQUITY_RATIO: Final = 10.0


class NegotiationInputError(CoachError):
    """Something typed for a negotiation cannot be used; the message says why."""


@dataclass(frozen=True, slots=True)
class Typed:
    """The options as typed (strings), before they are checked."""

    role: str
    offer: str
    target: str
    currency: str
    style: str = Style.FRIENDLY.value
    language: Language = Language.EN
    bonus: str | None = None
    equity: str | None = None
    level: str | None = None
    location: str | None = None


def _field(name: str, language: Language) -> str:
    return text(f"negotiation.fields.{name}", language)


def _amount(
    name: str, typed: str, currency: Currency, language: Language, low: int, high: int
) -> int:
    try:
        value = parse_amount(typed, currency)
    except AmountError as exc:
        if exc.reason == AMBIGUOUS:
            raise NegotiationInputError(
                key="negotiation.errors.ambiguous_amount",
                language=language,
                field=_field(name, language),
                value=typed.strip()[:40],
            ) from None
        raise NegotiationInputError(
            key="negotiation.errors.other_currency",
            language=language,
            field=_field(name, language),
            value=typed.strip()[:40],
            other=exc.other,
            currency=currency.code,
        ) from None
    if value is None:
        raise NegotiationInputError(
            key="negotiation.errors.not_a_number",
            language=language,
            field=_field(name, language),
            value=typed.strip()[:40],
            example=format_amount(currency.round_near(currency.minimum * 8), currency, language),
        )
    if not low <= value <= high:
        raise NegotiationInputError(
            key="negotiation.errors.absurd",
            language=language,
            field=_field(name, language),
            value=format_amount(value, currency, language),
            low=format_amount(low, currency, language),
            high=format_amount(high, currency, language),
        )
    return value


def check_setup(typed: Typed, table: CurrencyTable) -> tuple[Setup, Currency]:
    """Return the checked setup and its currency, or raise ``NegotiationInputError``."""
    lang = as_language(typed.language)
    currency = table.find(typed.currency)
    if currency is None:
        raise NegotiationInputError(
            key="negotiation.errors.unknown_currency",
            language=lang,
            currency=typed.currency.strip()[:20],
            known=", ".join(table.codes),
        )
    role = " ".join(typed.role.split())[:MAX_ROLE_CHARS]
    if not role:
        raise NegotiationInputError(key="negotiation.errors.role_missing", language=lang)
    try:
        style = Style(typed.style.strip().lower())
    except ValueError:
        raise NegotiationInputError(
            key="negotiation.errors.unknown_style",
            language=lang,
            style=typed.style[:20],
            known=", ".join(s.value for s in Style),
        ) from None
    level = None
    if typed.level:
        try:
            level = Level(typed.level.strip().lower())
        except ValueError:
            raise NegotiationInputError(
                key="negotiation.errors.unknown_level",
                language=lang,
                level=typed.level[:20],
                known=", ".join(lv.value for lv in Level),
            ) from None
    base = _amount("offer", typed.offer, currency, lang, currency.minimum, currency.maximum)
    target = _amount("target", typed.target, currency, lang, currency.minimum, currency.maximum * 3)
    fmt = {
        "offer": format_amount(base, currency, lang),
        "target": format_amount(target, currency, lang),
    }
    if target <= base:
        raise NegotiationInputError(key="negotiation.errors.target_below", language=lang, **fmt)
    if target > base * MAX_TARGET_RATIO:
        raise NegotiationInputError(key="negotiation.errors.target_absurd", language=lang, **fmt)
    bonus = equity = None
    if typed.bonus and typed.bonus.strip():
        bonus = _amount("bonus", typed.bonus, currency, lang, 1, round(base * MAX_BONUS_RATIO))
    if typed.equity and typed.equity.strip():
        equity = _amount("equity", typed.equity, currency, lang, 1, round(base * MAX_EQUITY_RATIO))
    location = " ".join((typed.location or "").split())[:MAX_LOCATION_CHARS] or None
    setup = Setup(
        role=role,
        currency=currency.code,
        offer=Offer(base, bonus, equity),
        target=target,
        style=style,
        language=lang,
        level=level,
        location=location,
    )
    return setup, currency

"""Bad input gets a clear message in the candidate's language; good input a checked setup."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Language, Level
from bot.negotiation import NegotiationInputError, Style, default_currencies
from bot.negotiation.setup import check_setup
from tests.negotiation.helpers import typed

log = logging.getLogger(__name__)


def problem(**options: object) -> NegotiationInputError:
    with pytest.raises(NegotiationInputError) as caught:
        check_setup(typed(**options), default_currencies())
    return caught.value


def test_a_good_setup() -> None:
    setup, currency = check_setup(
        typed(bonus="10k", equity="$20,000", level="senior", style="busy", location=" Seoul "),
        default_currencies(),
    )
    assert currency.code == "USD" and setup.offer.base == 120_000 and setup.target == 140_000
    assert setup.offer.bonus == 10_000 and setup.offer.equity == 20_000
    assert setup.level is Level.SENIOR and setup.style is Style.BUSY and setup.location == "Seoul"


def test_unknown_currency_lists_the_known_ones() -> None:
    exc = problem(currency="dogecoin")
    assert exc.key == "negotiation.errors.unknown_currency"
    assert (
        "dogecoin" in exc.user_message and "USD" in exc.user_message and "KRW" in exc.user_message
    )


def test_non_numeric_and_absurd_offers() -> None:
    assert "isn't an amount" in problem(offer="lots").user_message
    absurd = problem(offer="120")
    assert absurd.key == "negotiation.errors.absurd" and "$10,000" in absurd.user_message
    assert problem(offer="999m").key == "negotiation.errors.absurd"


def test_target_below_or_far_above_the_offer() -> None:
    below = problem(target="100k")
    assert below.key == "negotiation.errors.target_below" and "accept it" in below.user_message
    assert problem(target="120k").key == "negotiation.errors.target_below"
    assert problem(target="500k").key == "negotiation.errors.target_absurd"


def test_other_fields() -> None:
    assert problem(role="   ").key == "negotiation.errors.role_missing"
    assert problem(style="angry").key == "negotiation.errors.unknown_style"
    assert problem(level="intern").key == "negotiation.errors.unknown_level"
    assert problem(bonus="1m").key == "negotiation.errors.absurd"


def test_problems_are_told_in_korean_to_a_korean_session() -> None:
    exc = problem(language=Language.KO, currency="KRW", offer="8천만", target="7천만")
    assert exc.key == "negotiation.errors.target_below"
    assert "목표 연봉" in exc.user_message and "8,000만 원" in exc.user_message

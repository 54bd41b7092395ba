"""The leak guard: a model's recruiter line must not give the hidden budget away.

A line leaks when it names, in any form the money reader understands (digits, ``140k``,
``1억 2천만 원``, "one hundred forty thousand", a range whose multiplier is said once), an
amount that the candidate has not said and that is

- within 2% of the budget (the number itself, rounded or not), or
- above the base on the table (room the recruiter has not offered: "we could stretch to
  150k", "between 130 and 150k"), or

a percentage the candidate has not said ("I have about 10% of room"): the recruiter's
offers are amounts, so a percentage can only describe room. Amounts at or below the table
(the offer, its bonus, its equity) are fine, and so is everything the candidate said first.

A line that should state a new offer must state it, so the model voices the move the
policy decided and never moves the game itself.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from bot.negotiation.money import Currency, find_mentions

log = logging.getLogger(__name__)

BUDGET_TOLERANCE: Final = 0.02
SAME_AMOUNT: Final = 0.005


class LeakKind(enum.StrEnum):
    """Why a line was refused."""

    BUDGET = "budget"  # the budget, or a number within 2% of it
    ROOM = "room"  # an amount above the table the candidate never said
    PERCENT = "percent"  # a percentage the candidate never said
    MISSING_OFFER = "missing_offer"  # the line should state the new offer and does not


@dataclass(frozen=True, slots=True)
class Leak:
    """What is wrong with a line, and where."""

    kind: LeakKind
    amount: float | None = None
    span: tuple[int, int] | None = None


def _same(a: float, b: float, currency: Currency) -> bool:
    return abs(a - b) <= max(currency.step / 2, b * SAME_AMOUNT)


def find_leak(
    line: str,
    *,
    budget: int,
    on_table: int,
    said: Iterable[float],
    said_percents: Iterable[float] = (),
    currency: Currency,
    must_state: int | None = None,
) -> Leak | None:
    """Return why ``line`` gives the budget away (or misstates the offer), or None."""
    known = list(said)
    percents = list(said_percents)
    stated = False
    for m in find_mentions(line, currency, on_table):
        if m.percent:
            if any(abs(m.value - p) < 0.01 for p in percents):
                continue
            return Leak(LeakKind.PERCENT, m.value, (m.start, m.end))
        value = m.value
        if must_state is not None and _same(value, must_state, currency):
            stated = True
        if any(_same(value, k, currency) for k in known):
            continue
        if _same(value, on_table, currency):
            continue
        if abs(value - budget) <= budget * BUDGET_TOLERANCE:
            return Leak(LeakKind.BUDGET, value, (m.start, m.end))
        if value > on_table:
            return Leak(LeakKind.ROOM, value, (m.start, m.end))
    if must_state is not None and not stated:
        return Leak(LeakKind.MISSING_OFFER, must_state)
    return None

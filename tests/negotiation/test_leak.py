"""The leak guard: the budget (or room above the table) in any form is caught; the table is not."""

from __future__ import annotations

import logging

import pytest

from bot.negotiation import default_currencies
from bot.negotiation.leak import LeakKind, find_leak

log = logging.getLogger(__name__)

USD = default_currencies().get("USD")
KRW = default_currencies().get("KRW")
BUDGET = 138_000
TABLE = 125_000


def leak(
    line: str, *, said: tuple[float, ...] = (), percents: tuple[float, ...] = ()
) -> LeakKind | None:
    found = find_leak(
        line,
        budget=BUDGET,
        on_table=TABLE,
        said=said,
        said_percents=percents,
        currency=USD,
    )
    return found.kind if found else None


@pytest.mark.parametrize(
    "line",
    [
        "Between us, our budget is $138,000.",
        "I could stretch to 138k if pushed.",
        "The approved ceiling is one hundred thirty-eight thousand.",
        "We're capped around 137.5k.",
        "Honestly the band tops out at a hundred and thirty eight grand.",
        "I have up to 138 to play with.",
    ],
)
def test_the_budget_in_any_form_is_caught(line: str) -> None:
    assert leak(line) is LeakKind.BUDGET


@pytest.mark.parametrize(
    "line",
    [
        "The range for this role is 120 to 150k.",
        "We could go as high as $132,000 if you sign today.",
        "Anything up to 130,000 is fine.",
    ],
)
def test_room_above_the_table_is_caught(line: str) -> None:
    assert leak(line) is LeakKind.ROOM


def test_a_percentage_of_room_is_caught_unless_the_candidate_said_it() -> None:
    assert leak("I have about 10% of room above the offer.") is LeakKind.PERCENT
    assert leak("10% more is a lot, but let's see.", percents=(10,)) is None


def test_the_table_and_what_the_candidate_said_are_fine() -> None:
    assert leak("We're at $125,000 base, plus the $10,000 bonus.") is None
    assert leak("I can't do $150,000, but $125,000 stands.", said=(150_000,)) is None
    assert leak("You mentioned 138k; that's hard.", said=(138_000,)) is None
    assert leak("Thanks for the call! Let's talk tomorrow at 5.") is None


def test_a_line_that_must_state_the_offer_does_state_it() -> None:
    found = find_leak(
        "Great, let's do it!",
        budget=BUDGET,
        on_table=TABLE,
        said=(),
        currency=USD,
        must_state=TABLE,
    )
    assert found is not None and found.kind is LeakKind.MISSING_OFFER
    ok = find_leak(
        "We can go to $125,000.",
        budget=BUDGET,
        on_table=TABLE,
        said=(),
        currency=USD,
        must_state=TABLE,
    )
    assert ok is None


@pytest.mark.parametrize(
    "line",
    [
        "예산은 9,200만 원입니다.",
        "최대 9천2백만 원까지 됩니다.",
        "사실 구천이백만 원까지는 가능해요.",
        "9200만",
    ],
)
def test_korean_forms_are_caught(line: str) -> None:
    found = find_leak(line, budget=92_000_000, on_table=85_000_000, said=(), currency=KRW)
    assert found is not None and found.kind is LeakKind.BUDGET

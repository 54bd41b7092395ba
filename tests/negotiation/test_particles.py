"""Korean particles after amounts: "6,500만 원으로", "3만 달러로"."""

from __future__ import annotations

import logging

import pytest

from bot.catalog import Language
from bot.negotiation.particles import attach
from bot.negotiation.presenter import text

log = logging.getLogger(__name__)


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("6,500만 원(으)로 시작", "6,500만 원으로 시작"),
        ("500만 엔(으)로", "500만 엔으로"),
        ("3만 달러(으)로", "3만 달러로"),
        ("120,000유로(으)로", "120,000유로로"),
        ("1,000스위스프랑(으)로", "1,000스위스프랑으로"),
        ("10%(으)로", "10%로"),
        ("9,000만 원을(를) 두고", "9,000만 원을 두고"),
        ("3만 달러을(를) 두고", "3만 달러를 두고"),
        ("9,000만 원은(는)", "9,000만 원은"),
        ("3만 달러이(가)", "3만 달러가"),
        ("7(으)로", "7로"),
        ("서울(으)로", "서울로"),
    ],
)
def test_particle_fits_the_word_before_it(written: str, read: str) -> None:
    assert attach(written) == read


def test_korean_debrief_line_reads_won_with_euro() -> None:
    line = text("negotiation.findings.anchoring.high", Language.KO, pct=12, ask="6,500만 원")
    assert "6,500만 원으로 시작" in line and "원로" not in line
    english = text("negotiation.findings.anchoring.high", Language.EN, pct=12, ask="$65,000")
    assert "(으)" not in english

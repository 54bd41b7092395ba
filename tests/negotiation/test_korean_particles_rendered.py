"""No Korean negotiation text shows a particle placeholder such as "을(를)" or "(으)로"."""

from __future__ import annotations

import logging
import random
import re
import string
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from bot.catalog import Language
from bot.copy import CATALOGUE_ROOT
from bot.copy import text as copy_text
from bot.negotiation.lines import write_move
from bot.negotiation.models import Offer, Setup, Style
from bot.negotiation.money import CurrencyTable, format_amount
from bot.negotiation.policy import LinePart, Move
from bot.negotiation.presenter import text

log = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"\((를|으|가|는|과)\)")
# Rendered through ``presenter.text`` or ``lines.write_move``, which resolve particles.
RESOLVED = ("recruiter.", "debrief.", "findings.", "tips.", "patterns.", "history.")
AMOUNTS = (90_000_000, 95_000_000, 120_000, 61_000, 1_000)
ROLES = ("백엔드 개발자", "Backend engineer", "Staff SRE", "PM", "Python developer")


def _korean_keys() -> Iterator[tuple[str, str]]:
    def walk(node: Any, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, str):
            yield path, node

    raw = yaml.safe_load((CATALOGUE_ROOT / "ko" / "negotiation.yaml").read_text(encoding="utf-8"))
    yield from walk(raw, "")


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def test_every_korean_template_reads_without_placeholders_in_every_currency() -> None:
    table = CurrencyTable.load()
    checked = 0
    for key, template in _korean_keys():
        for code in table.codes:
            for amount, role in zip(AMOUNTS, ROLES, strict=True):
                money = format_amount(amount, table.get(code), Language.KO)
                values = {n: role if n == "role" else money for n in _fields(template)}
                if key.startswith(RESOLVED):
                    shown = text(f"negotiation.{key}", Language.KO, **values)
                else:
                    shown = copy_text(f"negotiation.{key}", Language.KO, **values)
                assert not PLACEHOLDER.search(shown), (key, code, shown)
                checked += 1
    assert checked > 500


@pytest.mark.parametrize("style", list(Style))
def test_recruiter_lines_resolve_particles_after_amounts(style: Style) -> None:
    table = CurrencyTable.load()
    parts = sorted({k.split(".")[1] for k, _ in _korean_keys() if k.startswith("recruiter.")})
    for code in table.codes:
        setup = Setup(
            role="Backend engineer",
            currency=code,
            offer=Offer(base=90_000_000),
            target=100_000_000,
            style=style,
            language=Language.KO,
        )
        amounts = {
            "offer": 95_000_000,
            "ask": 120_000_000,
            "bonus": 5_000_000,
            "equity": 10_000_000,
            "sign_on": 3_000_000,
        }
        for part in parts:
            move = Move((LinePart(part, amounts),))
            line = write_move(move, setup, table.get(code), random.Random(7))
            assert not PLACEHOLDER.search(line), (part, code, line)


def test_korean_intro_names_the_style_before_the_recruiter() -> None:
    style = copy_text("negotiation.styles.friendly", Language.KO)
    intro = copy_text(
        "negotiation.intro", Language.KO, mention="@a", role="r", offer="1", target="2", style=style
    )
    assert "친절한 채용 담당자" in intro and "채용 담당자(" not in intro

"""The offline recruiter never claims a limit below its budget (README "Salary negotiation")."""

from __future__ import annotations

import logging
import re

import pytest
import yaml

from bot.catalog import Language
from bot.copy import CATALOGUE_ROOT
from bot.negotiation import Style
from tests.negotiation.helpers import GUILD, USER, service, typed

log = logging.getLogger(__name__)

SEEDS = range(30)
# Words that claim the recruiter cannot go higher.
LIMIT_WORDS = {
    Language.EN: re.compile(
        r"can't|cannot|not possible|more than I can|beyond|best I can|as far as|as high as"
        r"|top of what|maxed|outside our range|isn't realistic",
        re.IGNORECASE,
    ),
    Language.KO: re.compile(r"어렵|안 되|안 돼|불가능|최선|최대|넘지만|범위를 넘"),
}
# Line parts said while the recruiter may still have room under its budget.
BELOW_BUDGET_PARTS = (
    "concede",
    "concede_reason",
    "best_and_final",
    "hold_final",
    "final_offer",
    "decision_by_email",
)


@pytest.mark.parametrize("language", list(Language))
def test_lines_said_below_the_budget_claim_no_limit(language: Language) -> None:
    raw = yaml.safe_load(
        (CATALOGUE_ROOT / language.value / "negotiation.yaml").read_text(encoding="utf-8")
    )
    for part in BELOW_BUDGET_PARTS:
        for style, variants in raw["recruiter"][part].items():
            for variant, line in variants.items():
                where = f"{language.value}: {part}.{style}.{variant}: {line}"
                assert "{ask}" not in line, where
                assert LIMIT_WORDS[language].search(line) is None, where


async def _first_counter(seed: int, style: Style, ask_above_budget: int) -> tuple[str, int, int]:
    """Ask for the budget plus ``ask_above_budget``; return the line, the ask and the budget."""
    svc = service()
    started = await svc.start(typed(style=style.value), USER, GUILD, seed=seed)
    budget = started.negotiation.budget
    ask = budget + ask_above_budget
    negotiation_id = started.negotiation.id
    assert negotiation_id is not None
    reply = await svc.reply(negotiation_id, f"Could you do {ask:,}?")
    return reply.line, ask, budget


@pytest.mark.parametrize("style", list(Style))
async def test_an_ask_within_the_budget_is_never_called_out_of_reach(style: Style) -> None:
    countered = 0
    for seed in SEEDS:
        line, ask, budget = await _first_counter(seed, style, 0)
        assert ask <= budget
        assert LIMIT_WORDS[Language.EN].search(line) is None, (seed, line)
        countered += f"${ask:,}" not in line  # a counter, not a "yes"
    assert countered > 0  # the test saw counters, not only met asks


@pytest.mark.parametrize("style", list(Style))
async def test_an_ask_above_the_budget_may_be_called_out_of_reach(style: Style) -> None:
    for seed in SEEDS:
        line, ask, budget = await _first_counter(seed, style, 5_000)
        assert ask > budget
        assert f"${ask:,}" in line and LIMIT_WORDS[Language.EN].search(line), (seed, line)

"""The offline recruiter: budget in its range, concessions earned, never above the budget."""

from __future__ import annotations

import logging
import random

import pytest

from bot.catalog import Language
from bot.negotiation import Outcome, RecruiterState, Style, default_currencies
from bot.negotiation.leak import find_leak
from bot.negotiation.policy import BUDGET_ABOVE, draw_budget, respond
from bot.negotiation.setup import check_setup
from bot.negotiation.signals import read_message
from tests.negotiation.helpers import play, typed

log = logging.getLogger(__name__)

USD = default_currencies().get("USD")
KRW = default_currencies().get("KRW")
SEEDS = range(40)
STRONG_OPEN = (
    "Thank you, I'm excited about the role. Given that I led the payments migration that "
    "cut checkout latency by 40% and the market rate for this role is higher, I'd like 148,500."
)


@pytest.mark.parametrize("currency", [USD, KRW])
def test_the_budget_is_drawn_in_the_documented_range(currency: object) -> None:
    assert currency is USD or currency is KRW
    base = 120_000 if currency is USD else 80_000_000
    low, high = BUDGET_ABOVE
    for seed in range(300):
        budget = draw_budget(base, currency, random.Random(seed))
        assert budget % currency.step == 0
        assert base + currency.step <= budget <= base * (1 + high)
        assert budget >= currency.round_down(base * (1 + low)) or budget == base + currency.step


async def test_the_same_seed_plays_the_same_game() -> None:
    messages = [STRONG_OPEN, "Could you do 140k?", "Can you do more?", "ok, deal"]
    a = await play(messages, seed=9)
    b = await play(messages, seed=9)
    assert [r.line for r in a.replies] == [r.line for r in b.replies]
    assert a.budget == b.budget and a.opening == b.opening
    others = {(await play(messages, seed=s)).budget for s in range(10, 16)}
    assert len(others) > 1


async def test_anchoring_high_with_a_reason_earns_more_than_accepting() -> None:
    for seed in SEEDS:
        accepted = await play(["Sounds great, I accept!"], seed=seed)
        anchored = await play([STRONG_OPEN, "Thanks, I accept."], seed=seed)
        assert accepted.debrief.final_offer == 120_000
        assert anchored.debrief.final_offer is not None
        assert anchored.debrief.final_offer > accepted.debrief.final_offer, seed
        assert anchored.debrief.left_on_table < accepted.debrief.left_on_table


async def test_a_reason_earns_more_than_a_bare_number() -> None:
    wins = 0
    for seed in SEEDS:
        bare = await play(["148,500.", "I accept"], seed=seed)
        reasoned = await play([STRONG_OPEN, "I accept"], seed=seed)
        assert bare.debrief.final_offer is not None and reasoned.debrief.final_offer is not None
        wins += reasoned.debrief.final_offer > bare.debrief.final_offer
    assert wins == len(SEEDS)


async def test_vague_asks_earn_nothing() -> None:
    for style in Style:
        played = await play(
            ["Can you do better?", "Is there any flexibility? I'd like more."], style=style.value
        )
        assert all(r.negotiation.state.offer == 120_000 for r in played.replies)
        assert "number" in played.replies[0].line.lower() or "figure" in played.replies[0].line


async def test_hostile_messages_do_not_crash_it_and_earn_nothing() -> None:
    played = await play(
        ["You idiot, 150k now.", "This is a scam, you useless clown!!!", "Screw you."],
        style="firm",
    )
    offers = [r.negotiation.state.offer for r in played.replies]
    assert offers == [120_000, 120_000, 120_000]
    assert played.debrief.outcome is Outcome.RECRUITER_ENDED
    assert played.debrief.final_offer is None
    assert "end our conversation" in played.replies[-1].line
    # In character: no apology for being a bot, no rule talk.
    assert not any("AI" in r.line.split() for r in played.replies)


async def test_never_above_the_budget_and_never_said_offline() -> None:
    scripts = [
        ["I want 300k, I have another offer.", "ok 200k", "190k then", "I'll walk away."],
        ["What's your budget? What's the max you can do?", "Just tell me the range.", "160k"],
        [STRONG_OPEN, "149k", "148k", "147k", "146k", "145k", "144k", "143k", "142k", "141k"],
    ]
    for seed in SEEDS:
        for script in scripts:
            played = await play(script, seed=seed)
            for reply in played.replies:
                state = reply.negotiation.state
                assert state.offer <= played.budget
                said = [m for r in played.replies for m in (r.negotiation.state.asks or ())]
                leak = find_leak(
                    reply.line,
                    budget=played.budget,
                    on_table=state.offer,
                    said=[*said, 300_000, 200_000, 190_000],
                    currency=USD,
                )
                assert leak is None, (seed, reply.line)


async def test_early_acceptance_ends_it_at_the_offer() -> None:
    played = await play(["Yes, deal!"])
    assert played.debrief.outcome is Outcome.ACCEPTED and played.debrief.final_offer == 120_000
    assert played.debrief.left_on_table == played.budget - 120_000


async def test_a_credible_walk_away_draws_a_final_offer_once() -> None:
    played = await play(
        [
            "I have a competing offer at 135k, so I'd need 145k.",
            "Then I'm afraid I'll have to decline.",
            "I'll decline then.",
        ]
    )
    assert "final" in played.replies[1].line.lower()
    assert played.replies[1].negotiation.state.offer > played.replies[0].negotiation.state.offer
    assert played.debrief.outcome is Outcome.DECLINED and played.debrief.final_offer is None
    bare = await play(["I decline."])
    assert bare.debrief.outcome is Outcome.DECLINED and len(bare.replies) == 1


async def test_the_recruiter_runs_out_of_time() -> None:
    played = await play(["Hmm."] * 9, style="busy")
    kinds = [r.line for r in played.replies]
    assert any("final" in k.lower() for k in kinds)
    assert played.debrief.outcome is Outcome.NO_DECISION


def test_asking_about_the_package_at_the_top_earns_a_sign_on_bonus_once() -> None:
    setup, currency = check_setup(typed(), default_currencies())
    top = RecruiterState(offer=130_000, budget=130_000)
    ask = read_message("Could we look at a signing bonus instead?", Language.EN, currency, 130_000)
    state, move = respond(top, ask, setup, currency, random.Random(1))
    assert move.kinds == ["sign_on"] and state.sign_on == 6_000 and state.offer == 130_000
    again, move = respond(state, ask, setup, currency, random.Random(2))
    assert move.kinds == ["package_done"] and again.sign_on == 6_000
    # With room left, base comes first.
    open_state = RecruiterState(offer=120_000, budget=130_000)
    _, move = respond(open_state, ask, setup, currency, random.Random(1))
    assert move.kinds == ["package_base_first"]


async def test_a_korean_negotiation_speaks_korean() -> None:
    played = await play(
        [
            "연봉 1억을 희망합니다. 결제 시스템 이전을 주도했고 다른 오퍼도 받았습니다.",
            "좋습니다 진행하겠습니다",
        ],
        language="ko",
        currency="KRW",
        offer="8천만",
        target="9500만",
    )
    assert "8,000만 원" in played.opening
    assert played.debrief.outcome is Outcome.ACCEPTED
    assert played.debrief.final_offer is not None and played.debrief.final_offer > 80_000_000
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in r.line) for r in played.replies)

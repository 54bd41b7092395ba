"""The debrief: every quote is the candidate's own words, scores follow the rules, three tips
with sources, the budget and the money left on the table, patterns across negotiations."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalog import Language
from bot.copy import catalogue
from bot.negotiation import Debrief, Dimension, Finding, Outcome, default_currencies
from bot.negotiation.debrief import patterns, tip_rules
from bot.negotiation.presenter import debrief_json, debrief_text
from tests.fakes.negotiation import InMemoryNegotiationStore
from tests.negotiation.helpers import USER, play, service

log = logging.getLogger(__name__)

USD = default_currencies().get("USD")
FRAGMENTS = [
    "Thanks so much for the offer!",
    "I'd like 145k.",
    "Given that I led the migration that cut costs by 30%,",
    "I have a competing offer at 138,000.",
    "Can you do better?",
    "What's your budget?",
    "This is ridiculous!!!",
    "You idiot.",
    "If you can do 140k, I can start next week.",
    "What about a signing bonus?",
    "Sounds good, I accept.",
    "I'll have to decline.",
    "between 135 and 150k",
    "market data on levels.fyi says 150k",
    "  ",
    "ok",
    "정말 감사합니다. 1억을 원합니다.",
    "\n\nI built the platform.\n",
]


def assert_real_quotes(debrief: Debrief, messages: list[str]) -> None:
    for finding in debrief.findings:
        if finding.quote is not None:
            assert finding.quote.strip(), finding
            assert any(finding.quote in m for m in messages), finding
    for _, quote in debrief.evidence:
        assert any(quote in m for m in messages), quote


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    script=st.lists(
        st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=3).map(" ".join),
        min_size=1,
        max_size=6,
    ),
    seed=st.integers(0, 1000),
)
async def test_every_quote_is_a_real_slice_of_a_candidate_message(
    script: list[str], seed: int
) -> None:
    sent = [m for m in script if m.strip()]
    if not sent:
        return
    played = await play(sent, seed=seed)
    said = [t.text for t in played.replies[-1].negotiation.turns if t.speaker.value == "candidate"]
    assert_real_quotes(played.debrief, said)
    assert all(0 <= s <= 100 for s in played.debrief.scores.values())
    assert set(played.debrief.scores) == set(Dimension)
    assert len(played.debrief.tips) == 3 and all(t.source for t in played.debrief.tips)
    assert played.debrief.left_on_table >= 0


async def test_a_strong_negotiation_scores_high_with_its_words_as_evidence() -> None:
    opening = (
        "Thank you, I'm excited. Given that I led the payments migration that cut latency by "
        "40%, and I have a competing offer, I'd like 148,500."
    )
    played = await play([opening, "If you can do 140k, I can start two weeks early.", "Deal."])
    d = played.debrief
    assert d.outcome is Outcome.ACCEPTED and d.final_offer is not None
    assert d.scores[Dimension.ANCHORING] >= 90
    assert d.scores[Dimension.VALUE_ARTICULATION] >= 60
    assert d.scores[Dimension.COUNTER_STRATEGY] >= 60
    assert d.scores[Dimension.EMOTIONAL_CONTROL] == 100
    quotes = dict.fromkeys(q for _, q in d.evidence)
    assert "If you can do 140k, I can start two weeks early." in quotes
    assert d.left_on_table == played.budget - d.final_offer


async def test_a_weak_negotiation_scores_low_and_says_why() -> None:
    played = await play(["Can you do better?", "You idiot.", "Fine, I accept."])
    d = played.debrief
    keys = {(f.dimension, f.key) for f in d.findings}
    assert (Dimension.ANCHORING, "never_named_accepted") in keys
    assert (Dimension.COUNTER_STRATEGY, "vague") in keys
    assert (Dimension.EMOTIONAL_CONTROL, "insult") in keys
    assert d.scores[Dimension.ANCHORING] <= 15 and d.scores[Dimension.EMOTIONAL_CONTROL] <= 50
    assert d.tips[0].id in {"first_offer_anchors", "stay_likable", "say_a_number"}


async def test_lowering_your_own_ask_is_negotiating_against_yourself() -> None:
    played = await play(
        [
            "I have another offer, so I need 150k.",
            "Then I'll have to decline.",  # draws the best and final offer
            "What about 145k?",  # the recruiter holds
            "OK, 140k?",  # lower again with nothing in between
        ],
        style="firm",
    )
    offers = [r.negotiation.state.offer for r in played.replies]
    assert offers[2] == offers[3]
    found = [f for f in played.debrief.findings if f.key == "against_yourself"]
    assert [f.quote for f in found] == ["OK, 140k?"]
    assert found[0].params == {"before": "$145,000", "after": "$140,000"}


async def test_the_json_shape_of_the_terminal() -> None:
    played = await play(["I'd like 145k because of my experience.", "ok, deal"])
    negotiation = played.replies[-1].negotiation
    data = debrief_json(negotiation, played.debrief)
    assert set(data) == {"turns", "budget", "final_offer", "scores", "left_on_table", "evidence"}
    assert data["turns"][0]["speaker"] == "recruiter" and data["turns"][1]["speaker"] == "candidate"
    assert set(data["scores"]) == {
        "anchoring",
        "value_articulation",
        "counter_strategy",
        "emotional_control",
    }
    assert all(set(e) == {"score", "quote"} for e in data["evidence"])


def test_every_tip_has_a_source_and_words_in_both_languages() -> None:
    cat = catalogue()
    for rule in tip_rules():
        assert rule.source.strip() and "(" in rule.source  # an author and a year
        assert cat.has(f"negotiation.tips.{rule.id}")
        assert cat.template(f"negotiation.tips.{rule.id}", Language.KO)


async def test_debrief_words_in_korean() -> None:
    played = await play(
        ["1억을 원합니다. 다른 오퍼가 있습니다.", "좋습니다 진행하겠습니다"],
        language=Language.KO,
        currency="KRW",
        offer="8천만",
        target="9천만",
    )
    words = debrief_text(played.debrief, default_currencies().get("KRW"))
    assert "협상 디브리프" in words.title
    assert any("원" in line for line in words.summary)
    assert all(any("\uac00" <= ch <= "\ud7a3" for ch in t) for t in words.tips)


def _debrief(scores: dict[Dimension, int], left: int, early: bool = False) -> Debrief:
    findings = (Finding(Dimension.ANCHORING, "never_named_accepted", "ok"),) if early else ()
    return Debrief(
        negotiation_id=1,
        language=Language.EN,
        currency="USD",
        role="x",
        offer=100_000,
        target=110_000,
        budget=115_000,
        final_offer=115_000 - left,
        outcome=Outcome.ACCEPTED,
        left_on_table=left,
        scores=scores,
        findings=findings,
        tips=(),
        ended_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


def test_patterns_across_the_last_three() -> None:
    weak = {d: 80 for d in Dimension} | {Dimension.ANCHORING: 20}
    strong = dict.fromkeys(Dimension, 90)
    assert patterns([_debrief(weak, 10_000)]) == ()
    found = patterns(
        [_debrief(strong, 0), _debrief(weak, 12_000, True), _debrief(weak, 15_000, True)]
    )
    ids = [p.id for p in found]
    assert ids == ["accepts_early", "weak", "left_on_table"]
    assert found[1].params == {"dimension": "anchoring", "count": "2", "total": "3"}
    improving = patterns([_debrief(strong, 0), _debrief(weak, 1_000), _debrief(weak, 1_000)])
    assert [p.id for p in improving] == ["weak", "improving", "strength"]


async def test_patterns_come_with_the_third_negotiation_of_a_user() -> None:
    store = InMemoryNegotiationStore()
    svc = service(store)
    for seed in range(3):
        played = await play(["Sounds good, I accept."], svc=svc, seed=seed, user=USER)
    ids = [p.id for p in played.debrief.patterns]
    assert "weak" in ids and "accepts_early" in ids
    words = debrief_text(played.debrief, USD)
    assert words.patterns_title == "Across your last 3 negotiations"

"""Delivery is coached on spoken answers but never changes the score."""

from __future__ import annotations

from pathlib import Path

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer, Word
from bot.coaching.rubric import Rubric

ROOT = Path(__file__).resolve().parents[2]
QUESTION = Question(
    "beh-x",
    Kind.BEHAVIORAL,
    Language.EN,
    (Level.MID,),
    ("ownership",),
    "Tell me about a migration you led.",
    "",
    ("migration", "led"),
)
TEXT = "Um I led the uh migration and um we uh cut errors by forty percent"


def words(text: str) -> tuple[Word, ...]:
    return tuple(Word(w, i * 400, i * 400 + 300) for i, w in enumerate(text.split()))


def test_filler_spike_is_informational_with_timed_evidence() -> None:
    rubric = Rubric.load(ROOT / "prompts")
    spoken = rubric.evaluate(Answer(TEXT, words(TEXT), spoken=True), QUESTION, Level.MID)
    typed = rubric.evaluate(Answer(TEXT), QUESTION, Level.MID)
    spike = [f for f in spoken.findings if f.rule_id == "delivery.filler_spike"]
    assert len(spike) == 1
    assert spike[0].severity.value == "info"
    assert spike[0].evidence.quote == "Um" and spike[0].evidence.start_ms == 0
    assert spoken.score == typed.score and spoken.dimensions == typed.dimensions
    assert not any(f.rule_id == "delivery.filler_spike" for f in typed.findings)


def test_few_fillers_give_no_finding() -> None:
    rubric = Rubric.load(ROOT / "prompts")
    text = "I led the migration and um we cut errors by forty percent in two weeks"
    result = rubric.evaluate(Answer(text, words(text), spoken=True), QUESTION, Level.MID)
    assert not any(f.rule_id == "delivery.filler_spike" for f in result.findings)

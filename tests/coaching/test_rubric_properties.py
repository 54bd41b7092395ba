"""Properties that hold for any answer: evidence quotes the text exactly, scores stay 0-100."""

from __future__ import annotations

import logging

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer, Word
from bot.coaching.models import Dimension
from bot.coaching.rubric import Rubric

log = logging.getLogger(__name__)

# Words the rules react to, so generated answers trigger many findings, not just off-topic.
VOCAB = [
    "I",
    "we",
    "our",
    "my",
    "team",
    "teammate",
    "disagreed",
    "decided",
    "proposed",
    "built",
    "result",
    "as",
    "a",
    "the",
    "reduced",
    "by",
    "40%",
    "$3k",
    "two",
    "weeks",
    "maybe",
    "probably",
    "kind",
    "of",
    "I think maybe",
    "went well",
    "trade-off",
    "instead of",
    "O(n)",
    "O(",
    "assume",
    "users",
    "per second",
    "stakeholders",
    "mentored",
    "um",
    "uh",
    "like",
    "you know",
    "2019",
    "결과",
    "저희",
    "제가",
    "아마",
    "것 같습니다",
    "상황",
    ".",
    ",",
    "!",
    "?",
    "\n",
    "—",
    "'",
    "’",
    "  ",
]
TEXT = st.lists(st.one_of(st.sampled_from(VOCAB), st.text(max_size=6)), max_size=80).map(
    lambda parts: " ".join(parts)
)

QUESTIONS = {
    kind: Question(
        id=f"q-{kind.value}",
        kind=kind,
        language=Language.EN,
        levels=tuple(Level),
        skills=("x",),
        text="Tell me about a time you disagreed with a teammate about a design trade-off.",
        hint="",
        keywords=("disagreement", "teammate", "design", "tradeoff", "conflict", "users"),
    )
    for kind in Kind
}


def _timed(text: str, offset: int) -> tuple[Word, ...]:
    return tuple(
        Word(w, offset + i * 100, offset + i * 100 + 80) for i, w in enumerate(text.split())
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=TEXT,
    kind=st.sampled_from(list(Kind)),
    level=st.sampled_from(list(Level)),
    language=st.sampled_from(list(Language)),
    spoken=st.booleans(),
)
def test_evidence_quotes_the_text_and_scores_stay_in_range(
    rubric: Rubric, text: str, kind: Kind, level: Level, language: Language, spoken: bool
) -> None:
    words = _timed(text, 0) if spoken else ()
    evaluation = rubric.evaluate(Answer(text, words, spoken), QUESTIONS[kind], level, language)

    assert 0 <= evaluation.score <= 100
    assert set(evaluation.dimensions) == set(Dimension)
    assert all(0 <= v <= 100 for v in evaluation.dimensions.values())
    for f in evaluation.findings:
        e = f.evidence
        if e.absent:
            assert e.start is None and e.end is None
            continue
        assert e.start is not None and e.end is not None
        assert 0 <= e.start < e.end <= len(text)
        assert e.quote == text[e.start : e.end]
        if e.start_ms is not None:
            assert e.end_ms is not None and e.start_ms <= e.end_ms
        assert f.message and f.fix
    assert evaluation.coaching.praise and evaluation.coaching.fix and evaluation.coaching.tip


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.lists(st.sampled_from(VOCAB[:40]), min_size=5, max_size=60),
    fillers=st.lists(
        st.tuples(st.integers(0, 59), st.sampled_from(["um", "uh", "like", "you know"]))
    ),
    level=st.sampled_from(list(Level)),
)
def test_inserting_fillers_never_changes_the_score(
    rubric: Rubric, base: list[str], fillers: list[tuple[int, str]], level: Level
) -> None:
    words = [w for w in base if w not in {"um", "uh", "like", "you know"}]
    noisy = list(words)
    for at, filler in sorted(fillers, reverse=True):
        noisy.insert(min(at, len(noisy)), filler)
    question = QUESTIONS[Kind.BEHAVIORAL]

    clean = rubric.evaluate(Answer(" ".join(words)), question, level)
    dirty = rubric.evaluate(Answer(" ".join(noisy)), question, level)

    assert dirty.score >= clean.score

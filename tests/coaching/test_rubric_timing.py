"""Evidence spans carry the timings of the spoken words they cover."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from bot.coaching.answer import Answer, Word
from bot.coaching.models import Evaluation
from bot.coaching.timing import WordAligner

log = logging.getLogger(__name__)

Grade = Callable[..., Evaluation]

WORD_MS = 400


def _words(text: str) -> tuple[Word, ...]:
    """Return one timed word per whitespace-separated chunk, as a recogniser reports them."""
    return tuple(
        Word(chunk, i * WORD_MS, i * WORD_MS + WORD_MS - 50) for i, chunk in enumerate(text.split())
    )


def test_hedge_evidence_has_the_timing_of_its_words(grade: Grade, answers: dict[str, str]) -> None:
    text = answers["hedgy"]
    words = _words(text)
    evaluation = grade(Answer(text, words, spoken=True))
    hedge = next(f for f in evaluation.findings if f.evidence.quote == "probably")

    index = next(i for i, w in enumerate(words) if w.text == "probably")
    assert hedge.evidence.start_ms == words[index].start_ms
    assert hedge.evidence.end_ms == words[index].end_ms
    assert hedge.evidence.to_dict()["start_ms"] == words[index].start_ms


def test_multiword_evidence_spans_first_to_last_word(grade: Grade, answers: dict[str, str]) -> None:
    text = answers["hedgy"]
    words = _words(text)
    evaluation = grade(Answer(text, words, spoken=True))
    hedge = next(f for f in evaluation.findings if f.evidence.quote == "I think maybe")

    first = next(i for i, w in enumerate(words) if w.text == "think") - 1
    assert (hedge.evidence.start_ms, hedge.evidence.end_ms) == (
        words[first].start_ms,
        words[first + 2].end_ms,
    )


def test_typed_answer_has_no_timings(grade: Grade) -> None:
    for f in grade("hedgy").findings:
        assert f.evidence.start_ms is None and f.evidence.end_ms is None


def test_alignment_survives_spacing_punctuation_and_case_differences() -> None:
    # The transcript was re-punctuated; the recogniser's words are bare and lower-case.
    text = "Well,  I think   MAYBE we should ship -- it's fine."
    words = tuple(
        Word(w, i * 100, i * 100 + 90)
        for i, w in enumerate(
            ["well", "i", "think", "maybe", "we", "should", "ship", "its", "fine"]
        )
    )
    aligner = WordAligner(text, words)
    start = text.index("I think")

    assert aligner.times(start, start + len("I think   MAYBE")) == (100, 390)
    it = text.index("it's")
    assert aligner.times(it, it + 4) == (700, 790)


def test_alignment_skips_words_missing_from_the_text() -> None:
    text = "we cut costs by thirty percent"
    words = (
        Word("we", 0, 100),
        Word("cut", 100, 200),
        Word("costs", 200, 300),
        Word("by", 300, 400),
        Word("30%", 400, 500),
        Word("percent", 500, 600),
    )
    aligner = WordAligner(text, words)
    thirty = text.index("thirty")

    # "30%" never appears in the text: the span is bracketed by its aligned neighbours.
    assert aligner.times(thirty, thirty + len("thirty")) == (400, 500)
    assert aligner.times(0, 2) == (0, 100)


def test_alignment_with_no_matching_words_gives_no_crash() -> None:
    aligner = WordAligner("hello there", (Word("completely", 0, 10), Word("different", 10, 20)))
    assert not aligner
    assert aligner.times(0, 5) is None


def test_every_spoken_finding_with_a_quote_has_ordered_timings(
    grade: Grade, answers: dict[str, str]
) -> None:
    for name in ("hedgy", "we_only", "strong_star", "vague_result"):
        text = answers[name]
        # A recogniser that drops punctuation entirely.
        words = _words(re.sub(r"[^\w\s%']", "", text))
        for f in grade(Answer(text, words, spoken=True)).findings:
            if f.evidence.absent:
                continue
            assert f.evidence.start_ms is not None and f.evidence.end_ms is not None
            assert f.evidence.start_ms <= f.evidence.end_ms

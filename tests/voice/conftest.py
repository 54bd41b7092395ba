"""Fixtures for voice receive tests: a chunk collector."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pytest

from bot.voice.types import AudioChunk, Pcm16k

log = logging.getLogger(__name__)


@dataclass
class Collector:
    """Collect emitted AudioChunks (an ``on_audio`` callback)."""

    chunks: list[AudioChunk] = field(default_factory=list)

    def __call__(self, chunk: AudioChunk) -> None:
        """Store a chunk."""
        self.chunks.append(chunk)

    def of(self, user_id: int) -> list[AudioChunk]:
        """Return the chunks of one user in timeline order."""
        return sorted((c for c in self.chunks if c.user_id == user_id), key=lambda c: c.start_ms)

    def audio(self, user_id: int) -> Pcm16k:
        """Return one user's audio laid out on the timeline (gaps as zeros)."""
        chunks = self.of(user_id)
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        end = max(c.end_ms for c in chunks)
        out = np.zeros(end * 16, dtype=np.float32)
        for c in chunks:
            out[c.start_ms * 16 : c.start_ms * 16 + len(c.pcm)] = c.pcm
        return out


@pytest.fixture
def collector() -> Collector:
    """Return an empty chunk collector."""
    return Collector()

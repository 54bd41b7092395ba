"""A ``TextToSpeech`` engine that records what it was asked to say and returns silence."""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

import numpy as np

from bot.speech.audio import WHISPER_RATE, encode_ogg_opus
from bot.speech.errors import SynthesisError
from bot.speech.tts import SpeechAudio

log = logging.getLogger(__name__)

SILENCE_MS = 100


@functools.cache
def silent_ogg() -> bytes:
    """Return a tiny valid ogg/opus file: 100 ms of silence (encoded once per test run).

    Opus pads the stream, so it decodes to a little more (``SpeechAudio`` measures it).
    """
    return encode_ogg_opus(np.zeros(WHISPER_RATE * SILENCE_MS // 1000, np.float32), WHISPER_RATE)


class FakeTextToSpeech:
    """A speech engine that says nothing: every text becomes 100 ms of real ogg/opus silence.

    ``said`` records (text, language); text containing ``fail_on`` raises SynthesisError, and
    empty text raises ValueError like the real engines.
    """

    name = "fake"

    def __init__(self, *, fail_on: str | None = None) -> None:
        self.said: list[tuple[str, str]] = []
        self.fail_on = fail_on

    def voice_for(self, language: str) -> str:
        """Return the voice this engine uses for `language`."""
        return f"fake-{language.lower().split('-')[0]}"

    async def synthesize(self, text: str, language: str = "en") -> SpeechAudio:
        """Speak `text` in `language` (an ISO code such as "en" or "ko")."""
        if not text.strip():
            raise ValueError("nothing to say")
        self.said.append((text, language))
        if self.fail_on is not None and self.fail_on in text:
            raise SynthesisError(detail="scripted failure")
        return SpeechAudio.from_ogg(silent_ogg(), self.name, self.voice_for(language))


if TYPE_CHECKING:
    from bot.speech.tts import SpeechEngine, TextToSpeech

    _tts: TextToSpeech = FakeTextToSpeech()
    _engine: SpeechEngine = FakeTextToSpeech()

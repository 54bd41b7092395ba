"""A ``SpeechToText`` that hears what the test scripted, with plausible word timings."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import TYPE_CHECKING

from bot.coaching.answer import Word
from bot.speech.audio import WHISPER_RATE, Samples
from bot.speech.stt import Transcript

log = logging.getLogger(__name__)

# Pace of scripted words when the audio is too short to spread them over (about 150 wpm).
WORD_MS = 400

Line = str | Transcript | Exception


def timed_words(text: str, duration_ms: int) -> tuple[Word, ...]:
    """Spread the words of ``text`` evenly over ``duration_ms`` (or 400 ms each if too short)."""
    tokens = text.split()
    if not tokens:
        return ()
    step = duration_ms // len(tokens) if duration_ms >= 100 * len(tokens) else WORD_MS
    return tuple(Word(token, i * step, i * step + step * 4 // 5) for i, token in enumerate(tokens))


class ScriptedSpeechToText:
    """Answer each call with the next scripted line, then with ``default``.

    A line is a text (words spread over the audio), a ready ``Transcript``, or an exception to
    raise (e.g. ``TranscriptionError``). ``calls`` records (samples, language) per call.
    """

    def __init__(self, *script: Line, default: str = "") -> None:
        self.script: deque[Line] = deque(script)
        self.default = default
        self.calls: list[tuple[int, str | None]] = []

    def then(self, *lines: Line) -> ScriptedSpeechToText:
        """Queue more lines after the ones already scripted."""
        self.script.extend(lines)
        return self

    async def transcribe(self, audio: Samples, language: str | None = None) -> Transcript:
        """Transcribe `audio` (16 kHz mono float32); `language` is an ISO code or None."""
        self.calls.append((len(audio), language))
        await asyncio.sleep(0)  # a real recogniser yields to the loop
        line = self.script.popleft() if self.script else self.default
        if isinstance(line, Exception):
            raise line
        if isinstance(line, Transcript):
            return line
        duration_ms = len(audio) * 1000 // WHISPER_RATE
        return Transcript(line, timed_words(line, duration_ms), language or "en", duration_ms)


if TYPE_CHECKING:
    from bot.speech.stt import SpeechToText

    _stt: SpeechToText = ScriptedSpeechToText()

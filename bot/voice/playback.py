"""Speak text in a voice channel sentence by sentence, so speech starts early and can stop."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable

from bot.speech.errors import SpeechError
from bot.speech.tts import TextToSpeech

log = logging.getLogger(__name__)

# A sentence ends at . ! ? (and their full-width forms) or an ellipsis, followed by space.
_SENTENCE_END = re.compile(r"(?<=[.!?。！？…])\s+")
_CLAUSE_BREAK = re.compile(r"(?<=[,;:，、])\s+")
MAX_SENTENCE_CHARS = 240
MIN_SENTENCE_CHARS = 12

PlayPcm = Callable[[bytes], Awaitable[bool]]


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """Split ``text`` into speakable sentences, merging fragments and breaking long runs."""
    pieces: list[str] = []
    for paragraph in text.split("\n"):
        for sentence in _SENTENCE_END.split(paragraph.strip()):
            pieces.extend(_break_long(sentence.strip(), max_chars))
    merged: list[str] = []
    for piece in (p for p in pieces if p):
        # A short fragment ("Okay.") sounds choppy alone: speak it with the next sentence.
        short = bool(merged) and len(merged[-1]) < MIN_SENTENCE_CHARS
        if short and len(merged[-1]) + len(piece) < max_chars:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged


def _break_long(sentence: str, max_chars: int) -> list[str]:
    """Break a sentence longer than ``max_chars`` at clause marks, then at spaces."""
    if len(sentence) <= max_chars:
        return [sentence]
    out: list[str] = []
    current = ""
    for part in _CLAUSE_BREAK.split(sentence):
        for word in part.split(" ") if len(part) > max_chars else [part]:
            candidate = f"{current} {word}".strip()
            if current and len(candidate) > max_chars:
                out.append(current)
                current = word
            else:
                current = candidate
    if current:
        out.append(current)
    return out


class SentenceSpeaker:
    """Synthesise the next sentence while the current one plays; stop on request."""

    def __init__(self, tts: TextToSpeech, play: PlayPcm, stop: Callable[[], None]) -> None:
        self._tts = tts
        self._play = play
        self._stop = stop
        self._generation = 0
        self._lock = asyncio.Lock()

    async def speak(self, text: str, language: str = "en") -> bool:
        """Say ``text``; return False if it was interrupted before the end."""
        async with self._lock:
            generation = self._generation
            sentences = split_sentences(text)
            if not sentences:
                return True
            pending = asyncio.ensure_future(self._pcm(sentences[0], language))
            try:
                for index in range(len(sentences)):
                    pcm = await pending
                    if index + 1 < len(sentences):
                        pending = asyncio.ensure_future(self._pcm(sentences[index + 1], language))
                    if generation != self._generation:
                        return False
                    if pcm and not await self._play(pcm):
                        return False
                    if generation != self._generation:
                        return False
                return True
            finally:
                if not pending.done():
                    pending.cancel()

    def interrupt(self) -> None:
        """Stop the current sentence and drop the rest (barge-in or stop)."""
        self._generation += 1
        self._stop()

    async def _pcm(self, sentence: str, language: str) -> bytes:
        """Return 48 kHz stereo PCM for one sentence, or nothing if synthesis failed."""
        try:
            audio = await self._tts.synthesize(sentence, language)
            return await asyncio.to_thread(audio.pcm_48k_stereo)
        except SpeechError:
            # The words are in the thread too; a sentence we cannot voice is skipped, not fatal.
            log.warning("Could not synthesise a sentence for voice playback", exc_info=True)
            return b""

"""An answer recording end to end: bytes or file -> decoded audio -> transcript -> delivery."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.coaching.delivery import DeliveryReport, analyze_delivery
from bot.speech.audio import AudioInput, AudioLimits, decode_audio, read_audio_input
from bot.speech.errors import NoSpeechError
from bot.speech.stt import OFFLINE_MODEL_NAME, SpeechToText, Transcript, WhisperSTT

log = logging.getLogger(__name__)


async def transcribe_file(
    source: AudioInput,
    stt: SpeechToText,
    language: str | None = "en",
    limits: AudioLimits | None = None,
    *,
    require_speech: bool = True,
    band: tuple[int, int] | None = (120, 160),
) -> tuple[Transcript, DeliveryReport]:
    """Decode, transcribe and analyse one answer recording.

    Raises an AudioError subclass (with a user-safe message) for unusable input, and
    NoSpeechError for silence when `require_speech` is set.
    """
    limits = limits or AudioLimits()
    data = await asyncio.to_thread(read_audio_input, source, limits)
    samples = await asyncio.to_thread(decode_audio, data, limits)
    transcript = await stt.transcribe(samples, language)
    log.debug(
        "transcribed %d ms of audio into %d words", transcript.duration_ms, len(transcript.words)
    )
    if require_speech and transcript.empty:
        raise NoSpeechError()
    report = analyze_delivery(transcript.words, band=band if language in (None, "en") else None)
    return transcript, report


def transcription_dict(transcript: Transcript, report: DeliveryReport) -> dict[str, Any]:
    """Return the JSON form the CLI prints: text, words, wpm, fillers, pauses, duration_ms."""
    delivery = report.to_dict()
    return {
        "text": transcript.text,
        "language": transcript.language,
        "words": [
            {"word": word.text, "start_ms": word.start_ms, "end_ms": word.end_ms}
            for word in transcript.words
        ],
        "wpm": delivery["wpm"],
        "fillers": delivery["fillers"],
        "pauses": delivery["pauses"],
        "speaking_ms": delivery["speaking_ms"],
        "duration_ms": transcript.duration_ms,
        "summary": report.summary(),
    }


async def transcribe_for_cli(
    source: AudioInput,
    *,
    stt: SpeechToText | None = None,
    model: str = OFFLINE_MODEL_NAME,
    language: str | None = "en",
    limits: AudioLimits | None = None,
) -> dict[str, Any]:
    """Transcribe a file for `python -m bot transcribe FILE [--json]` and return its JSON dict.

    Without `stt`, a local WhisperSTT on `model` is built and closed again. Silence gives an
    empty transcript here rather than an error, so the CLI can print what it got.
    """
    owned = stt is None
    engine: SpeechToText = stt if stt is not None else WhisperSTT(model)
    try:
        transcript, report = await transcribe_file(
            source, engine, language, limits, require_speech=False
        )
    finally:
        if owned and isinstance(engine, WhisperSTT):
            engine.close()
    return transcription_dict(transcript, report)

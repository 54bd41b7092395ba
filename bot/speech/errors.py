"""Errors raised by the speech adapters, each with a message that is safe to show a user."""

from __future__ import annotations

import logging
from typing import Any

from bot.catalog import Language
from bot.copy import text
from bot.errors import CoachError

log = logging.getLogger(__name__)


class SpeechError(CoachError):
    """Base of every speech error; its message (``message_in``) is safe to show a user.

    Each class names a copy key (``speech.<key>`` in bot/copy/<language>/speech.yaml);
    ``detail`` is for the log only.
    """

    default_key = "generic"

    def __init__(self, key: str | None = None, *, detail: str | None = None, **params: Any) -> None:
        super().__init__(key=f"speech.{key or self.default_key}", **params)
        self.detail = detail
        if detail is not None:
            self.args = (f"{self.user_message} ({detail})",)


class AudioError(SpeechError):
    """The audio a user gave cannot be used."""

    default_key = "unusable"


class NotAudioError(AudioError):
    """The input is not an audio file."""

    default_key = "not_audio"


class EmptyAudioError(AudioError):
    """The input holds no audio at all."""

    default_key = "empty"


class CorruptAudioError(AudioError):
    """The input is audio but damaged or cut short."""

    default_key = "corrupt"


class AudioTooLongError(AudioError):
    """The audio lasts longer than the configured limit."""

    default_key = "too_long"

    def __init__(self, limit_s: float, *, actual_s: float | None = None) -> None:
        self.limit_s = limit_s
        self.actual_s = actual_s
        super().__init__("too_long", detail=None if actual_s is None else f"{actual_s:.1f} s")

    def message_in(self, language: Language) -> str:
        """Return the message with the limit written the way the language says it."""
        minutes, seconds = divmod(round(self.limit_s), 60)
        limit = (
            text("speech.minutes", language, minutes=minutes)
            if seconds == 0
            else f"{minutes}:{seconds:02d}"
        )
        return text("speech.too_long", language, limit=limit)


class AudioTooLargeError(AudioError):
    """The file is bigger than the configured byte limit."""

    def __init__(self, limit_bytes: int, *, actual_bytes: int | None = None) -> None:
        self.limit_bytes = limit_bytes
        self.actual_bytes = actual_bytes
        megabytes = limit_bytes / (1024 * 1024)
        super().__init__(
            "too_large",
            detail=None if actual_bytes is None else f"{actual_bytes} bytes",
            megabytes=f"{megabytes:.3g}",
        )


class NoSpeechError(AudioError):
    """The audio decoded fine but nobody speaks in it."""

    default_key = "no_speech"


class SpeechServiceError(SpeechError):
    """A speech engine or service failed or could not be reached."""

    default_key = "service"


class TranscriptionError(SpeechServiceError):
    """Speech recognition failed."""

    default_key = "transcription"


class SynthesisError(SpeechServiceError):
    """Speech synthesis failed."""

    default_key = "synthesis"

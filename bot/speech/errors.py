"""Errors raised by the speech adapters, each with a message that is safe to show a user."""

from __future__ import annotations

import logging

from bot.errors import CoachError

log = logging.getLogger(__name__)


class SpeechError(CoachError):
    """Base of every speech error; `user_message` is safe to show in Discord."""

    default_message = "Something went wrong with the audio."

    def __init__(self, user_message: str | None = None, *, detail: str | None = None) -> None:
        super().__init__(user_message or self.default_message)
        self.detail = detail
        if detail is not None:
            self.args = (f"{self.user_message} ({detail})",)


class AudioError(SpeechError):
    """The audio a user gave cannot be used."""

    default_message = "I couldn't use that audio."


class NotAudioError(AudioError):
    """The input is not an audio file."""

    default_message = (
        "That file doesn't look like audio. Send a voice message or an ogg, mp3, wav or m4a file."
    )


class EmptyAudioError(AudioError):
    """The input holds no audio at all."""

    default_message = "That recording is empty."


class CorruptAudioError(AudioError):
    """The input is audio but damaged or cut short."""

    default_message = "That recording looks damaged or incomplete. Please record it again."


class AudioTooLongError(AudioError):
    """The audio lasts longer than the configured limit."""

    default_message = "That recording is too long."

    def __init__(self, limit_s: float, *, actual_s: float | None = None) -> None:
        self.limit_s = limit_s
        self.actual_s = actual_s
        minutes, seconds = divmod(round(limit_s), 60)
        limit = f"{minutes} min" if seconds == 0 else f"{minutes}:{seconds:02d}"
        super().__init__(
            f"That recording is too long: answers can be at most {limit}.",
            detail=None if actual_s is None else f"{actual_s:.1f} s",
        )


class AudioTooLargeError(AudioError):
    """The file is bigger than the configured byte limit."""

    def __init__(self, limit_bytes: int, *, actual_bytes: int | None = None) -> None:
        self.limit_bytes = limit_bytes
        self.actual_bytes = actual_bytes
        megabytes = limit_bytes / (1024 * 1024)
        super().__init__(
            f"That file is too big: the limit is {megabytes:.3g} MB.",
            detail=None if actual_bytes is None else f"{actual_bytes} bytes",
        )


class NoSpeechError(AudioError):
    """The audio decoded fine but nobody speaks in it."""

    default_message = "I couldn't hear any speech in that recording."


class SpeechServiceError(SpeechError):
    """A speech engine or service failed or could not be reached."""

    default_message = "The speech service is unavailable right now."


class TranscriptionError(SpeechServiceError):
    """Speech recognition failed."""

    default_message = "I couldn't transcribe that recording right now. Please try again."


class SynthesisError(SpeechServiceError):
    """Speech synthesis failed."""

    default_message = "I couldn't speak that right now."

"""Voice-message and audio-attachment answers, and spoken questions."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

import discord

from bot.catalog import Language
from bot.coaching.answer import Word
from bot.copy import text
from bot.presenters import shorten
from bot.speech.audio import AudioLimits
from bot.speech.errors import SpeechError
from bot.speech.pipeline import transcribe_file
from bot.speech.stt import SpeechToText
from bot.speech.tts import TextToSpeech

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = {".ogg", ".oga", ".opus", ".mp3", ".wav", ".m4a", ".aac", ".flac", ".webm"}


@dataclass(frozen=True, slots=True)
class SpeechServices:
    """What the cog needs to hear answers and speak questions."""

    stt: SpeechToText
    tts: TextToSpeech
    limits: AudioLimits
    speak_questions: bool = True
    # Whether a server wants spoken questions (its /settings), else ``speak_questions``.
    speaks_in: Callable[[int | None], bool] | None = None


def audio_attachment(message: discord.Message) -> discord.Attachment | None:
    """Return the first attachment that looks like audio, if any."""
    for attachment in message.attachments:
        content_type = (attachment.content_type or "").split(";")[0].strip().lower()
        if content_type.startswith("audio/"):
            return attachment
        if PurePath(attachment.filename).suffix.lower() in AUDIO_SUFFIXES:
            return attachment
    return None


def _clock(seconds: float) -> str:
    total = round(seconds)
    return f"{total // 60}:{total % 60:02d}"


async def transcribe_attachment(
    message: discord.Message,
    attachment: discord.Attachment,
    speech: SpeechServices,
    language: Language,
) -> tuple[str, tuple[Word, ...]] | None:
    """Transcribe an audio answer, showing progress and the transcript; None if unusable."""
    limits = speech.limits
    if attachment.size > limits.max_bytes:
        size = f"{attachment.size / 1_048_576:.1f}"
        limit = f"{limits.max_bytes / 1_048_576:.0f}"
        await message.reply(text("interview.audio.too_big", language, size=size, limit=limit))
        return None
    duration = attachment.duration_secs
    if duration is not None and duration > limits.max_seconds:
        await message.reply(
            text(
                "interview.audio.too_long",
                language,
                duration=_clock(duration),
                limit=_clock(limits.max_seconds),
            )
        )
        return None
    what = (
        text("interview.audio.of_audio", language, duration=_clock(duration))
        if duration
        else text("interview.audio.your_recording", language)
    )
    progress = await message.reply(text("interview.audio.transcribing", language, what=what))
    try:
        data = await attachment.read()
        transcript, report = await transcribe_file(data, speech.stt, language.value, limits)
    except SpeechError as exc:
        log.info("Unusable audio answer in message %s: %s", message.id, exc.detail)
        await _settle(progress, exc.message_in(language))
        return None
    except discord.HTTPException:
        log.warning("Could not download attachment %s", attachment.id, exc_info=True)
        await _settle(progress, text("interview.audio.download_failed", language))
        return None
    except Exception:
        # A decoder or recognizer failure we did not foresee: the "Transcribing..." message
        # must still end, with something the user can act on; the question stays open.
        log.exception("Could not transcribe attachment %s of message %s", attachment.id, message.id)
        await _settle(progress, text("interview.audio.failed", language))
        return None
    head = text("interview.audio.transcript", language, summary=report.summary(language))
    await _settle(progress, f"{head}\n> {shorten(transcript.text, 1800)}")
    return transcript.text, transcript.words


async def _settle(progress: discord.Message, content: str) -> None:
    """Replace the "Transcribing..." message; if Discord refuses the edit, reply instead."""
    try:
        await progress.edit(content=content)
    except discord.HTTPException:
        log.warning("Could not update the transcribing message %s", progress.id)
        try:
            await progress.channel.send(content)
        except discord.HTTPException:
            log.warning("Could not tell the user in channel %s", progress.channel.id)


def transcribing_prefix(language: Language) -> str:
    """Return how a "Transcribing..." message of ours starts, to recognise one left hanging."""
    return text("interview.audio.transcribing", language, what="\0").split("\0", 1)[0]


async def spoken(
    speech: SpeechServices | None, prompt: str, language: Language, guild_id: int | None = None
) -> discord.File | None:
    """Return the question as an audio attachment, or None when speech is off or fails."""
    if speech is None:
        return None
    on = speech.speaks_in(guild_id) if speech.speaks_in is not None else speech.speak_questions
    if not on:
        return None
    try:
        audio = await speech.tts.synthesize(prompt, language.value)
    except SpeechError:
        log.warning("Could not synthesise a question; sending text only", exc_info=True)
        return None
    return discord.File(io.BytesIO(audio.ogg_opus), filename="question.ogg")

"""Voice-message and audio-attachment answers, and spoken questions."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from pathlib import PurePath

import discord

from bot.coaching.answer import Word
from bot.presenters import shorten
from bot.speech.audio import AudioLimits
from bot.speech.errors import SpeechError
from bot.speech.pipeline import transcribe_file
from bot.speech.stt import SpeechToText
from bot.speech.tts import TextToSpeech

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = {".ogg", ".oga", ".opus", ".mp3", ".wav", ".m4a", ".aac", ".flac", ".webm"}

NOT_AUDIO = (
    "I can't use that file as an answer. Send a Discord voice message or an audio file "
    "(ogg/opus, mp3, wav, m4a), or type your answer."
)


@dataclass(frozen=True, slots=True)
class SpeechServices:
    """What the cog needs to hear answers and speak questions."""

    stt: SpeechToText
    tts: TextToSpeech
    limits: AudioLimits
    speak_questions: bool = True


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
    language: str,
) -> tuple[str, tuple[Word, ...]] | None:
    """Transcribe an audio answer, showing progress and the transcript; None if unusable."""
    limits = speech.limits
    if attachment.size > limits.max_bytes:
        await message.reply(
            f"That file is {attachment.size / 1_048_576:.1f} MB; I can take up to "
            f"{limits.max_bytes / 1_048_576:.0f} MB of audio. Send a shorter recording."
        )
        return None
    duration = attachment.duration_secs
    if duration is not None and duration > limits.max_seconds:
        await message.reply(
            f"That recording is {_clock(duration)} long; answers can be up to "
            f"{_clock(limits.max_seconds)}. Try a shorter take, or split it into two answers."
        )
        return None
    what = f"{_clock(duration)} of audio" if duration else "your recording"
    progress = await message.reply(f"Transcribing {what}...")
    try:
        data = await attachment.read()
        transcript, report = await transcribe_file(data, speech.stt, language, limits)
    except SpeechError as exc:
        log.info("Unusable audio answer in message %s: %s", message.id, exc.detail)
        await progress.edit(content=exc.user_message)
        return None
    except discord.HTTPException:
        log.warning("Could not download attachment %s", attachment.id, exc_info=True)
        await progress.edit(content="I couldn't download that recording. Please send it again.")
        return None
    await progress.edit(
        content=f"**Transcript** · {report.summary()}\n> {shorten(transcript.text, 1800)}"
    )
    return transcript.text, transcript.words


async def spoken(speech: SpeechServices | None, text: str, language: str) -> discord.File | None:
    """Return the question as an audio attachment, or None when speech is off or fails."""
    if speech is None or not speech.speak_questions:
        return None
    try:
        audio = await speech.tts.synthesize(text, language)
    except SpeechError:
        log.warning("Could not synthesise a question; sending text only", exc_info=True)
        return None
    return discord.File(io.BytesIO(audio.ogg_opus), filename="question.ogg")

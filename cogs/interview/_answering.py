"""Answers in the interview thread: saved first, then graded, then shown where the user sees it.

The order is the point. The engine saves the answer before anything that can fail (the
typing indicator, the live preview, the grader, Discord); the typing indicator runs beside
the grading and can never hold it up. When handling fails anyway, ``AnswerFailure`` says
whether the answer was saved, so the apology is true. The outcome is shown while the engine
still holds the interview, so a stop or a data deletion cannot slip in between grading and
showing. If the thread was deleted meanwhile, the feedback goes to a new thread (or a DM),
and if there is nowhere to put it, the user is told so in the channel the thread was in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import discord

from bot.coaching.answer import Word
from bot.copy import text
from bot.errors import CoachError
from bot.interview.engine import InterviewEngine
from bot.interview.events import Event
from bot.interview.inbox import AnswerFailure, AnswerInbox, Delivery
from bot.interview.models import Session
from cogs.interview._audio import SpeechServices, audio_attachment, transcribe_attachment
from cogs.interview._channels import open_interview_channel, thread_title
from cogs.interview._live import LivePreview
from cogs.interview._poster import EventPoster

log = logging.getLogger(__name__)

_QUIET = discord.AllowedMentions.none()
# Discord shows "typing..." for about 10 s after each trigger.
TYPING_EVERY_S = 8.0


class TypingIndicator:
    """Keep "typing..." up beside the grading; a refusal (403, 503 after retries) ends it."""

    def __init__(self, channel: discord.abc.Messageable, every_s: float = TYPING_EVERY_S) -> None:
        self._channel = channel
        self._every_s = every_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start triggering in the background; the caller never waits for Discord here."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="interview-typing")

    async def _run(self) -> None:
        while True:
            try:
                await self._channel.trigger_typing()
            except (discord.HTTPException, OSError, TimeoutError) as exc:
                log.info("Typing indicator refused (%s); grading goes on without it", exc)
                return
            await asyncio.sleep(self._every_s)

    async def stop(self) -> None:
        """Stop the indicator (it fades by itself on Discord's side)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class ThreadAnswers:
    """Handle the messages in interview threads: route, transcribe, save, grade, show."""

    def __init__(
        self,
        bot: discord.Client,
        engine: InterviewEngine,
        inbox: AnswerInbox,
        poster: EventPoster,
        speech: SpeechServices | None,
        stream_interval: float = 1.0,
    ) -> None:
        self.bot = bot
        self.engine = engine
        self.inbox = inbox
        self.poster = poster
        self.speech = speech
        self.stream_interval = stream_interval

    async def on_message(self, message: discord.Message) -> None:
        """Grade the candidate's answer typed (or sent as audio) in their interview thread."""
        async with self.inbox.receive(message.channel.id, message.author.id) as inbound:
            session = inbound.session
            if session is None or session.id is None:
                return
            lang = session.language
            if inbound.delivery is Delivery.NOT_OWNER:
                if inbound.warn:
                    mention = f"<@{session.user_id}>"
                    note = text("interview.not_yours", lang, mention=mention)
                    await message.reply(note, allowed_mentions=_QUIET)
            elif inbound.delivery is Delivery.BUSY:
                await message.reply(text("interview.still_grading", lang), allowed_mentions=_QUIET)
            elif inbound.delivery is Delivery.RECOVER:
                # The bot stopped while grading the previous answer: grade it now.
                events = await self.engine.resume(session.id)
                await self.poster.post(message.channel, session.id, events, lang)
                await message.reply(text("interview.recovered", lang))
            else:
                await self._take(message, session)

    async def _take(self, message: discord.Message, session: Session) -> None:
        """Use the owner's message, typed or a voice message, as the answer."""
        lang = session.language
        attachment = audio_attachment(message)
        if attachment is not None and self.speech is not None:
            heard = await transcribe_attachment(message, attachment, self.speech, lang)
            if heard is not None:  # else the user was told why; the question is still open
                await self.answer(message, session, heard[0], heard[1], spoken=True)
            return
        if not message.content.strip():
            key = "interview.audio.not_audio" if message.attachments else "interview.empty_message"
            await message.reply(text(key, lang))
            return
        await self.answer(message, session, message.content)

    async def answer(
        self,
        message: discord.Message,
        session: Session,
        answer: str,
        words: tuple[Word, ...] | list[Word] = (),
        spoken: bool = False,
    ) -> None:
        """Save the answer, grade it (streaming the model's coaching), then show the outcome."""
        assert session.id is not None
        session_id, lang = session.id, session.language
        channel = message.channel
        live = LivePreview(channel, answer, min_interval=self.stream_interval, language=lang)
        typing = TypingIndicator(channel)
        saved = delivering = False
        moved_to: list[int] = []

        async def on_saved() -> None:
            nonlocal saved
            saved = True
            typing.start()

        async def deliver(events: list[Event]) -> None:
            nonlocal delivering
            delivering = True
            await typing.stop()
            preview = await live.close()
            if not await self.poster.post(channel, session_id, events, lang, preview=preview):
                moved = await self._relocate(message, session, events)
                if moved is not None:
                    moved_to.append(moved)

        try:
            await self.engine.answer(
                session_id,
                answer,
                words,
                spoken=spoken,
                on_section=live.on_section,
                on_saved=on_saved,
                deliver=deliver,
            )
        except CoachError:
            if not delivering:
                await live.abandon()
            raise
        except Exception as exc:
            if not delivering:  # else the preview may already hold the final feedback
                await live.abandon()
            raise AnswerFailure(saved, session_id, lang) from exc
        finally:
            await typing.stop()
        if moved_to:
            await self.engine.bind_channel(session_id, moved_to[0])

    async def _relocate(
        self, message: discord.Message, session: Session, events: list[Event]
    ) -> int | None:
        """Show events whose thread was deleted in a new thread or a DM; return its id.

        With nowhere to go, say so in the channel the thread belonged to (best effort).
        """
        assert session.id is not None
        lang, user = session.language, message.author
        origin = getattr(message.channel, "parent", None)
        log.info("Thread of session %s is gone; moving its feedback", session.id)
        try:
            place = await open_interview_channel(origin, user, thread_title(user, lang), lang)
        except CoachError:
            note = text("interview.relocated_nowhere", lang, mention=user.mention)
            if isinstance(origin, discord.abc.Messageable):
                try:
                    await origin.send(note)
                except discord.HTTPException:
                    log.warning("Could not tell user %s where their feedback went", user.id)
            return None
        note = text("interview.relocated", lang, mention=user.mention)
        await place.channel.send(f"{note}\n\n{place.note}" if place.note else note)
        await self.poster.post(place.channel, session.id, events, lang)
        return place.channel_id

"""The RoundPresenter over a Discord thread: notices, status, questions, feedback, ratings."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord

from bot.catalog import Language
from bot.copy import text
from bot.interview.events import Event, FeedbackGiven
from bot.rounds.model import Round
from bot.rounds.notices import Ending, Note
from bot.rounds.summary import AnswerRecord, RoundSummary
from cogs.interview._render import render
from cogs.voice._controls import consent_view, rating_view
from cogs.voice._render import (
    consent_embed,
    ending_text,
    listening_text,
    note_text,
    round_summary_embed,
)

log = logging.getLogger(__name__)

ONLY_USERS = discord.AllowedMentions(everyone=False, roles=False, users=True)
NOBODY = discord.AllowedMentions.none()
DISCORD_LIMIT = 2000


class ThreadPresenter:
    """Post what a round does in its thread; edit one status message in place."""

    def __init__(
        self,
        guild: discord.Guild,
        channel: discord.abc.Messageable,
        voice_channel_id: int,
        names: dict[int, str] | None = None,
        language: Language = Language.EN,
    ) -> None:
        self.guild = guild
        self.language = language
        self.channel = channel
        self.voice_channel_id = voice_channel_id
        self.names = names if names is not None else {}
        self._status: discord.Message | None = None

    def remember(self, user: discord.abc.User) -> None:
        """Remember a display name seen in an interaction."""
        self.names[user.id] = user.display_name

    def name_of(self, user_id: int) -> str:
        """Return the member's display name, or a neutral placeholder."""
        member = self.guild.get_member(user_id)
        if member is not None:
            return member.display_name
        return self.names.get(user_id) or text("rounds.status.someone", self.language)

    async def _send(
        self,
        content: str | None = None,
        *,
        embed: discord.Embed | None = None,
        view: discord.ui.View | None = None,
        allowed_mentions: discord.AllowedMentions = NOBODY,
    ) -> discord.Message | None:
        extra: dict[str, Any] = {"allowed_mentions": allowed_mentions}
        if embed is not None:
            extra["embed"] = embed
        if view is not None:
            extra["view"] = view
        try:
            return await self.channel.send(content, **extra)
        except discord.HTTPException:
            # The round carries on; the thread shows it, it does not hold its state.
            log.warning("Could not post in round thread %s", getattr(self.channel, "id", None))
            return None
        finally:
            if view is not None:
                # Clicks are routed by custom_id; the view store need not keep this view.
                view.stop()

    async def consent_notice(self, round_: Round) -> None:
        """Post the consent notice with its Consent button."""
        assert round_.id is not None
        await self._send(embed=consent_embed(round_), view=consent_view(round_.id, self.language))

    async def listening(self, user_ids: Sequence[int]) -> None:
        """Show whom the bot listens to, editing the one status message."""
        content = listening_text(user_ids, self.name_of, self.language)
        if self._status is not None:
            try:
                await self._status.edit(content=content, allowed_mentions=NOBODY)
                return
            except discord.HTTPException:
                log.info("Status message of round thread is gone; posting a new one")
        self._status = await self._send(content, allowed_mentions=NOBODY)

    async def events(self, user_id: int, events: Sequence[Event], group: bool) -> None:
        """Post interview events; in a group, questions and feedback say whose they are."""
        for event in events:
            # In a group, feedback that opens with its score is headed with whose it is (a
            # reply to a follow-up opens with what it did for the question instead).
            named = group and isinstance(event, FeedbackGiven) and event.evaluation.probe is None
            for item in render([event], self.language):
                content = item.content
                if group and item.embed is not None and item.controls:
                    content = text("rounds.status.your_turn", self.language, user_id=user_id)
                elif named and content:
                    named = False
                    header = text(
                        "rounds.status.feedback_for", self.language, name=self.name_of(user_id)
                    )
                    if len(header) + 1 + len(content) <= DISCORD_LIMIT:
                        content = f"{header}\n{content}"
                if item.embed is not None:
                    await self._send(content, embed=item.embed, allowed_mentions=ONLY_USERS)
                elif content:
                    await self._send(content, allowed_mentions=NOBODY)

    async def note(self, note: Note) -> None:
        """Post a short note about someone's turn."""
        await self._send(note_text(note, self.language), allowed_mentions=NOBODY)

    async def error(self, message: str) -> None:
        """Post a message that is already in words."""
        await self._send(message, allowed_mentions=NOBODY)

    async def rating_request(self, answer: AnswerRecord) -> None:
        """Ask the other participants to rate one answer."""
        await self._send(
            text("rounds.ratings.request", self.language, name=self.name_of(answer.user_id)),
            view=rating_view(answer.id, self.language),
            allowed_mentions=NOBODY,
        )

    async def ended(self, ending: Ending, stopped_by: int | None) -> None:
        """Say why a solo round ended early."""
        text_ = ending_text(ending, stopped_by, self.name_of, self.language)
        await self._send(text_, allowed_mentions=NOBODY)

    async def round_summary(
        self, summary: RoundSummary, ending: Ending | None, stopped_by: int | None
    ) -> None:
        """Post the end-of-round summary."""
        reason = ending_text(ending, stopped_by, self.name_of, self.language) if ending else None
        await self._send(embed=round_summary_embed(summary, reason, self.name_of))

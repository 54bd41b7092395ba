"""The VoicePresenter over a Discord thread: notices, status, questions, feedback, ratings."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import discord

from bot.interview.events import Event, FeedbackGiven
from bot.interview.rounds import AnswerRecord, RoundMode, RoundSummary
from cogs.interview._render import render
from cogs.voice._controls import consent_view, rating_view
from cogs.voice._render import consent_embed, listening_text, round_summary_embed

log = logging.getLogger(__name__)

ONLY_USERS = discord.AllowedMentions(everyone=False, roles=False, users=True)
NOBODY = discord.AllowedMentions.none()


class ThreadPresenter:
    """Post what a voice session does in its thread; edit one status message in place."""

    def __init__(
        self,
        guild: discord.Guild,
        channel: discord.abc.Messageable,
        voice_channel_id: int,
        names: dict[int, str] | None = None,
        language: str = "en",
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
        return self.names.get(user_id, "someone")

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
            # The voice session carries on; the thread shows it, it does not hold its state.
            log.warning("Could not post in voice thread %s", getattr(self.channel, "id", None))
            return None
        finally:
            if view is not None:
                # Clicks are routed by custom_id; the view store need not keep this view.
                view.stop()

    async def consent_notice(self, voice_id: int, mode: RoundMode, text: str) -> None:
        """Post the consent notice with its Consent button."""
        await self._send(
            embed=consent_embed(mode, text, self.voice_channel_id), view=consent_view(voice_id)
        )

    async def listening(self, user_ids: Sequence[int]) -> None:
        """Show whom the bot listens to, editing the one status message."""
        text = listening_text(user_ids, self.name_of)
        if self._status is not None:
            try:
                await self._status.edit(content=text, allowed_mentions=NOBODY)
                return
            except discord.HTTPException:
                log.info("Status message of voice thread is gone; posting a new one")
        self._status = await self._send(text, allowed_mentions=NOBODY)

    async def events(self, user_id: int, events: Sequence[Event], group: bool) -> None:
        """Post engine events; in a round, questions mention whose turn it is."""
        first_feedback = True
        for item in render(list(events), self.language):
            content = item.content
            if group and item.embed is not None and item.controls:
                content = f"<@{user_id}>, your turn."
            elif group and content and first_feedback and content.startswith("**Score"):
                first_feedback = False
                header = f"Feedback for **{self.name_of(user_id)}**\n"
                if len(header) + len(content) <= 2000:
                    content = header + content
            if item.embed is not None:
                await self._send(content, embed=item.embed, allowed_mentions=ONLY_USERS)
            elif content:
                await self._send(content, allowed_mentions=NOBODY)
        if not group and any(isinstance(e, FeedbackGiven) for e in events):
            log.debug("Posted voice feedback for user %s", user_id)

    async def note(self, text: str) -> None:
        """Post a short plain message."""
        await self._send(text, allowed_mentions=NOBODY)

    async def rating_request(self, answer: AnswerRecord) -> None:
        """Ask the other participants to rate one answer."""
        await self._send(
            f"How was **{self.name_of(answer.user_id)}**'s answer? Others in the round: rate it "
            "(one vote each, you can change it; only the round summary shows the counts).",
            view=rating_view(answer.id),
            allowed_mentions=NOBODY,
        )

    async def round_summary(self, summary: RoundSummary, reason: str | None) -> None:
        """Post the end-of-round summary."""
        await self._send(embed=round_summary_embed(summary, reason, self.name_of))

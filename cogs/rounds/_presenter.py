"""The RoundPresenter of a text round: the voice presenter's thread posts, in text-round words."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot.catalog import Language
from bot.copy import text
from bot.rounds.model import Round
from bot.rounds.notices import Ending, Note
from bot.rounds.summary import RoundSummary
from cogs.rounds._render import text_consent_embed, text_consent_view
from cogs.voice._presenter import NOBODY, ONLY_USERS, ThreadPresenter
from cogs.voice._render import round_summary_embed

log = logging.getLogger(__name__)


class TextThreadPresenter(ThreadPresenter):
    """Post a text round in its thread: join notice, whose turn it is, notes, the summary."""

    def __init__(
        self,
        guild: discord.Guild,
        channel: discord.abc.Messageable,
        text_channel_id: int,
        names: dict[int, str],
        language: Language,
        minutes: int,
    ) -> None:
        super().__init__(guild, channel, text_channel_id, names, language)
        self.minutes = minutes

    async def consent_notice(self, round_: Round) -> None:
        """Post how the round works with its Join button; call those who RSVP'd by name."""
        assert round_.id is not None
        content = None
        if round_.priority:
            mentions = " ".join(f"<@{u}>" for u in round_.priority)
            content = text("rounds.text.called", self.language, mentions=mentions)
        await self._send(
            content,
            embed=text_consent_embed(round_, self.minutes),
            view=text_consent_view(round_.id, self.language),
            allowed_mentions=ONLY_USERS if content else NOBODY,
        )

    async def listening(self, user_ids: Sequence[int]) -> None:
        """Show whose answer the round waits for, editing the one status message."""
        if user_ids:
            names = ", ".join(f"**{self.name_of(u)}**" for u in user_ids)
            content = text(
                "rounds.text.status.waiting", self.language, names=names, minutes=self.minutes
            )
        else:
            content = text("rounds.text.status.nobody", self.language)
        if self._status is not None:
            try:
                await self._status.edit(content=content, allowed_mentions=NOBODY)
                return
            except discord.HTTPException:
                log.info("Status message of text round is gone; posting a new one")
        self._status = await self._send(content, allowed_mentions=NOBODY)

    async def note(self, note: Note) -> None:
        """Post a short note about someone's turn, in text-round words."""
        message = text(f"rounds.text.notes.{note.kind.value}", self.language, name=note.name)
        await self._send(message, allowed_mentions=NOBODY)

    async def ended(self, ending: Ending, stopped_by: int | None) -> None:
        """Say why the round ended early."""
        await self._send(self._why(ending, stopped_by), allowed_mentions=NOBODY)

    async def round_summary(
        self, summary: RoundSummary, ending: Ending | None, stopped_by: int | None
    ) -> None:
        """Post the end-of-round summary."""
        reason = self._why(ending, stopped_by) if ending else None
        await self._send(embed=round_summary_embed(summary, reason, self.name_of))

    def _why(self, ending: Ending, stopped_by: int | None) -> str:
        if ending is Ending.STOP and stopped_by is not None:
            return text("rounds.endings.stopped_by", self.language, name=self.name_of(stopped_by))
        return text(f"rounds.text.endings.{ending.value}", self.language)

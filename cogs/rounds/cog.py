"""Text rounds' answers: messages in a round's thread, and the thread going away."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from cogs.rounds._desk import RoundDesk

log = logging.getLogger(__name__)


class TextRoundsCog(commands.Cog):
    """Hand the speaker's messages to their text round; end a round whose thread is deleted."""

    def __init__(self, bot: discord.Bot, desk: RoundDesk) -> None:
        self.bot = bot
        self.desk = desk

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Take the message as an answer when it is its author's turn in a text round."""
        await self.desk.take_message(message)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """End the text round whose thread was deleted."""
        await self.desk.thread_gone(payload.thread_id)

"""Adapt py-cord channels and interaction follow-ups to the stream editor's small Protocol."""

from __future__ import annotations

import logging

import discord
from discord.abc import Messageable

from bot.stream_editor import MessageHandle, StreamingMessageEditor

log = logging.getLogger(__name__)

# Streamed coaching text quotes the candidate; it must never ping anyone.
_NO_PINGS = discord.AllowedMentions.none()


class _MessageHandle:
    """Edits one channel message."""

    def __init__(self, message: discord.Message) -> None:
        self.message = message

    async def edit(self, text: str) -> None:
        """Replace the message's text."""
        await self.message.edit(content=text, allowed_mentions=_NO_PINGS)


class _WebhookHandle:
    """Edits one interaction follow-up message."""

    def __init__(self, message: discord.WebhookMessage) -> None:
        self.message = message

    async def edit(self, text: str) -> None:
        """Replace the message's text."""
        await self.message.edit(content=text, allowed_mentions=_NO_PINGS)


class MessageableTarget:
    """Send stream messages to a channel, thread or DM."""

    def __init__(self, channel: Messageable) -> None:
        self._channel = channel

    async def send(self, text: str) -> MessageHandle:
        """Send a new message and return its edit handle."""
        message = await self._channel.send(content=text, allowed_mentions=_NO_PINGS)
        return _MessageHandle(message)


class FollowupTarget:
    """Send stream messages as follow-ups of a deferred interaction."""

    def __init__(self, interaction: discord.Interaction, *, ephemeral: bool = False) -> None:
        self._interaction = interaction
        self._ephemeral = ephemeral

    async def send(self, text: str) -> MessageHandle:
        """Send a follow-up and return its edit handle."""
        message = await self._interaction.followup.send(
            text, wait=True, ephemeral=self._ephemeral, allowed_mentions=_NO_PINGS
        )
        if message is None:  # pragma: no cover - wait=True always returns the message
            raise RuntimeError("the follow-up was not returned")
        return _WebhookHandle(message)


def stream_to(channel: Messageable, *, min_interval: float = 1.0) -> StreamingMessageEditor:
    """Return a stream editor that writes into a py-cord channel, thread or DM."""
    return StreamingMessageEditor(MessageableTarget(channel), min_interval=min_interval)


def stream_followups(
    interaction: discord.Interaction, *, ephemeral: bool = False, min_interval: float = 1.0
) -> StreamingMessageEditor:
    """Return a stream editor that writes interaction follow-ups."""
    return StreamingMessageEditor(
        FollowupTarget(interaction, ephemeral=ephemeral), min_interval=min_interval
    )

"""The options `/schedule create` and `/schedule edit` share: when, where, how often."""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.copy import catalogue, text
from bot.rounds.schedules import Weekday, zone_names
from cogs._shared import option

log = logging.getLogger(__name__)

OPTIONS = "schedules.options"
ROUND_CHANNELS = [
    discord.ChannelType.voice,
    discord.ChannelType.stage_voice,
    discord.ChannelType.text,
]


def _choice(key: str, value: int) -> discord.OptionChoice:
    return discord.OptionChoice(text(key), value, name_localizations=catalogue().localizations(key))


WEEKDAYS = [_choice(f"schedules.weekdays.{d.value}", d.value) for d in Weekday]
EVERY = [_choice(f"schedules.every.{n}", n) for n in (1, 2)]


async def zone_autocomplete(ctx: discord.AutocompleteContext) -> list[str]:
    """Suggest IANA time zone names that match what was typed."""
    return zone_names(str(ctx.value or ""))


def when_options(required: bool) -> Any:
    """Add the weekday, time and time-zone options (required on create, optional on edit)."""

    def apply(func: Any) -> Any:
        extra = {} if required else {"required": False, "default": None}
        func = option(f"{OPTIONS}.timezone", str, autocomplete=zone_autocomplete, **extra)(func)
        func = option(f"{OPTIONS}.time", str, max_length=10, **extra)(func)
        return option(f"{OPTIONS}.weekday", int, choices=WEEKDAYS, **extra)(func)

    return apply


def text_channel_of(channel: object) -> discord.TextChannel | None:
    """Return the text channel a command was used in (a thread's parent), if any."""
    if isinstance(channel, discord.Thread):
        channel = channel.parent
    return channel if isinstance(channel, discord.TextChannel) else None


def event_guild_id(payload: discord.RawScheduledEventSubscription) -> int:
    """Return the server of a raw Interested event (py-cord may not have the guild cached)."""
    if payload.guild is not None:
        return int(payload.guild.id)
    return int(payload.data["guild_id"])

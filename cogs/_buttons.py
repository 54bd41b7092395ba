"""One router for clicks on our persistent buttons: each cog registers id parsers and handlers.

Buttons outlive restarts because their custom ids carry what they act on; the router does
the prologue every handler needs (only component clicks, parse the id, first match wins)
and ``owner_only`` the owner check. Every id parser any router knows is also listed here,
so one listener (``cogs.help``) can answer a click on an id of ours that no parser accepts
(an old button, a forged or mangled id) with "this button no longer works".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.catalog import Language
from bot.errors import CoachError

log = logging.getLogger(__name__)

Parse = Callable[[str], Any]
Handle = Callable[[discord.Interaction, Any], Awaitable[None]]

# Every custom id of ours starts with this.
PREFIX = "mb:"
# Ids are SQLite integers (and Discord snowflakes): positive and below 2**63.
_MAX_ID = 2**63 - 1
# Every parser a router was given, so a click no route claims can be told apart.
_PARSERS: list[Parse] = []


def parse_id(value: str) -> int | None:
    """Return the id a custom id carries, or None when it is not a usable positive integer."""
    if not value.isascii() or not value.isdigit():
        return None
    number = int(value)
    return number if 0 < number <= _MAX_ID else None


def claimed(custom_id: str) -> bool:
    """Tell whether any of our routers accepts this custom id."""
    return any(parse(custom_id) is not None for parse in _PARSERS)


def stale(interaction: discord.Interaction) -> bool:
    """Tell whether this is a click on an id of ours that no router accepts."""
    if interaction.type is not discord.InteractionType.component or interaction.data is None:
        return False
    raw = str(interaction.data.get("custom_id", ""))
    return raw.startswith(PREFIX) and not claimed(raw)


class ButtonRouter:
    """Dispatch a component click to the first route whose parser accepts its custom id."""

    def __init__(self) -> None:
        self._routes: list[tuple[Parse, Handle]] = []

    def route(self, parse: Parse, handle: Handle) -> None:
        """Send clicks whose id ``parse`` accepts (returns not None) to ``handle``."""
        self._routes.append((parse, handle))
        if parse not in _PARSERS:
            _PARSERS.append(parse)

    async def dispatch(self, interaction: discord.Interaction) -> bool:
        """Handle a click if one of the routes claims it; return whether one did."""
        if interaction.type is not discord.InteractionType.component or interaction.data is None:
            return False
        raw = str(interaction.data.get("custom_id", ""))
        for parse, handle in self._routes:
            parsed = parse(raw)
            if parsed is not None:
                try:
                    await handle(interaction, parsed)
                except CoachError as exc:
                    # A refusal meant for the clicker (a cooldown, a finished interview):
                    # listeners have no error handler, so answer here instead of logging
                    # it as a listener error.
                    await _refuse(interaction, exc)
                return True
        return False


async def _refuse(interaction: discord.Interaction, error: CoachError) -> None:
    """Tell the clicker privately why their click did nothing."""
    user = interaction.user
    log.info("Click %s by %s refused: %s", interaction.id, user.id if user else None, error.key)
    message = error.message_in(error.language or locale_language(interaction))
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("Could not tell %s why click %s was refused", user, interaction.id)


async def owner_only(interaction: discord.Interaction, owner_id: int, refusal: str) -> bool:
    """Tell whether the clicker owns the thing; otherwise answer them privately and say no."""
    user = interaction.user
    if user is not None and user.id == owner_id:
        return True
    await interaction.response.send_message(refusal, ephemeral=True)
    return False


def guild_language(guild: discord.Guild) -> Language:
    """Return Korean for a server whose community language is Korean, English otherwise."""
    locale = str(getattr(guild, "preferred_locale", None) or "")
    return Language.KO if locale.lower().startswith("ko") else Language.EN


def locale_language(interaction: discord.Interaction | None) -> Language:
    """Return Korean for a Korean Discord client, English otherwise."""
    locale = str(getattr(interaction, "locale", None) or "")
    return Language.KO if locale.lower().startswith("ko") else Language.EN


def chosen_language(value: str | None, interaction: discord.Interaction | None) -> Language:
    """Return the language option's value, else (none given) the Discord client's language.

    A server's default language is filled in as the option before the command runs
    (``cogs.settings._gate``), so it wins over the client's language and loses to a choice.
    """
    return Language(value) if value else locale_language(interaction)

"""One router for clicks on our persistent buttons: each cog registers id parsers and handlers.

Buttons outlive restarts because their custom ids carry what they act on; the router does
the prologue every handler needs (only component clicks, parse the id, first match wins)
and ``owner_only`` the owner check.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.catalog import Language

log = logging.getLogger(__name__)

Parse = Callable[[str], Any]
Handle = Callable[[discord.Interaction, Any], Awaitable[None]]


class ButtonRouter:
    """Dispatch a component click to the first route whose parser accepts its custom id."""

    def __init__(self) -> None:
        self._routes: list[tuple[Parse, Handle]] = []

    def route(self, parse: Parse, handle: Handle) -> None:
        """Send clicks whose id ``parse`` accepts (returns not None) to ``handle``."""
        self._routes.append((parse, handle))

    async def dispatch(self, interaction: discord.Interaction) -> bool:
        """Handle a click if one of the routes claims it; return whether one did."""
        if interaction.type is not discord.InteractionType.component or interaction.data is None:
            return False
        raw = str(interaction.data.get("custom_id", ""))
        for parse, handle in self._routes:
            parsed = parse(raw)
            if parsed is not None:
                await handle(interaction, parsed)
                return True
        return False


async def owner_only(interaction: discord.Interaction, owner_id: int, refusal: str) -> bool:
    """Tell whether the clicker owns the thing; otherwise answer them privately and say no."""
    user = interaction.user
    if user is not None and user.id == owner_id:
        return True
    await interaction.response.send_message(refusal, ephemeral=True)
    return False


def locale_language(interaction: discord.Interaction | None) -> Language:
    """Return Korean for a Korean Discord client, English otherwise."""
    locale = str(getattr(interaction, "locale", None) or "")
    return Language.KO if locale.lower().startswith("ko") else Language.EN

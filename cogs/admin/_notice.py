"""Tell a server's administrators that its stored model keys can no longer be read.

The key store does not record who stored a key, so the notice goes to the server's system
channel when the bot may post there, else to the server owner's DMs (the owner is always an
administrator). ``GuildRouting`` calls this once per process and change of stored keys.
"""

from __future__ import annotations

import logging

import discord

from bot.llm.guild_routing import GuildRouting
from cogs._buttons import guild_language
from cogs.admin._render import unreadable_notice

log = logging.getLogger(__name__)


class UnreadableKeysNotice:
    """Post the notice where the server's administrators will see it."""

    def __init__(self, bot: discord.Client, routing: GuildRouting) -> None:
        self.bot = bot
        self.routing = routing

    async def __call__(self, guild_id: int, providers: tuple[str, ...]) -> None:
        """Tell the server (system channel, else its owner by DM); log where it went."""
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            log.info("Guild %s has unreadable keys but is not in the cache", guild_id)
            return
        route = await self.routing.route_for(guild_id)
        notice = unreadable_notice(providers, route.source, guild_language(guild))
        channel, me = guild.system_channel, guild.me
        if channel is not None and me is not None:
            allowed = channel.permissions_for(me)
            if allowed.view_channel and allowed.send_messages:
                try:
                    await channel.send(notice, allowed_mentions=discord.AllowedMentions.none())
                    log.info(
                        "Told guild %s about its unreadable keys in its system channel", guild_id
                    )
                    return
                except discord.HTTPException as exc:
                    log.info("System channel of guild %s refused the notice (%s)", guild_id, exc)
        await self._tell_owner(guild, notice)

    async def _tell_owner(self, guild: discord.Guild, notice: str) -> None:
        if guild.owner_id is None:
            return
        try:
            owner = self.bot.get_user(guild.owner_id) or await self.bot.fetch_user(guild.owner_id)
            await owner.send(notice)
        except discord.HTTPException as exc:
            log.warning("Could not tell guild %s about its unreadable keys (%s)", guild.id, exc)
            return
        log.info("Told the owner of guild %s about its unreadable keys by DM", guild.id)

"""What `/schedule` checks before asking the schedule service: who may, and what the bot may."""

from __future__ import annotations

import logging

import discord

from bot.catalog import Language
from bot.errors import CoachError
from bot.guilds.settings import GuildSettingsService
from bot.rounds.model import RoundMedium
from bot.rounds.schedules import ScheduleError

log = logging.getLogger(__name__)

# Discord's Create Events permission (py-cord 2.8.1 has no flag for it): creating events and
# managing the bot's own; Manage Events covers it too.
CREATE_EVENTS = 1 << 44


def guild_member(
    ctx: discord.ApplicationContext, language: Language
) -> tuple[discord.Guild, discord.Member]:
    """Return the server and the calling member, or refuse a use outside a server."""
    guild = ctx.guild
    member = ctx.author
    if guild is None or not isinstance(member, discord.Member):
        raise CoachError(key="schedules.errors.server_only", language=language)
    return guild, member


def require_moderator(
    settings: GuildSettingsService, member: discord.Member, language: Language
) -> None:
    """Refuse anyone without Manage Server or the server's moderator role (checked now)."""
    settings.require_moderator(
        member.guild.id,
        bool(member.guild_permissions.manage_guild),
        {r.id for r in member.roles},
        language,
    )


def medium_of(channel: object, language: Language) -> RoundMedium:
    """Return whether a channel hosts a voice or a text round; refuse any other kind."""
    if isinstance(channel, discord.VoiceChannel | discord.StageChannel):
        return RoundMedium.VOICE
    if isinstance(channel, discord.TextChannel):
        return RoundMedium.TEXT
    raise ScheduleError("bad_channel", language)


def check_bot_can(
    ctx: discord.ApplicationContext,
    channel: discord.abc.GuildChannel,
    post: discord.abc.GuildChannel,
    language: Language,
) -> None:
    """Refuse when the bot cannot manage events, see the channel, or post where it must."""
    app = ctx.interaction.app_permissions
    if app is not None and not (app.manage_events or app.value & CREATE_EVENTS):
        raise ScheduleError("missing_event_permission", language)
    check_channel(channel, language)
    check_channel(post, language, posts=True)


def check_channel(
    channel: discord.abc.GuildChannel, language: Language, *, posts: bool = False
) -> None:
    """Refuse a channel the bot cannot see, post in, or (voice) connect and speak in."""
    me = channel.guild.me
    if me is None:
        return
    perms = channel.permissions_for(me)
    if not posts and isinstance(channel, discord.VoiceChannel | discord.StageChannel):
        if not (perms.view_channel and perms.connect and perms.speak):
            raise ScheduleError("channel_hidden", language, channel_id=channel.id)
    elif not (perms.view_channel and perms.send_messages):
        raise ScheduleError("channel_hidden", language, channel_id=channel.id)

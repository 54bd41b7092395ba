"""The server settings every command obeys: where interviews and rounds may start, and the
server's default language for commands that have a language option left out.

It runs as a global check before any slash command (``SettingsCog.bot_check_once``), so the
commands themselves need not know about it. A refusal is a ``CoachError`` that is also a
``CheckFailure``: py-cord hands it to the bot's error handler, which shows its message.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from bot.catalog import Language
from bot.errors import CoachError
from bot.guilds.settings import GuildSettingsService
from cogs._buttons import locale_language

log = logging.getLogger(__name__)

SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
# The commands that start an interview or a round (by Discord's own, English, names).
STARTS = frozenset(
    {
        ("interview", "start"),
        ("drill",),
        ("voice", "interview"),
        ("round", "start"),
        ("round", "text"),
    }
)
LANGUAGE_OPTION = "language"


class StartRefused(CoachError, discord.CheckFailure):
    """An interview or round may not start in this channel (server setting)."""

    def __init__(self, language: Language, channels: str) -> None:
        CoachError.__init__(
            self, key="settings.errors.channel_not_allowed", language=language, channels=channels
        )


def invoked(data: dict[str, Any]) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """Return the invoked command's path and its (mutable) list of given options."""
    path = [str(data.get("name", ""))]
    options: list[dict[str, Any]] = data.setdefault("options", [])
    while options and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
        path.append(str(options[0].get("name", "")))
        options = options[0].setdefault("options", [])
    return tuple(path), options


def _declares_language(command: Any, path: tuple[str, ...]) -> bool:
    for name in path[1:]:
        subcommands = getattr(command, "subcommands", None) or []
        command = next((c for c in subcommands if c.name == name), None)
        if command is None:
            return False
    return any(o.name == LANGUAGE_OPTION for o in getattr(command, "options", None) or [])


class StartGate:
    """Apply the server's default language and allowed channels to a slash command."""

    def __init__(self, settings: GuildSettingsService) -> None:
        self.settings = settings

    def check(self, ctx: discord.ApplicationContext) -> bool:
        """Fill in the default language; refuse a start outside the allowed channels."""
        interaction = ctx.interaction
        guild_id = interaction.guild_id
        data = interaction.data
        if (
            guild_id is None
            or interaction.type is not discord.InteractionType.application_command
            or not isinstance(data, dict)
            or data.get("type", 1) != 1
        ):
            return True
        path, given = invoked(data)  # type: ignore[arg-type]
        default = self.settings.language(guild_id)
        if (
            default is not None
            and not any(o.get("name") == LANGUAGE_OPTION for o in given)
            and _declares_language(ctx.command, path)
        ):
            # Discord sends only the options a member filled in: the server's default
            # stands in for the one left out, before py-cord reads the options.
            given.append({"name": LANGUAGE_OPTION, "type": STRING, "value": default.value})
        if path in STARTS:
            self._check_channel(ctx, guild_id, default)
        return True

    def _check_channel(
        self, ctx: discord.ApplicationContext, guild_id: int, default: Language | None
    ) -> None:
        member = ctx.author
        if isinstance(member, discord.Member) and self.settings.is_moderator(
            guild_id, bool(member.guild_permissions.manage_guild), {r.id for r in member.roles}
        ):
            return  # moderators may start anywhere
        here = [c for c in (ctx.channel_id, getattr(ctx.channel, "parent_id", None)) if c]
        voice = getattr(getattr(member, "voice", None), "channel", None)
        if voice is not None:
            here.append(voice.id)
        if self.settings.allows(guild_id, here):
            return
        allowed = self.settings.get(guild_id).allowed_channels
        language = default or locale_language(ctx.interaction)
        log.info("Start refused in guild %s channel %s (not allowed)", guild_id, ctx.channel_id)
        raise StartRefused(language, " ".join(f"<#{c}>" for c in allowed))

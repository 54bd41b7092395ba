"""The py-cord Bot: intents, the global error handlers, and running it until stopped."""

from __future__ import annotations

import logging
import math
import sys
import uuid
from collections.abc import Mapping
from typing import Final

import aiohttp
import discord

from bot.catalog import Language
from bot.config import TOKEN_HELP
from bot.copy import text
from bot.errors import CoachError, ConfigError
from bot.health import Heartbeat
from bot.interview.inbox import AnswerFailure
from bot.voice.coach import VoiceCoach
from cogs._buttons import locale_language

log = logging.getLogger(__name__)

# What the bot does in a server, and the permission each thing needs (py-cord's flag names,
# which are Discord's). The invite URL asks for exactly these.
REQUIRED_PERMISSIONS: Final[Mapping[str, str]] = {
    "view_channel": "see the channel /interview start is used in, and the threads it opens",
    "send_messages": "post in the channel itself when a thread cannot be opened (rounds)",
    "send_messages_in_threads": "post questions and feedback in interview threads",
    "create_private_threads": "open the private interview thread",
    "create_public_threads": "open a round's thread, or a public one when private is refused",
    "embed_links": "feedback, summaries and diagnostics are embeds",
    "attach_files": "each question as audio (an ogg file)",
    "read_message_history": "reply to the message an error is about",
    "connect": "join the voice channel for /voice interview and /round start",
    "speak": "ask the questions aloud in the voice channel",
    "manage_events": "create, start, end and cancel the Discord events of scheduled rounds",
}
INVITE_SCOPES: Final = ("bot", "applications.commands")


def intents() -> discord.Intents:
    """Return the gateway intents the bot needs."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.dm_messages = True
    wanted.message_content = True  # privileged: answers are typed messages
    wanted.voice_states = True  # who is in a voice channel, and when they leave
    # Not privileged: RSVPs to scheduled rounds' events (raw user add/remove) and deletions.
    wanted.scheduled_events = True
    return wanted


def required_permissions() -> discord.Permissions:
    """Return the permissions the bot needs in a server."""
    return discord.Permissions(**dict.fromkeys(REQUIRED_PERMISSIONS, True))


def invite_url(application_id: int) -> str:
    """Return the URL that adds the bot to a server with the permissions it needs."""
    return discord.utils.oauth_url(
        application_id, permissions=required_permissions(), scopes=INVITE_SCOPES
    )


def new_bot(guild_ids: list[int] | None = None) -> MockingbirdBot:
    """Return a bot with our intents (commands registered per server when ids are given)."""
    return MockingbirdBot(intents=intents(), debug_guilds=guild_ids or None)


class MockingbirdBot(discord.Bot):
    """The bot with a global error handler for commands."""

    voice_coach: VoiceCoach | None = None

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._announced = False
        self.add_listener(self._announce, "on_ready")

    async def _announce(self) -> None:
        """Log who we are, where, and how to invite us (once; reconnects fire it again)."""
        if self._announced or self.user is None:
            return
        self._announced = True
        log.info(
            "Logged in as %s (id %s), in %d servers",
            self.user,
            self.user.id,
            len(self.guilds),
        )
        url = invite_url(self.application_id or self.user.id)
        if self.guilds:
            log.info("Invite it to another server: %s", url)
        else:
            log.warning("The bot is in no server yet. Invite it: %s", url)

    def connection_status(self) -> tuple[bool, str | None, int, float | None]:
        """Return (connected, user, servers, latency in ms) for the heartbeat."""
        ws = self.ws
        connected = self.is_ready() and not self.is_closed() and ws is not None and ws.open
        latency = self.latency
        return (
            bool(connected),
            str(self.user) if self.user is not None else None,
            len(self.guilds),
            round(latency * 1000, 1) if math.isfinite(latency) else None,
        )

    async def on_application_command_error(
        self, context: discord.ApplicationContext, exception: discord.DiscordException
    ) -> None:
        """Show known errors as they are; log the rest with ids and apologise."""
        error: BaseException = exception
        if isinstance(exception, discord.ApplicationCommandInvokeError):
            error = exception.original
        language = error_language(error, context.interaction)
        if isinstance(error, CoachError):
            await _tell(context.interaction, error.message_in(language))
            return
        ref = uuid.uuid4().hex[:8]
        log.error(
            "Command %s failed (ref %s, user %s, guild %s, channel %s)",
            context.command.qualified_name if context.command else "?",
            ref,
            context.author.id if context.author else None,
            context.guild.id if context.guild else None,
            context.channel_id,
            exc_info=error,
        )
        await _tell(context.interaction, apology(error, language, ref))

    async def on_error(self, event_method: str, *args: object, **kwargs: object) -> None:
        """Answer a failed listener: the safe message of a known error, else an apology."""
        error = sys.exc_info()[1]
        target = next(
            (a for a in args if isinstance(a, discord.Message | discord.Interaction)), None
        )
        language = error_language(
            error, target if isinstance(target, discord.Interaction) else None
        )
        if isinstance(error, CoachError):
            reply = error.message_in(language)
        else:
            ref = uuid.uuid4().hex[:8]
            user = getattr(target, "author", None) or getattr(target, "user", None)
            log.error(
                "Listener %s failed (ref %s, user %s, channel %s)",
                event_method,
                ref,
                getattr(user, "id", None),
                getattr(target, "channel_id", None)
                or getattr(getattr(target, "channel", None), "id", None),
                exc_info=error,
            )
            reply = apology(error, language, ref)
        if isinstance(target, discord.Message):
            try:
                await target.reply(reply, allowed_mentions=discord.AllowedMentions.none())
            except discord.HTTPException:
                log.warning("Could not deliver an error message for %s", event_method)
        elif isinstance(target, discord.Interaction):
            await _tell(target, reply)


def error_language(
    error: BaseException | None, interaction: discord.Interaction | None
) -> Language:
    """Return the language to apologise in: the error's own, else the Discord client's."""
    if isinstance(error, CoachError | AnswerFailure) and error.language is not None:
        return error.language
    return locale_language(interaction)


def apology(error: BaseException | None, language: Language, ref: str) -> str:
    """Return the apology for an unexpected error; only one that knows says "saved"."""
    if isinstance(error, AnswerFailure):
        key = "common.apology_saved" if error.saved else "common.apology_not_saved"
        return text(key, language, ref=ref)
    return text("common.apology", language, ref=ref)


async def _tell(interaction: discord.Interaction, message: str) -> None:
    """Answer an interaction privately, whether or not it was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message, ephemeral=True)
        else:
            await interaction.response.send_message(message, ephemeral=True)
    except discord.HTTPException:
        log.warning(
            "Could not deliver an error message to user %s", getattr(interaction.user, "id", None)
        )


async def run_bot(bot: MockingbirdBot, token: str, heartbeat: Heartbeat | None = None) -> int:
    """Log in and run until interrupted; return the exit code.

    With a ``heartbeat`` the bot keeps its health file fresh while it runs and removes it
    when it stops, so `python -m bot health` reflects this process.
    """
    if heartbeat is not None:
        heartbeat.start()
    try:
        await bot.start(token)
    except discord.LoginFailure as exc:
        raise ConfigError(f"Discord rejected DISCORD_TOKEN. {TOKEN_HELP}") from exc
    except (aiohttp.ClientConnectionError, OSError) as exc:
        log.warning("Could not reach Discord: %s", exc)
        raise CoachError(
            "I couldn't reach Discord (discord.com). Check this machine's internet connection "
            "or proxy, then start again. Your saved interviews are untouched."
        ) from exc
    except discord.PrivilegedIntentsRequired as exc:
        raise ConfigError(
            "Discord refused the Message Content intent. Turn it on under Bot -> Privileged "
            "Gateway Intents at https://discord.com/developers/applications, then restart."
        ) from exc
    finally:
        if heartbeat is not None:
            await heartbeat.stop()
        if bot.voice_coach is not None:
            # Leave every voice channel and post summaries before the connection goes.
            await bot.voice_coach.shutdown()
        if not bot.is_closed():
            await bot.close()
    return 0

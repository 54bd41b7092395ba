"""At start-up the bot says who it is logged in as, where, and how to invite it."""

from __future__ import annotations

import logging

import discord
import pytest
from discord_harness import FakeDiscord, harness

from bot.discord_app import (
    INVITE_SCOPES,
    REQUIRED_PERMISSIONS,
    MockingbirdBot,
    intents,
    invite_url,
    required_permissions,
)


def test_the_invite_asks_for_exactly_the_permissions_the_bot_uses() -> None:
    flags = discord.Permissions.VALID_FLAGS
    assert set(REQUIRED_PERMISSIONS) <= set(flags)
    # Discord's bit values (developer docs, "Permissions"): checked by hand, not by py-cord.
    bits = {
        "view_channel": 10,
        "send_messages": 11,
        "embed_links": 14,
        "attach_files": 15,
        "read_message_history": 16,
        "connect": 20,
        "speak": 21,
        "create_public_threads": 35,
        "create_private_threads": 36,
        "send_messages_in_threads": 38,
        "manage_events": 33,
    }
    assert set(bits) == set(REQUIRED_PERMISSIONS)
    assert required_permissions().value == sum(1 << bit for bit in bits.values())
    assert required_permissions().value == 386550320128
    # Nothing that could moderate, manage or read more than it needs.
    wanted = required_permissions()
    assert not (wanted.administrator or wanted.manage_messages or wanted.manage_threads)
    assert not wanted.send_voice_messages  # questions are ordinary audio attachments


def test_the_invite_url_has_both_scopes_and_the_permission_integer() -> None:
    assert INVITE_SCOPES == ("bot", "applications.commands")
    assert invite_url(1234) == (
        "https://discord.com/oauth2/authorize?client_id=1234"
        "&scope=bot+applications.commands&permissions=386550320128"
    )


async def test_ready_logs_the_user_the_server_count_and_the_invite_once(
    discord_fake: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.discord_app")
    bot = MockingbirdBot(intents=intents())
    async with harness(bot, discord_fake) as h:
        h.bot.dispatch("ready")
        h.bot.dispatch("ready")  # a reconnect fires it again
        await h.settle()
        user = h.bot.user
        assert user is not None
        lines = [r.getMessage() for r in caplog.records if r.name == "bot.discord_app"]
        assert lines == [
            f"Logged in as {user} (id {user.id}), in 1 servers",
            f"Invite it to another server: {invite_url(discord_fake.application_id)}",
        ]
        connected, name, servers, _ = h.bot.connection_status()
        assert (name, servers) == (str(user), 1)
        assert connected is False  # no gateway socket in the harness

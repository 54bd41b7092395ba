"""A server's own key that the bot can no longer read (master key rotated or removed): its
administrators are told once, and `/admin llm-status` says so."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from discord_harness import FakeDiscord, Harness, harness, payloads

from bot.config import LLMSettings
from bot.copy import text
from bot.discord_app import MockingbirdBot, intents
from bot.llm import KeyVault, LLMRouter, RetryPolicy
from bot.llm.guild_routing import OPENAI, GuildRouting, RouteSource, provider_factory
from cogs.admin import AdminCog, UnreadableKeysNotice
from storage.db import Database
from storage.llm_usage import SqliteGuildKeys

log = logging.getLogger(__name__)

BOT_KEY = "sk-bot-global-key-0123456789abcdefgh"
OWN_KEY = "sk-proj-server-own-key-ABCDEFGH12345678wxyz"
ADMINISTRATOR = 0x8
FOLLOWUP = "/webhooks/{application_id}/{interaction_token}"


class Env:
    """The bot with the admin cog on a routing whose master key no longer fits."""

    def __init__(self, h: Harness, routing: GuildRouting, keys: SqliteGuildKeys) -> None:
        self.h = h
        self.routing = routing
        self.keys = keys

    def texts(self, channel_id: int) -> list[str]:
        bot_id = self.h.fake.bot_user["id"]
        return [
            m.get("content") or ""
            for m in self.h.fake.messages_in(channel_id)
            if m["author"]["id"] == bot_id
        ]


async def stored_with_old_master(keys: SqliteGuildKeys, guild_id: int) -> None:
    """Store a server key encrypted with a master key the bot no longer has."""
    old = KeyVault(KeyVault.generate_master_key())
    await keys.store(guild_id, OPENAI, old.encrypt(OWN_KEY))


@pytest.fixture(params=["rotated", "removed"])
async def env(
    request: pytest.FixtureRequest, tmp_path: Path, discord_fake: FakeDiscord
) -> AsyncIterator[Env]:
    db = await Database(tmp_path / "keys.sqlite3").open()
    keys = SqliteGuildKeys(db)
    factory = provider_factory(LLMSettings(_env_file=None))  # type: ignore[call-arg]
    vault = KeyVault(KeyVault.generate_master_key()) if request.param == "rotated" else None
    routing = GuildRouting(
        keys,
        vault,
        factory,
        global_router=LLMRouter([factory(OPENAI, BOT_KEY)], retry=RetryPolicy(max_rounds=1)),
    )
    bot = MockingbirdBot(intents=intents())
    bot.add_cog(AdminCog(bot, routing))
    routing.on_unreadable = UnreadableKeysNotice(bot, routing)
    try:
        async with harness(bot, discord_fake) as h:
            yield Env(h, routing, keys)
    finally:
        await routing.aclose()
        await db.close()


async def with_system_channel(h: Harness) -> int:
    """Give the harness server a system channel the bot may post in; return its id."""
    channel = h.fake.add_text_channel(h.guild_id, "announcements")
    payload = payloads.guild_create(h.fake.guilds[h.guild_id])
    payload["system_channel_id"] = channel["id"]
    await h.dispatch("GUILD_UPDATE", payload)
    return int(channel["id"])


async def test_the_server_is_told_once_in_its_system_channel(env: Env) -> None:
    channel_id = await with_system_channel(env.h)
    await stored_with_old_master(env.keys, env.h.guild_id)
    for _ in range(2):
        async with env.routing.use(env.h.guild_id) as route:
            assert route.source is RouteSource.BOT  # the operator's key, for now
        await env.h.settle()
    notices = env.texts(channel_id)
    assert len(notices) == 1
    assert "can no longer read this server's own OpenAI key" in notices[0]
    assert "the bot's own model key" in notices[0] and "/admin llm-key" in notices[0]
    assert OWN_KEY[-4:] not in notices[0]


async def test_llm_status_says_the_stored_key_cannot_be_read(env: Env) -> None:
    await stored_with_old_master(env.keys, env.h.guild_id)
    role = env.h.fake.add_role(env.h.guild_id, "Admin", permissions=ADMINISTRATOR)
    carol = env.h.fake.add_user("carol")
    env.h.fake.add_member(env.h.guild_id, carol, roles=[int(role["id"])])
    await env.h.slash("admin", "llm-status", user=carol)
    status = env.h.fake.bodies_to("POST", FOLLOWUP)[-1]["content"]
    key = (
        "admin.undecryptable" if env.routing.vault is not None else "admin.undecryptable_no_master"
    )
    assert text(key, "en", label="OpenAI") in status


async def test_without_a_system_channel_the_owner_is_told_by_dm(env: Env) -> None:
    owner = env.h.alice
    guild = env.h.fake.add_guild("Owned by Alice", owner_id=int(owner["id"]))
    env.h.fake.add_member(int(guild["id"]), owner)
    payload: dict[str, Any] = payloads.guild_create(guild)
    await env.h.dispatch("GUILD_CREATE", payload)
    await stored_with_old_master(env.keys, int(guild["id"]))
    async with env.routing.use(int(guild["id"])):
        pass
    await env.h.settle()
    dm = env.h.fake._create_dm_for(int(owner["id"]))
    notices = env.texts(int(dm["id"]))
    assert len(notices) == 1 and "can no longer read" in notices[0]

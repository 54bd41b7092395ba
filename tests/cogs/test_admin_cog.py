"""`/admin` through py-cord against the spec-checked Discord fake and the loopback LLM fake."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from discord_harness import FakeDiscord, Harness, harness

from bot.config import LLMSettings
from bot.discord_app import MockingbirdBot, intents
from bot.llm import KeyVault, LLMRouter, RetryPolicy
from bot.llm.guild_routing import ANTHROPIC, OPENAI, GuildRouting, RouteSource, provider_factory
from cogs.admin import AdminCog
from storage.db import Database
from storage.llm_usage import SqliteBudget, SqliteGuildKeys, SqliteUsageTotals
from tests.fakes.llm_server import Behaviour, FakeLLMServer

log = logging.getLogger(__name__)

BOT_KEY = "sk-bot-global-key-0123456789abcdefgh"
OWN_KEY = "sk-proj-server-own-key-ABCDEFGH12345678wxyz"
OWN_ANTHROPIC = "sk-ant-api03-server-own-anthropic-9876mnop"
ADMINISTRATOR = 0x8
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
FOLLOWUP = "/webhooks/{application_id}/{interaction_token}"


class Env:
    """The bot with the admin cog, its routing, and both fakes."""

    def __init__(
        self, h: Harness, llm: FakeLLMServer, routing: GuildRouting, db: Database, vault: KeyVault
    ) -> None:
        self.h = h
        self.llm = llm
        self.routing = routing
        self.db = db
        self.vault = vault
        admin_role = h.fake.add_role(h.guild_id, "Admin", permissions=ADMINISTRATOR)
        self.carol = h.fake.add_user("carol")
        h.fake.add_member(h.guild_id, self.carol, roles=[int(admin_role["id"])])

    def callbacks(self) -> list[dict[str, Any]]:
        return list(self.h.fake.bodies_to("POST", CALLBACK))

    def replies(self) -> list[str]:
        """Return every text the bot sent in answer to interactions, in order."""
        texts = [((b.get("data") or {}).get("content") or "") for b in self.callbacks()]
        texts += [(b or {}).get("content") or "" for b in self.h.fake.bodies_to("POST", FOLLOWUP)]
        return [t for t in texts if t]

    def last_followup(self) -> str:
        bodies = self.h.fake.bodies_to("POST", FOLLOWUP)
        assert bodies, "no follow-up was sent"
        assert bodies[-1]["flags"] & 64  # ephemeral
        return str(bodies[-1]["content"])

    async def open_key_modal(self, provider: str = OPENAI) -> dict[str, Any]:
        await self.h.slash("admin", "llm-key", options={"provider": provider}, user=self.carol)
        modal = self.callbacks()[-1]
        assert modal["type"] == 9, modal
        return dict(modal["data"])

    async def submit_key(self, key: str, provider: str = OPENAI) -> None:
        data = await self.open_key_modal(provider)
        field = data["components"][0]["components"][0]["custom_id"]
        await self.h.submit_modal(data["custom_id"], {field: key}, user=self.carol)


async def make_env(
    tmp_path: Path, fake: FakeDiscord, *, with_vault: bool = True
) -> AsyncIterator[Env]:
    db = await Database(tmp_path / "admin.sqlite3").open()
    llm = await FakeLLMServer().start()
    settings = LLMSettings(_env_file=None, llm_timeout_seconds=5)  # type: ignore[call-arg]
    factory = provider_factory(
        settings, base_urls={OPENAI: llm.openai_base_url, ANTHROPIC: llm.anthropic_base_url}
    )
    global_router = LLMRouter([factory(OPENAI, BOT_KEY)], retry=RetryPolicy(max_rounds=1))
    vault = KeyVault(KeyVault.generate_master_key())
    routing = GuildRouting(
        SqliteGuildKeys(db),
        vault if with_vault else None,
        factory,
        global_router=global_router,
        budget=SqliteBudget(db, 5000),
        usage=SqliteUsageTotals(db),
        check_timeout_s=5,
    )
    bot = MockingbirdBot(intents=intents())
    bot.add_cog(AdminCog(bot, routing))
    try:
        async with harness(bot, fake) as h:
            yield Env(h, llm, routing, db, vault)
    finally:
        await routing.aclose()
        await llm.stop()
        await db.close()


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, discord_fake):
        yield e


def assert_no_key(text: str, key: str = OWN_KEY) -> None:
    assert key not in text
    assert key[:-4] not in text
    assert key[-8:] not in text


async def test_admin_group_is_registered_for_administrators_only(env: Env) -> None:
    command = env.h.fake.command("admin")
    assert int(command["default_member_permissions"]) == ADMINISTRATOR
    names = {o["name"] for o in command["options"]}
    assert names == {"llm-key", "llm-key-remove", "llm-status"}


async def test_non_admins_are_refused_at_runtime(env: Env) -> None:
    for sub, options in (
        ("llm-key", {"provider": OPENAI}),
        ("llm-key-remove", {"provider": OPENAI}),
        ("llm-status", {}),
    ):
        await env.h.slash("admin", sub, options=options, user=env.h.bob)
        reply = env.callbacks()[-1]
        assert reply["type"] == 4 and reply["data"]["flags"] & 64
        assert "Only server administrators" in reply["data"]["content"]
    assert all(c["type"] != 9 for c in env.callbacks())


async def test_direct_messages_are_refused(env: Env) -> None:
    await env.h.slash("admin", "llm-key", options={"provider": OPENAI}, user=env.carol, dm=True)
    reply = env.callbacks()[-1]
    assert reply["type"] == 4
    assert "only work inside a server" in reply["data"]["content"]


async def test_modal_stores_the_key_encrypted_and_shows_only_the_last_four(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    env.llm.openai.default = Behaviour(text="OK")
    data = await env.open_key_modal()
    assert data["custom_id"] == "mockingbird:admin:llm-key:openai"
    assert "OpenAI" in data["title"]
    await env.submit_key(f" {OWN_KEY} ")
    text = env.last_followup()
    assert "`wxyz`" in text and "test call worked" in text
    for reply in env.replies():
        assert_no_key(reply)
    # The test call used the new key.
    (check,) = env.llm.requests_for("openai")
    assert check.headers["authorization"] == f"Bearer {OWN_KEY}"
    stored = await SqliteGuildKeys(env.db).load(env.h.guild_id, OPENAI)
    assert stored is not None and OWN_KEY not in stored
    assert env.vault.decrypt(stored) == OWN_KEY
    assert (await env.routing.route_for(env.h.guild_id)).source is RouteSource.OWN
    for req in env.h.fake.requests:
        assert_no_key(repr(req.json))
    assert_no_key(caplog.text)


async def test_a_key_the_provider_rejects_is_not_stored(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    env.llm.openai.default = Behaviour(status=401, echo_key=True)
    await env.submit_key(OWN_KEY)
    assert "not** saved" in env.last_followup()
    assert await SqliteGuildKeys(env.db).load_all(env.h.guild_id) == {}
    assert_no_key(caplog.text)


async def test_an_unreachable_provider_still_stores_the_key_untested(env: Env) -> None:
    env.llm.anthropic.default = Behaviour(status=503)
    await env.submit_key(OWN_ANTHROPIC, provider=ANTHROPIC)
    text = env.last_followup()
    assert "could not reach Anthropic" in text and "`mnop`" in text
    assert list(await SqliteGuildKeys(env.db).load_all(env.h.guild_id)) == [ANTHROPIC]


async def test_a_malformed_key_is_explained_and_not_stored(env: Env) -> None:
    await env.submit_key(OWN_ANTHROPIC)  # an Anthropic key in the OpenAI modal
    reply = env.callbacks()[-1]
    assert reply["type"] == 4 and reply["data"]["flags"] & 64
    assert "Anthropic key" in reply["data"]["content"]
    assert_no_key(reply["data"]["content"], OWN_ANTHROPIC)
    assert env.llm.requests == []
    assert await SqliteGuildKeys(env.db).load_all(env.h.guild_id) == {}


async def test_remove_and_status(env: Env) -> None:
    env.llm.openai.default = Behaviour(text="OK")
    await env.h.slash("admin", "llm-status", user=env.carol)
    before = env.last_followup()
    assert "the bot's own model key" in before and "0 of 5,000" in before
    await env.submit_key(OWN_KEY)
    await env.h.slash("admin", "llm-status", user=env.carol)
    status = env.last_followup()
    assert "**OpenAI**: this server's key" in status
    assert "Tokens used today on this server's key: 0." in status
    assert "not limited by the bot's daily budget" in status
    assert_no_key(status)
    await env.h.slash("admin", "llm-key-remove", options={"provider": OPENAI}, user=env.carol)
    assert "Removed this server's OpenAI key" in env.last_followup()
    assert "the bot's own model key" in env.last_followup()
    assert await SqliteGuildKeys(env.db).load_all(env.h.guild_id) == {}
    await env.h.slash("admin", "llm-key-remove", options={"provider": OPENAI}, user=env.carol)
    assert "has no OpenAI key stored" in env.last_followup()


async def test_without_a_master_key_the_operator_is_told_what_to_set(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    async for env in make_env(tmp_path, discord_fake, with_vault=False):
        await env.h.slash("admin", "llm-key", options={"provider": OPENAI}, user=env.carol)
        reply = env.callbacks()[-1]
        assert reply["type"] == 4 and reply["data"]["flags"] & 64
        text = reply["data"]["content"]
        assert "MOCKINGBIRD_MASTER_KEY" in text and "Fernet.generate_key()" in text
        await env.h.slash("admin", "llm-status", user=env.carol)
        assert "Server keys are off" in env.last_followup()


async def test_a_provider_check_that_times_out_stores_the_key_untested(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    env.routing.check_timeout_s = 0.2
    env.llm.openai.default = Behaviour(text="OK", ttft_s=3.0)
    await env.submit_key(OWN_KEY)
    text = env.last_followup()
    assert "could not reach OpenAI" in text and "`wxyz`" in text
    assert list(await SqliteGuildKeys(env.db).load_all(env.h.guild_id)) == [OPENAI]
    assert (await env.routing.route_for(env.h.guild_id)).source is RouteSource.OWN
    assert_no_key(caplog.text)


@pytest.mark.parametrize(
    "pasted",
    [f"\n  {OWN_KEY}\n", f"\t{OWN_KEY} \r\n"],
    ids=["newlines-around", "tabs-and-crlf"],
)
async def test_a_key_pasted_with_whitespace_around_it_is_trimmed(
    env: Env, pasted: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    env.llm.openai.default = Behaviour(text="OK")
    await env.submit_key(pasted)
    assert "test call worked" in env.last_followup()
    (check,) = env.llm.requests_for("openai")
    assert check.headers["authorization"] == f"Bearer {OWN_KEY}"
    stored = await SqliteGuildKeys(env.db).load(env.h.guild_id, OPENAI)
    assert stored is not None and env.vault.decrypt(stored) == OWN_KEY
    assert_no_key(caplog.text)


async def test_a_key_broken_by_a_line_wrap_is_refused_without_echoing_it(
    env: Env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrapped = OWN_KEY[:20] + "\n" + OWN_KEY[20:]
    await env.submit_key(wrapped)
    reply = env.callbacks()[-1]
    assert reply["type"] == 4 and reply["data"]["flags"] & 64
    text = reply["data"]["content"]
    assert "line breaks" in text
    assert OWN_KEY[:20] not in text and OWN_KEY[20:] not in text
    assert env.llm.requests == []
    assert await SqliteGuildKeys(env.db).load_all(env.h.guild_id) == {}
    assert_no_key(caplog.text)
    assert OWN_KEY[20:] not in caplog.text

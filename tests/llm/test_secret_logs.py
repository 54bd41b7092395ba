"""No secret reaches any log at any level: py-cord's gateway log, HTTP libraries, tracebacks.

The /admin llm-key modal is submitted through py-cord's real gateway code
(``DiscordWebSocket.received_message``), which logs every raw event at DEBUG before the
modal's handler, or the key vault, has seen the key.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from discord.gateway import DiscordWebSocket
from discord_harness import FakeDiscord, Harness, harness

from bot.__main__ import main
from bot.config import LLMSettings
from bot.discord_app import MockingbirdBot, intents
from bot.llm import KeyVault
from bot.llm import keys as keys_module
from bot.llm.guild_routing import ANTHROPIC, OPENAI, GuildRouting, provider_factory
from bot.llm.keys import (
    REDACTED,
    SecretRedactor,
    install_log_redaction,
    install_redaction,
    redact_for_log,
)
from cogs.admin import AdminCog
from storage.db import Database
from storage.llm_usage import SqliteBudget, SqliteGuildKeys, SqliteUsageTotals
from tests.fakes.llm_server import Behaviour, FakeLLMServer

log = logging.getLogger(__name__)

# Distinctive values: any fragment of them in a log is a leak.
OWN_OPENAI = "sk-proj-QXZ7leakcheckOPENAI0123456789wxyz"
OWN_ANTHROPIC = "sk-ant-api03-QXZ7leakcheckANTHROPIC98765mnop"
UNSHAPED = "QXZ7-unshaped-typed-secret-5551234"
ADMINISTRATOR = 0x8


def fragments(secret: str) -> list[str]:
    return [secret, secret[-10:], secret[8:20]]


def assert_nowhere(text: str, *secrets: str) -> None:
    for secret in secrets:
        for fragment in fragments(secret):
            assert fragment not in text, f"{fragment!r} leaked into the log"


@pytest.fixture(autouse=True)
def isolated_redaction() -> Iterator[None]:
    """Give each test the process-wide redaction it installs, then restore the old one."""
    factory = logging.getLogRecordFactory()
    known = list(keys_module._LOG_REDACTORS)
    try:
        yield
    finally:
        logging.setLogRecordFactory(factory)
        keys_module._LOG_REDACTORS[:] = known


def through_the_gateway(h: Harness) -> None:
    """Make the harness deliver events as py-cord's websocket does: logged, then parsed."""
    ws = DiscordWebSocket(None, loop=h.bot.loop)  # type: ignore[arg-type]
    ws._discord_parsers = h.state.parsers
    ws._dispatch = h.bot.dispatch
    ws.shard_id = None
    sequence = iter(range(1, 10_000))

    async def dispatch(event: str, data: dict[str, Any]) -> None:
        raw = {"op": 0, "t": event, "s": next(sequence), "d": data}
        await ws.received_message(json.dumps(raw))
        await h.settle()

    h.dispatch = dispatch  # type: ignore[method-assign]


@pytest.fixture
async def admin(
    tmp_path: Path, discord_fake: FakeDiscord
) -> AsyncIterator[tuple[Harness, Any, Database]]:
    db = await Database(tmp_path / "admin.sqlite3").open()
    llm = await FakeLLMServer().start()
    llm.openai.default = Behaviour(text="OK")
    llm.anthropic.default = Behaviour(text="OK")
    settings = LLMSettings(_env_file=None, llm_timeout_seconds=5)  # type: ignore[call-arg]
    factory = provider_factory(
        settings, base_urls={OPENAI: llm.openai_base_url, ANTHROPIC: llm.anthropic_base_url}
    )
    # As bootstrap does: the vault's redactor is the one the logs use.
    redactor = SecretRedactor()
    vault = KeyVault(KeyVault.generate_master_key(), redactor)
    install_redaction(redactor)
    routing = GuildRouting(
        SqliteGuildKeys(db),
        vault,
        factory,
        budget=SqliteBudget(db, 5000),
        usage=SqliteUsageTotals(db),
        check_timeout_s=5,
    )
    bot = MockingbirdBot(intents=intents())
    bot.add_cog(AdminCog(bot, routing))
    try:
        async with harness(bot, discord_fake) as h:
            role = h.fake.add_role(h.guild_id, "Admin", permissions=ADMINISTRATOR)
            carol = h.fake.add_user("carol")
            h.fake.add_member(h.guild_id, carol, roles=[int(role["id"])])
            through_the_gateway(h)
            yield h, carol, db
    finally:
        await routing.aclose()
        await llm.stop()
        await db.close()


async def submit_key(h: Harness, user: Any, provider: str, key: str) -> None:
    await h.slash("admin", "llm-key", options={"provider": provider}, user=user)
    modal = h.fake.bodies_to("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
    data = modal[-1]["data"]
    field = data["components"][0]["components"][0]["custom_id"]
    await h.submit_modal(data["custom_id"], {field: key}, user=user)


async def test_keys_typed_into_the_admin_modal_never_reach_the_log_at_debug(
    admin: tuple[Harness, Any, Database], caplog: pytest.LogCaptureFixture
) -> None:
    install_log_redaction()  # what `python -m bot` does before anything is logged
    caplog.set_level(logging.DEBUG)
    h, carol, db = admin
    await submit_key(h, carol, OPENAI, OWN_OPENAI)
    await submit_key(h, carol, ANTHROPIC, OWN_ANTHROPIC)
    await submit_key(h, carol, OPENAI, UNSHAPED)  # refused as malformed, still logged raw
    # The test saw what it is about: py-cord logged the raw modal submissions.
    gateway = [r for r in caplog.records if r.name == "discord.gateway"]
    assert sum("WebSocket Event" in r.getMessage() for r in gateway) >= 6
    assert REDACTED in caplog.text
    sources = {r.name.split(".")[0] for r in caplog.records}
    assert {"discord", "cogs"} <= sources and any(name.startswith("http") for name in sources)
    assert_nowhere(caplog.text, OWN_OPENAI, OWN_ANTHROPIC, UNSHAPED)
    # ...and the real path ran to the end: both well-formed keys were checked and stored.
    assert sorted(await SqliteGuildKeys(db).load_all(h.guild_id)) == [ANTHROPIC, OPENAI]


def test_a_logger_with_its_own_handler_is_redacted_too() -> None:
    install_log_redaction()
    out = io.StringIO()
    noisy = logging.getLogger("httpx.leak_check")
    handler = logging.StreamHandler(out)
    noisy.addHandler(handler)
    noisy.propagate = False
    noisy.setLevel(logging.DEBUG)
    try:
        noisy.debug("Authorization: Bearer %s", "abc123" + UNSHAPED)
        noisy.debug("x-api-key: %s", OWN_ANTHROPIC)
        noisy.debug("body %r", {"api_key": OWN_OPENAI})
    finally:
        noisy.removeHandler(handler)
    assert_nowhere(out.getvalue(), OWN_OPENAI, OWN_ANTHROPIC, UNSHAPED)
    assert out.getvalue().count(REDACTED) == 3


def test_tracebacks_and_known_values_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    install_log_redaction(SecretRedactor([UNSHAPED]))
    caplog.set_level(logging.DEBUG)
    try:
        raise RuntimeError(f"provider said: bad key {UNSHAPED} / {OWN_OPENAI}")
    except RuntimeError:
        log.exception("call failed with %s", UNSHAPED)
    assert_nowhere(caplog.text, UNSHAPED, OWN_OPENAI)
    assert "RuntimeError: provider said: bad key" in caplog.text


def test_shapes_are_masked_and_ordinary_words_are_not() -> None:
    redactor = SecretRedactor()
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
    text = f"{OWN_OPENAI} {OWN_ANTHROPIC} token {token} task-management-platform sk-short"
    assert redactor.redact(text) == (
        f"{REDACTED} {REDACTED} token {REDACTED} task-management-platform sk-short"
    )
    callback = "POST /interactions/1575536616800256017/aW50ZXJhY3Rpb246OnEoqdCE2q/callback"
    assert (
        redactor.redact(callback) == f"POST /interactions/1575536616800256017/{REDACTED}/callback"
    )
    payload = "{'id': '1', 'token': 'aW50ZXJhY3Rpb246OnEoqdCE2qJ0QfFJVucC'}"
    assert redactor.redact(payload) == f"{{'id': '1', 'token': '{REDACTED}'}}"


def test_a_modal_payload_is_masked_in_the_log_but_untouched_for_py_cord(
    caplog: pytest.LogCaptureFixture,
) -> None:
    install_log_redaction()
    caplog.set_level(logging.DEBUG)
    field = {"type": 4, "custom_id": "api_key", "value": UNSHAPED}
    event = {
        "op": 0,
        "t": "INTERACTION_CREATE",
        "d": {"type": 5, "data": {"components": [{"type": 1, "components": [field]}]}},
    }
    logging.getLogger("discord.gateway").debug("WebSocket Event: %s", event)
    assert_nowhere(caplog.text, UNSHAPED)
    assert field["value"] == UNSHAPED


async def test_the_entry_point_masks_the_configured_secrets_by_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "m.sqlite3"))
    monkeypatch.setenv("MOCKINGBIRD_MASTER_KEY", UNSHAPED)
    caplog.set_level(logging.DEBUG)
    assert await main(["--log-level", "DEBUG", "migrate"]) == 0
    logging.getLogger("aiohttp.client").debug("sending %s", UNSHAPED)
    assert_nowhere(caplog.text, UNSHAPED)


def test_a_known_fragment_inside_a_key_does_not_leave_the_rest_of_it_visible() -> None:
    # Another key sharing a middle part with this one is already known to the redaction.
    install_log_redaction(SecretRedactor(["sk-other-key-QXZ7leakcheckOPENAI01"]))
    assert redact_for_log(f"key {OWN_OPENAI}.") == f"key {REDACTED}."

"""`/help`, the welcome on joining a server, stale buttons and cooldowns, through py-cord."""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from discord_harness import FakeDiscord, Harness, payloads

from bot.bootstrap import build_evaluator, build_services, create_bot
from bot.catalog import Language
from bot.config import Settings
from bot.copy import text
from bot.errors import CoachError
from bot.llm.evaluator import LLMEvaluator
from cogs._cooldown import INTERVIEW, REPORT, VOICE, Cooldowns
from tests.cogs.envs import Env, make_env

log = logging.getLogger(__name__)

CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
SEND_MESSAGES = 0x800


class FakeMonotonic:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
async def env(
    tmp_path: Path, discord_fake: FakeDiscord, clock: FakeMonotonic
) -> AsyncIterator[Env]:
    cooldowns = Cooldowns({INTERVIEW: 20}, clock=clock)
    async for e in make_env(tmp_path, discord_fake, cooldowns=cooldowns, help_cog=True):
        yield e


def callbacks(env: Env) -> list[dict[str, Any]]:
    return list(env.fake.bodies_to("POST", CALLBACK))


async def slash_as(h: Harness, name: str, sub: str | None, locale: str, **options: Any) -> None:
    """Run a slash command from a client in ``locale``."""
    data = payloads.slash_command_data(
        h.command_definition(name),
        subcommand=sub,
        options=options,
        guild_id=h.guild_id,
        members={},
    )
    payload = h._interaction(
        payloads.APPLICATION_COMMAND, data, user=None, channel_id=None, dm=False
    )
    payload["locale"] = locale
    await h.dispatch("INTERACTION_CREATE", payload)


async def click_as(h: Harness, message: dict[str, Any], custom_id: str, locale: str) -> None:
    """Click ``custom_id`` on a message from a client in ``locale``."""
    payload = h._interaction(
        payloads.MESSAGE_COMPONENT,
        payloads.component_data(custom_id),
        user=None,
        channel_id=int(message["channel_id"]),
        dm=False,
        message=message,
    )
    payload["locale"] = locale
    h.fake.link_component_message(payload["token"], int(message["id"]))
    await h.dispatch("INTERACTION_CREATE", payload)


async def start(env: Env, **options: Any) -> None:
    await env.h.slash("interview", "start", options={"kind": "behavioral", "count": 2, **options})


# ---- /help ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "language", "start_command"),
    [("en-US", Language.EN, "/interview start"), ("ko", Language.KO, "/면접 시작")],
)
async def test_help_is_private_and_in_the_clients_language(
    env: Env, locale: str, language: Language, start_command: str
) -> None:
    await slash_as(env.h, "help", None, locale)
    reply = callbacks(env)[-1]
    assert reply["type"] == 4 and reply["data"]["flags"] & 64
    embed = reply["data"]["embeds"][0]
    assert embed["title"] == text("help.title", language)
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert start_command in fields[text("help.start_title", language)]
    assert all(f["value"] for f in embed["fields"])


async def test_help_is_registered_with_a_korean_name(env: Env) -> None:
    command = env.fake.command("help")
    assert command["name_localizations"]["ko"] == "도움말"
    assert command["description_localizations"]["ko"]


# ---- welcome ------------------------------------------------------------------------------


def joined_guild(h: Harness, *, locale: str, may_post: bool) -> tuple[dict[str, Any], int]:
    """Return a GUILD_CREATE for a server the bot just joined, with a system channel."""
    guild = h.fake.add_guild("Study Group", owner_id=int(h.alice["id"]))
    guild_id = int(guild["id"])
    channel = h.fake.add_text_channel(guild_id, "general")
    payload = payloads.guild_create(guild)
    payload.pop("unavailable")  # a join, not a server coming back online
    payload["system_channel_id"] = channel["id"]
    payload["preferred_locale"] = locale
    if not may_post:
        for role in payload["roles"]:
            if role["name"] == "Mockingbird":
                role["permissions"] = "0"  # not an administrator: overwrites apply
        for raw in payload["channels"]:
            raw["permission_overwrites"] = [
                {"id": str(guild_id), "type": 0, "allow": "0", "deny": str(SEND_MESSAGES)},
                {
                    "id": next(r["id"] for r in guild["roles"] if r["name"] == "Mockingbird"),
                    "type": 0,
                    "allow": "0",
                    "deny": str(SEND_MESSAGES),
                },
            ]
    return copy.deepcopy(payload), int(channel["id"])


@pytest.mark.parametrize(("locale", "language"), [("en-US", Language.EN), ("ko", Language.KO)])
async def test_joining_a_server_says_hello_in_its_system_channel(
    env: Env, locale: str, language: Language
) -> None:
    payload, channel_id = joined_guild(env.h, locale=locale, may_post=True)
    await env.h.dispatch("GUILD_CREATE", payload)
    welcome = env.bot_messages(channel_id)
    assert [m["content"] for m in welcome] == [text("help.welcome", language)]


async def test_no_welcome_where_the_bot_may_not_post(env: Env) -> None:
    payload, channel_id = joined_guild(env.h, locale="en-US", may_post=False)
    await env.h.dispatch("GUILD_CREATE", payload)
    assert env.bot_messages(channel_id) == []
    assert env.fake.requests_to("POST", f"/channels/{channel_id}/messages") == []


# ---- stale buttons ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "custom_id",
    [
        "mb:skip:99999999999999999999999",
        "mb:skip:abc",
        "mb:skip:-3",
        "mb:gone:12",
        "mb:rewrites:1:x",
    ],
    ids=["huge", "not-a-number", "negative", "unknown-action", "bad-attempt"],
)
async def test_a_button_id_no_handler_accepts_no_longer_works(env: Env, custom_id: str) -> None:
    await start(env)
    question = env.bot_messages(env.thread_id())[-1]
    await click_as(env.h, question, custom_id, "en-US")
    reply = callbacks(env)[-1]
    assert reply["type"] == 4 and reply["data"]["flags"] & 64
    assert reply["data"]["content"] == text("common.stale_button", Language.EN)
    assert env.h.errors == []


async def test_the_stale_button_answer_is_korean_for_a_korean_client(env: Env) -> None:
    await start(env)
    question = env.bot_messages(env.thread_id())[-1]
    await click_as(env.h, question, "mb:hint:1e40", "ko")
    assert callbacks(env)[-1]["data"]["content"] == text("common.stale_button", Language.KO)


async def test_a_working_button_gets_exactly_one_answer(env: Env) -> None:
    await start(env)
    question = env.bot_messages(env.thread_id())[-1]
    before = len(callbacks(env))
    await env.h.click(question, label="Hint")
    answers = callbacks(env)[before:]
    assert len(answers) == 1 and answers[0]["data"]["content"].startswith("Hint:")


# ---- cooldowns -------------------------------------------------------------------------


async def test_a_second_start_within_the_cooldown_says_when_to_try_again(
    env: Env, clock: FakeMonotonic
) -> None:
    await start(env)
    await env.h.slash("interview", "stop")
    clock.now += 15
    await start(env)
    refusal = callbacks(env)[-1]
    assert refusal["type"] == 4 and refusal["data"]["flags"] & 64
    assert refusal["data"]["content"] == text("common.cooldown", Language.EN, seconds=5)
    assert len(env.fake.threads_of(env.h.channel_id)) == 1
    clock.now += 5
    await start(env)
    assert len(env.fake.threads_of(env.h.channel_id)) == 2


async def test_the_cooldown_speaks_the_interviews_language(env: Env, clock: FakeMonotonic) -> None:
    await start(env)
    await env.h.slash("interview", "stop")
    clock.now += 1
    await start(env, language="ko")
    assert callbacks(env)[-1]["data"]["content"] == text("common.cooldown", Language.KO, seconds=19)


async def test_a_start_that_did_nothing_costly_is_not_charged(
    env: Env, clock: FakeMonotonic
) -> None:
    await start(env)  # charged at t
    clock.now += 25
    await start(env)  # already running: the resume/stop offer, refunded
    assert "already have an interview running" in env.ephemeral_texts()[-1]
    clock.now += 1
    await env.h.slash("interview", "stop")
    await start(env)  # 26 s after the only real start: allowed
    assert len(env.fake.threads_of(env.h.channel_id)) == 2


def test_cooldowns_are_per_user_and_per_bucket_and_zero_turns_them_off() -> None:
    clock = FakeMonotonic()
    cooldowns = Cooldowns({INTERVIEW: 20, VOICE: 30, REPORT: 0}, clock=clock)
    with cooldowns.charged(1, INTERVIEW, Language.EN):
        pass
    assert cooldowns.remaining(1, INTERVIEW) == 20
    assert cooldowns.remaining(2, INTERVIEW) == 0  # another user
    with cooldowns.charged(1, VOICE, Language.EN):  # another bucket
        pass
    for _ in range(3):  # a bucket with 0 s never refuses
        with cooldowns.charged(1, REPORT, Language.EN):
            pass
    clock.now += 19.2
    with pytest.raises(CoachError) as caught, cooldowns.charged(1, INTERVIEW, Language.KO):
        pass
    assert caught.value.message_in(Language.KO) == text("common.cooldown", Language.KO, seconds=1)
    clock.now += 1
    with cooldowns.charged(1, INTERVIEW, Language.EN):
        pass


def test_a_failed_command_is_refunded() -> None:
    clock = FakeMonotonic()
    cooldowns = Cooldowns({VOICE: 30}, clock=clock)
    with pytest.raises(CoachError), cooldowns.charged(1, VOICE, Language.EN):
        raise CoachError(key="voice.errors.not_in_voice")  # e.g. not in a voice channel
    assert cooldowns.remaining(1, VOICE) == 0
    with cooldowns.charged(1, VOICE, Language.EN):
        pass
    clock.now += 40
    with cooldowns.charged(1, VOICE, Language.EN) as charge:
        charge.refund()
    assert cooldowns.remaining(1, VOICE) == 0  # back to the state before: expired


# ---- wiring ----------------------------------------------------------------------------


async def test_the_bot_is_wired_with_help_cooldowns_and_the_grading_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTERVIEW_START_COOLDOWN_SECONDS", "7")
    monkeypatch.setenv("VOICE_START_COOLDOWN_SECONDS", "9")
    monkeypatch.setenv("LLM_GRADING_DEADLINE_SECONDS", "12")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-wiring-0123456789abcdefghij")
    settings = Settings(env_file=None)
    services = await build_services(settings, tmp_path / "bot.sqlite3")
    try:
        bot = create_bot(services)
        assert bot.get_cog("HelpCog") is not None
        for name in ("InterviewCog", "VoiceCog"):
            cog = bot.get_cog(name)
            assert cog is not None and cog.cooldowns is services.cooldowns
        with services.cooldowns.charged(1, INTERVIEW, Language.EN):
            pass
        with services.cooldowns.charged(1, VOICE, Language.EN):
            pass
        assert 6 < services.cooldowns.remaining(1, INTERVIEW) <= 7
        assert 8 < services.cooldowns.remaining(1, VOICE) <= 9
        assert services.routing.on_unreadable is not None
        evaluator = build_evaluator(settings, services.db, services.rubric)
        assert isinstance(evaluator, LLMEvaluator) and evaluator.deadline_s == 12
    finally:
        await services.close()

"""`/voice interview` and `/round start` share one per-user cooldown (a fake clock drives it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord_harness import FakeDiscord, Harness, harness

from bot.catalog import Language
from bot.copy import text
from bot.discord_app import MockingbirdBot, intents
from bot.interview.engine import InterviewEngine
from bot.voice.coach import VoiceCoach
from cogs._cooldown import VOICE, Cooldowns
from cogs.voice import VoiceCog
from storage.db import Database
from storage.rounds import SqliteRoundStore
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.voice_link import ScriptedConnector

FOLLOWUP = "/webhooks/{application_id}/{interaction_token}"
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"


class Clock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


class Env:
    def __init__(self, h: Harness, clock: Clock, voice_id: int, coach: VoiceCoach) -> None:
        self.h = h
        self.clock = clock
        self.voice_id = voice_id
        self.coach = coach

    def replies(self) -> list[str]:
        texts = [
            ((b.get("data") or {}).get("content") or "")
            for b in self.h.fake.bodies_to("POST", CALLBACK)
        ]
        texts += [(b or {}).get("content") or "" for b in self.h.fake.bodies_to("POST", FOLLOWUP)]
        return [t for t in texts if t]


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    db = await Database(tmp_path / "voice.sqlite3").open()
    engine = InterviewEngine(SqliteSessionStore(db), make_bank(), ScriptedEvaluator())
    wanted = intents()
    wanted.voice_states = True
    bot = MockingbirdBot(intents=wanted)

    def members_of(channel_id: int) -> set[int]:
        bot_id = int(discord_fake.bot_user["id"])
        return {
            int(v["user_id"])
            for g in discord_fake.guilds.values()
            for v in g.get("voice_states", [])
            if v["channel_id"] == str(channel_id) and int(v["user_id"]) != bot_id
        }

    coach = VoiceCoach(
        engine,
        ScriptedConnector(members_of),
        SqliteRoundStore(db),
        turn_timeout_s=30.0,
        idle_timeout_s=600.0,
        reconnect_grace_s=0.2,
    )
    clock = Clock()
    bot.add_cog(VoiceCog(bot, coach, cooldowns=Cooldowns({VOICE: 30}, clock=clock)))
    try:
        async with harness(bot, discord_fake) as h:
            h.ignore_tasks.append(lambda t: t.get_name().startswith(("mb-voice", "mb-round")))
            voice_id = await h.add_voice_channel("Practice room")
            yield Env(h, clock, voice_id, coach)
            await coach.shutdown()
    finally:
        await db.close()


async def test_voice_starts_share_a_cooldown_and_failures_are_not_charged(env: Env) -> None:
    await env.h.slash("voice", "interview")  # not in a voice channel: refused, not charged
    await env.h.slash("voice", "interview")
    assert sum("Join a voice channel first" in r for r in env.replies()) == 2

    await env.h.join_voice(env.h.alice, env.voice_id)
    await env.h.slash("voice", "interview")
    assert env.h.fake.threads_of(env.h.channel_id)  # it started
    await env.h.slash("voice", "stop")
    env.clock.now += 10
    await env.h.slash("round", "start")
    cooling = text("common.cooldown", Language.EN, seconds=20)
    assert env.replies().count(cooling) == 1
    assert len(env.h.fake.threads_of(env.h.channel_id)) == 1
    env.clock.now += 20
    await env.h.slash("round", "start")
    assert env.replies().count(cooling) == 1
    assert len(env.h.fake.threads_of(env.h.channel_id)) == 2

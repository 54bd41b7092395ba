"""`/voice` and `/round` end to end: py-cord, the spec-checked Discord fake, a scripted link."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest
from discord_harness import FakeDiscord, Harness, find_custom_id, harness, payloads

from bot.catalog import Language
from bot.copy import text
from bot.discord_app import MockingbirdBot, intents
from bot.interview.engine import InterviewEngine
from bot.interview.models import SessionStatus
from bot.voice.coach import VoiceCoach
from bot.voice.round_channel import VoiceRoundChannel
from cogs.interview import InterviewCog
from cogs.voice import VoiceCog
from storage.db import Database
from storage.rounds import SqliteRoundStore
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.voice_link import ScriptedConnector, ScriptedVoiceLink

Json = dict[str, Any]
CONSENT_NOTICE = text("voice.spoken.consent")
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12


class Env:
    """The bot with both cogs, the engine, the voice coach, the connector and the harness."""

    def __init__(
        self,
        h: Harness,
        engine: InterviewEngine,
        evaluator: ScriptedEvaluator,
        coach: VoiceCoach,
        connector: ScriptedConnector,
        store: SqliteRoundStore,
        voice_id: int,
        carol: Json,
    ) -> None:
        self.h = h
        self.engine = engine
        self.evaluator = evaluator
        self.coach = coach
        self.connector = connector
        self.store = store
        self.voice_id = voice_id
        self.carol = carol

    @property
    def fake(self) -> FakeDiscord:
        return self.h.fake

    @property
    def link(self) -> ScriptedVoiceLink:
        return self.connector.link

    def uid(self, user: Json) -> int:
        return int(user["id"])

    def thread_id(self) -> int:
        """Return the newest thread (the voice session's; a text interview may be older)."""
        threads = self.fake.threads_of(self.h.channel_id)
        assert threads
        return int(threads[-1]["id"])

    def bot_messages(self, channel_id: int | None = None) -> list[Json]:
        return [
            m
            for m in self.fake.messages_in(channel_id or self.thread_id())
            if int(m["author"]["id"]) == int(self.fake.bot_user["id"])
        ]

    def texts(self) -> list[str]:
        return [m.get("content") or "" for m in self.bot_messages()]

    def embeds(self) -> list[Json]:
        return [e for m in self.bot_messages() for e in m.get("embeds") or []]

    def ephemeral_texts(self) -> list[str]:
        return [
            (b or {}).get("content") or ""
            for b in self.fake.bodies_to("POST", "/webhooks/{application_id}/{interaction_token}")
        ]

    def last_ephemeral(self) -> str:
        return self.ephemeral_texts()[-1]

    def notice(self) -> Json:
        return next(m for m in self.bot_messages() if _labels(m) == ["Consent"])

    async def quiesce(self) -> None:
        """Wait until the voice run waits for a person, or has ended."""
        for _ in range(2000):
            await self.h.settle()
            run = self.coach.active(self.h.guild_id)
            if run is None:
                return
            assert isinstance(run.channel, VoiceRoundChannel)
            link = run.channel.link
            assert isinstance(link, ScriptedVoiceLink)
            if not run.wake.is_set() and (run.awaiting_consent or link.waiting_for is not None):
                await self.h.settle()
                return
            await asyncio.sleep(0.002)
        raise AssertionError("the voice run never went quiet")

    async def consent(self, user: Json) -> None:
        await self.h.click(self.notice(), label="Consent", user=user)
        await self.quiesce()

    async def start_solo(self, user: Json | None = None, **options: Any) -> None:
        await self.h.join_voice(user or self.h.alice, self.voice_id)
        await self.h.slash("voice", "interview", user=user, options={"questions": 2, **options})
        await self.quiesce()

    async def start_round(self, *users: Json, rounds: int = 1) -> None:
        for user in users:
            await self.h.join_voice(user, self.voice_id)
        await self.h.slash("round", "start", user=users[0], options={"rounds": rounds})
        await self.quiesce()


def _labels(message: Json) -> list[str]:
    return [c.get("label") for row in message.get("components") or [] for c in row["components"]]


async def make_env(
    tmp_path: Path, fake: FakeDiscord, *, idle_timeout_s: float = 600.0
) -> AsyncIterator[Env]:
    db = await Database(tmp_path / "voice.sqlite3").open()
    evaluator = ScriptedEvaluator()
    engine = InterviewEngine(SqliteSessionStore(db), make_bank(), evaluator)
    store = SqliteRoundStore(db)
    wanted = intents()
    wanted.voice_states = True
    bot = MockingbirdBot(intents=wanted)

    def members_of(channel_id: int) -> set[int]:
        bot_id = int(fake.bot_user["id"])
        return {
            int(v["user_id"])
            for g in fake.guilds.values()
            for v in g.get("voice_states", [])
            if v["channel_id"] == str(channel_id) and int(v["user_id"]) != bot_id
        }

    connector = ScriptedConnector(members_of)
    coach = VoiceCoach(
        engine,
        connector,
        store,
        turn_timeout_s=30.0,
        idle_timeout_s=idle_timeout_s,
        reconnect_grace_s=0.2,
    )
    bot.add_cog(InterviewCog(bot, engine))
    bot.add_cog(VoiceCog(bot, coach))
    try:
        async with harness(bot, fake) as h:
            h.ignore_tasks.append(lambda t: t.get_name().startswith(("mb-voice", "mb-round")))
            voice_id = await h.add_voice_channel("Practice room")
            carol = fake.add_user("carol")
            fake.add_member(h.guild_id, carol)
            env = Env(h, engine, evaluator, coach, connector, store, voice_id, carol)
            yield env
            await coach.shutdown()
    finally:
        await db.close()


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, discord_fake):
        yield e


# ---- /voice interview ------------------------------------------------------------------


async def test_caller_not_in_voice_gets_a_friendly_message(env: Env) -> None:
    await env.h.slash("voice", "interview")
    assert "Join a voice channel first" in env.last_ephemeral()
    assert env.connector.connects == []
    assert env.fake.threads_of(env.h.channel_id) == []


async def test_nothing_is_decoded_before_consent(env: Env) -> None:
    await env.start_solo()
    thread = env.fake.threads_of(env.h.channel_id)[0]
    assert thread["type"] == PRIVATE_THREAD
    notice = env.notice()
    assert find_custom_id(notice, label="Consent").startswith("mb:vconsent:")
    assert "never stored" in notice["embeds"][0]["description"]
    assert "never stored" in env.link.spoken[0] and "/voice stop" in env.link.spoken[0]
    assert env.link.listen_calls and all(not c for c in env.link.listen_calls)
    assert env.link.turn_requests == []
    assert "I joined <#" in env.last_ephemeral()
    # Someone else cannot consent for the candidate.
    await env.h.click(notice, label="Consent", user=env.h.bob)
    await env.quiesce()
    assert "someone else's" in env.last_ephemeral()
    assert env.link.listening == frozenset() and env.link.turn_requests == []
    await env.consent(env.h.alice)
    assert env.link.listening == {env.uid(env.h.alice)}
    assert env.link.unconsented_requests == []
    consents = (await env.store.get_round(env.coach.active(env.h.guild_id).id)).participants  # type: ignore[union-attr]
    assert [p.user_id for p in consents] == [env.uid(env.h.alice)]


async def test_question_is_spoken_and_posted_and_a_spoken_answer_gets_feedback(env: Env) -> None:
    await env.start_solo()
    await env.consent(env.h.alice)
    first = next(e for e in env.embeds() if e.get("title") == "Question 1 of 2")
    assert first["description"] in env.link.spoken
    assert any("Listening to: **Alice**" in t for t in env.texts())
    env.link.say(env.uid(env.h.alice), "great answer where I shipped the migration")
    await env.quiesce()
    assert env.evaluator.calls == ["great answer where I shipped the migration"]
    assert any(t.startswith("**Score 92/100**") for t in env.texts())
    second = next(e for e in env.embeds() if e.get("title") == "Question 2 of 2")
    assert env.link.spoken[-1] == second["description"]
    session = await env.engine.active_session(env.uid(env.h.alice), env.h.guild_id)
    assert session is not None and session.turns[0].answer.startswith("great answer")  # type: ignore[union-attr]
    # The voice session is not bound to the thread, so typed text there is not graded.
    assert session.channel_id is None


async def test_empty_transcript_keeps_the_question_open_and_silence_ends_with_summary(
    env: Env,
) -> None:
    await env.start_solo()
    await env.consent(env.h.alice)
    alice = env.uid(env.h.alice)
    env.link.say(alice, "")
    await env.quiesce()
    assert any("didn't catch that" in t for t in env.texts())
    assert env.evaluator.calls == []
    env.link.silence(alice, 2)
    await env.quiesce()
    gentle = [t for t in env.texts() if "take your time" in t]
    assert len(gentle) == 1 and any("take your time" in s for s in env.link.spoken)
    assert env.embeds()[-1]["title"] == "Interview stopped"
    assert any("didn't hear an answer" in t for t in env.texts())
    assert env.link.closed and env.coach.active(env.h.guild_id) is None
    assert env.link.listening == frozenset()


async def test_voice_stop_closes_the_link_and_posts_the_summary(env: Env) -> None:
    await env.start_solo()
    await env.consent(env.h.alice)
    env.link.say(env.uid(env.h.alice), "great answer one")
    await env.quiesce()
    await env.h.slash("voice", "stop")
    assert "Stopped" in env.last_ephemeral()
    assert env.link.closed and env.link.stop_speaking_calls >= 1
    summary = env.embeds()[-1]
    assert summary["title"] == "Interview stopped" and "92" in summary["description"]
    assert any(t == "Stopped by Alice." for t in env.texts())
    assert any("Not listening" in t for t in env.texts())
    history = await env.engine.history(env.uid(env.h.alice), env.h.guild_id)
    assert history[0].status is SessionStatus.STOPPED
    await env.h.slash("voice", "stop")
    assert "Nothing is running in voice" in env.last_ephemeral()


async def test_idle_timeout_without_consent_ends_and_leaves(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    async for env in make_env(tmp_path, discord_fake, idle_timeout_s=0.05):
        await env.start_solo()
        for _ in range(200):
            if env.coach.active(env.h.guild_id) is None:
                break
            await asyncio.sleep(0.01)
        await env.h.settle()
        assert env.link.closed
        assert any("Nothing happened for a while" in t for t in env.texts())
        assert env.link.turn_requests == []


async def test_busy_in_another_channel_and_text_session_conflicts_are_explained(env: Env) -> None:
    await env.start_solo()
    other = await env.h.add_voice_channel("Other room")
    await env.h.join_voice(env.h.bob, other)
    await env.h.slash("voice", "interview", user=env.h.bob)
    assert "already busy in <#" in env.last_ephemeral()
    assert len(env.connector.connects) == 1
    await env.h.slash("voice", "stop")
    # A user with a text interview running is told how to free themselves first.
    await env.h.slash("interview", "start", user=env.h.bob, options={"count": 2})
    await env.h.join_voice(env.h.bob, env.voice_id)
    await env.h.slash("voice", "interview", user=env.h.bob)
    assert "text interview running" in env.last_ephemeral()
    assert len(env.connector.connects) == 1


async def test_connector_refusal_is_shown_and_no_thread_is_opened(env: Env) -> None:
    env.connector.refuse_with = "I couldn't join that channel: it is full."
    await env.h.join_voice(env.h.alice, env.voice_id)
    await env.h.slash("voice", "interview")
    assert "it is full" in env.last_ephemeral()
    assert env.fake.threads_of(env.h.channel_id) == []


# ---- /voice diagnose -------------------------------------------------------------------


async def test_diagnose_without_connection_says_so(env: Env) -> None:
    await env.h.slash("voice", "diagnose")
    assert "not connected" in env.last_ephemeral()


async def test_diagnose_shows_transport_dave_listening_and_counters(env: Env) -> None:
    await env.start_solo()
    await env.consent(env.h.alice)
    counters = env.link.stats.for_user(env.uid(env.h.alice))
    counters.packets, counters.decoded_frames, counters.dave_failures = 42, 40, 2
    counters.silence_frames, counters.early_replayed = 3, 4
    env.link.stats.packets = 45
    env.link.stats.keepalives_sent, env.link.stats.keepalive_echoes = 12, 11
    env.link.stats.dave_recoveries, env.link.stats.early_buffered = 1, 4
    await env.h.slash("voice", "diagnose")
    body = env.fake.bodies_to("POST", "/webhooks/{application_id}/{interaction_token}")[-1]
    assert body["flags"] == 64
    fields = {f["name"]: f["value"] for f in body["embeds"][0]["fields"]}
    assert fields["Encryption"] == "aead_xchacha20_poly1305_rtpsize"
    assert fields["DAVE"] == "active (protocol 1)"
    assert fields["Listening to"] == "Alice"
    assert "Alice" in fields["Consented"]
    assert "**Alice**: packets 42 · decoded 40 · DAVE failures 2" in fields["Receive counters"]
    assert "all: packets 45" in fields["Receive counters"]
    assert fields["Live link"] == (
        "keepalives sent 12 · echoes 11 · DAVE recoveries 1 · silence frames 3 · early-buffered 4"
    )
    assert "silence frames 3 · kept from before op 5 4" in fields["Receive counters"]


# ---- /round ----------------------------------------------------------------------------


async def test_round_robin_by_name_listening_narrowed_and_peer_ratings(env: Env) -> None:
    alice, bob, carol = env.uid(env.h.alice), env.uid(env.h.bob), env.uid(env.carol)
    await env.start_round(env.h.alice, env.h.bob, env.carol, rounds=1)
    assert env.fake.threads_of(env.h.channel_id)[0]["type"] == PUBLIC_THREAD
    assert all(not c for c in env.link.listen_calls)
    await env.consent(env.h.alice)
    await env.consent(env.h.bob)
    assert env.link.listening == {alice}
    assert f"<@{alice}>, your turn." in env.texts()
    assert env.link.spoken[-1].startswith("Alice, Question")
    env.link.say(alice, "great answer from alice")
    await env.quiesce()
    assert any(t.startswith("Feedback for **Alice**\n**Score 92/100**") for t in env.texts())
    assert env.link.listening == {bob}
    assert f"<@{bob}>, your turn." in env.texts()
    assert env.link.spoken[-1].startswith("Bob, Question")
    assert {alice} in env.link.listen_calls and set() in env.link.listen_calls
    assert all(len(c) <= 1 for c in env.link.listen_calls)
    # Peer ratings on Alice's answer: not by Alice, not by Carol (no consent), Bob may change.
    rating = next(m for m in env.bot_messages() if _labels(m) == ["Useful", "Unclear", "Strong"])
    assert find_custom_id(rating, label="Strong").startswith("mb:vrate:")
    await env.h.click(rating, label="Strong", user=env.h.alice)
    assert "can't rate your own answer" in env.last_ephemeral()
    await env.h.click(rating, label="Useful", user=env.carol)
    assert "Only people who consented" in env.last_ephemeral()
    await env.h.click(rating, label="Unclear", user=env.h.bob)
    await env.h.click(rating, label="Strong", user=env.h.bob)
    assert "Changed your rating to **strong**" in env.last_ephemeral()
    round_id = env.coach.active(env.h.guild_id).id  # type: ignore[union-attr]
    ratings = await env.store.ratings(round_id)
    assert [(r.rater_id, r.rating.value) for r in ratings] == [(bob, "strong")]
    # Carol consents late and joins the queue after Bob.
    await env.consent(env.carol)
    env.link.say(bob, "great answer from bob")
    await env.quiesce()
    assert env.link.listening == {carol}
    env.link.say(carol, "weak answer from carol")
    await env.quiesce()
    summary = env.embeds()[-1]
    assert summary["title"] == "Round complete"
    lines = summary["description"].splitlines()
    alice_line = next(line for line in lines if line.startswith("**Alice**"))
    assert "1 answered" in alice_line and "average 92/100" in alice_line
    assert "0 useful · 0 unclear · 1 strong" in alice_line
    assert "average 30/100" in next(line for line in lines if line.startswith("**Carol**"))
    assert env.link.closed and env.coach.active(env.h.guild_id) is None
    for user in (alice, bob, carol):
        assert await env.engine.active_session(user, env.h.guild_id) is None


async def test_host_only_commands_refuse_others_and_managers_may_steer(env: Env) -> None:
    alice, bob = env.uid(env.h.alice), env.uid(env.h.bob)
    await env.start_round(env.h.alice, env.h.bob, env.carol, rounds=2)
    await env.consent(env.h.alice)
    await env.consent(env.h.bob)
    await env.consent(env.carol)
    assert env.link.listening == {alice}
    await env.h.slash("round", "next", user=env.carol)
    assert "Only the host" in env.last_ephemeral()
    await env.h.slash("round", "skip", user=env.carol, options={"user": bob})
    assert "Only the host" in env.last_ephemeral()
    await env.h.slash("voice", "stop", user=env.carol)
    assert "Only the host" in env.last_ephemeral()
    assert env.link.listening == {alice} and not env.link.closed
    # The host skips Bob's coming turn; Bob (Manage Server) moves on from Alice.
    await env.h.slash("round", "skip", options={"user": bob})
    assert "Bob's next turn will be skipped" in env.last_ephemeral()
    await env.h.slash("round", "next", user=env.h.bob)
    await env.quiesce()
    assert "Moving on from Alice." in env.texts()
    assert env.link.listening == {env.uid(env.carol)}
    await env.h.slash("voice", "stop")
    summary = env.embeds()[-1]
    assert summary["title"] == "Round stopped"
    bob_line = next(x for x in summary["description"].splitlines() if x.startswith("**Bob**"))
    assert "0 answered, 1 passed" in bob_line
    assert env.link.closed


async def test_participant_with_a_text_session_is_told_clearly(env: Env) -> None:
    await env.h.slash("interview", "start", user=env.h.bob, options={"count": 2})
    await env.start_round(env.h.alice, env.h.bob)
    await env.h.click(env.notice(), label="Consent", user=env.h.bob)
    await env.quiesce()
    assert "text interview running" in env.last_ephemeral()
    assert "/interview stop" in env.last_ephemeral()
    assert env.link.listening == frozenset()


async def test_consent_needs_presence_in_the_voice_channel(env: Env) -> None:
    await env.start_round(env.h.alice)
    await env.h.click(env.notice(), label="Consent", user=env.h.bob)
    await env.quiesce()
    assert "Join <#" in env.last_ephemeral()
    assert env.link.listening == frozenset()


async def test_empty_channel_ends_the_round(env: Env) -> None:
    await env.start_round(env.h.alice, env.h.bob)
    await env.consent(env.h.alice)
    await env.h.leave_voice(env.h.bob)
    assert not env.link.closed
    await env.h.leave_voice(env.h.alice)
    await env.quiesce()
    assert env.link.closed and env.coach.active(env.h.guild_id) is None
    summary = env.embeds()[-1]
    assert summary["title"] == "Round stopped"
    assert "Everyone left the voice channel" in summary["description"]


async def test_the_bot_rejoining_within_the_grace_keeps_the_session(env: Env) -> None:
    await env.start_solo()
    await env.consent(env.h.alice)
    await env.h.join_voice(env.fake.bot_user, env.voice_id)
    # py-cord recovers a dropped voice websocket by leaving and joining again.
    env.h.feed(
        "VOICE_STATE_UPDATE", env.fake.set_voice_state(env.h.guild_id, env.fake.bot_user, None)
    )
    await env.h.join_voice(env.fake.bot_user, env.voice_id)
    await asyncio.sleep(0.3)
    await env.quiesce()
    assert not env.link.closed and env.coach.active(env.h.guild_id) is not None
    assert not any("disconnected from the voice channel" in t for t in env.texts())


async def test_bot_disconnected_ends_the_session(env: Env) -> None:
    await env.start_solo()
    await env.consent(env.h.alice)
    await env.h.join_voice(env.fake.bot_user, env.voice_id)
    assert not env.link.closed
    await env.h.leave_voice(env.fake.bot_user)
    await env.quiesce()
    assert env.link.closed
    assert any("disconnected from the voice channel" in t for t in env.texts())
    assert env.embeds()[-1]["title"] == "Interview stopped"


async def test_voice_commands_are_refused_in_dms(env: Env) -> None:
    await env.h.slash("voice", "diagnose", dm=True)
    assert "not in direct messages" in env.last_ephemeral()
    assert discord  # py-cord parsed every payload above


async def test_missing_connect_permission_is_explained_before_joining(env: Env) -> None:
    guild = env.fake.guilds[env.h.guild_id]
    bot_role = next(r for r in guild["roles"] if r["name"] == "Mockingbird")
    # Neither owner nor Administrator: the channel's overwrite denying Connect applies.
    bot_role["permissions"] = str(((1 << 51) - 1) & ~0x8)
    guild["owner_id"] = env.h.alice["id"]
    await env.h.dispatch("GUILD_UPDATE", payloads.guild_create(guild))
    connect = 1 << 20
    locked = await env.h.add_voice_channel(
        "Locked room",
        permission_overwrites=[
            {"id": bot_role["id"], "type": 0, "allow": "0", "deny": str(connect)}
        ],
    )
    await env.h.join_voice(env.h.alice, locked)
    await env.h.slash("voice", "interview")
    assert "**Connect** and **Speak**" in env.last_ephemeral()
    assert env.connector.connects == []
    # The unlocked channel still works for the same bot.
    await env.h.join_voice(env.h.alice, env.voice_id)
    await env.h.slash("voice", "interview")
    assert env.connector.connects == [(env.h.guild_id, env.voice_id)]


async def test_candidate_leaving_ends_a_solo_interview(env: Env) -> None:
    await env.start_solo()
    await env.h.join_voice(env.h.bob, env.voice_id)
    await env.consent(env.h.alice)
    await env.h.leave_voice(env.h.alice)
    await env.quiesce()
    assert env.link.closed
    assert any("You left the voice channel" in t for t in env.texts())
    assert env.embeds()[-1]["title"] == "Interview stopped"


# ---- where the scripted link had to learn from the real one ------------------------------


async def _until(env: Env, condition: Any) -> None:
    for _ in range(2000):
        await env.h.settle()
        if condition():
            return
        await asyncio.sleep(0.002)
    raise AssertionError("condition never became true")


def _holding_link(env: Env) -> ScriptedVoiceLink:
    """Prepare the next link so that speech lasts until finished or stopped."""
    link = ScriptedVoiceLink(
        env.voice_id, member_source=lambda: env.connector.members_of(env.voice_id)
    )
    link.hold_speech = True
    env.connector.prepared = link
    return link


async def test_consent_during_the_spoken_notice_cuts_it_short_for_the_first_question(
    env: Env,
) -> None:
    link = _holding_link(env)
    await env.h.join_voice(env.h.alice, env.voice_id)
    await env.h.slash("voice", "interview", options={"questions": 2})
    await _until(env, lambda: link.speaking == CONSENT_NOTICE)
    assert link.listening == frozenset()
    await env.h.click(env.notice(), label="Consent", user=env.h.alice)
    await _until(env, lambda: link.speaking is not None and link.speaking != CONSENT_NOTICE)
    assert link.stop_speaking_during == [CONSENT_NOTICE]
    first = next(e for e in env.embeds() if e.get("title") == "Question 1 of 2")
    assert link.speaking == first["description"]
    assert link.listening == {env.uid(env.h.alice)}
    await link.finish_speaking()
    await env.quiesce()
    assert link.waiting_for == env.uid(env.h.alice)


async def test_consent_in_a_round_lets_the_notice_finish(env: Env) -> None:
    link = _holding_link(env)
    for user in (env.h.alice, env.h.bob):
        await env.h.join_voice(user, env.voice_id)
    await env.h.slash("round", "start", options={"rounds": 1})
    await _until(env, lambda: link.speaking == CONSENT_NOTICE)
    await env.h.click(env.notice(), label="Consent", user=env.h.alice)
    await env.h.settle()
    assert link.speaking == CONSENT_NOTICE and link.stop_speaking_during == []
    await link.finish_speaking()
    await env.quiesce()
    assert link.spoken[-1].startswith("Alice, Question")


async def test_an_answer_waiting_behind_an_empty_turn_is_not_thrown_away(env: Env) -> None:
    await env.start_solo()
    await env.consent(env.h.alice)
    alice = env.uid(env.h.alice)
    # A cough recognised as nothing, then the real answer, both finished before the bot
    # looked: asking "could you say it again" would drop the answer (speech clears turns).
    env.link.say(alice, "")
    env.link.say(alice, "great answer where I shipped the migration")
    await env.quiesce()
    assert env.evaluator.calls == ["great answer where I shipped the migration"]
    assert not any("didn't catch that" in t for t in env.texts())
    assert any(t.startswith("**Score 92/100**") for t in env.texts())


async def test_a_cut_short_question_still_waits_for_the_answer(env: Env) -> None:
    await env.start_solo()
    env.link.cut_short.append(False)  # the candidate talks over the first question
    await env.consent(env.h.alice)
    assert env.link.waiting_for == env.uid(env.h.alice)
    env.link.say(env.uid(env.h.alice), "great answer given over the question")
    await env.quiesce()
    assert env.evaluator.calls == ["great answer given over the question"]
    second = next(e for e in env.embeds() if e.get("title") == "Question 2 of 2")
    assert env.link.spoken[-1] == second["description"]


async def test_a_connection_lost_without_a_voice_state_event_ends_the_session(env: Env) -> None:
    await env.start_solo()
    await env.consent(env.h.alice)
    env.link.connected = False  # py-cord gave up reconnecting; no VOICE_STATE_UPDATE came
    env.link.silence(env.uid(env.h.alice))
    await env.quiesce()
    assert env.link.closed and env.coach.active(env.h.guild_id) is None
    assert any("disconnected from the voice channel" in t for t in env.texts())
    assert not any("take your time" in t for t in env.texts())


async def test_the_notice_ending_while_consent_is_recorded_still_asks_the_first_question(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = _holding_link(env)
    real_start = env.engine.start

    async def start_while_the_notice_ends(options: Any) -> Any:
        # Real speech ends on its own; here it ends while the interview is being created.
        await link.finish_speaking()
        for _ in range(20):
            await asyncio.sleep(0)
        return await real_start(options)

    monkeypatch.setattr(env.engine, "start", start_while_the_notice_ends)
    await env.h.join_voice(env.h.alice, env.voice_id)
    await env.h.slash("voice", "interview", options={"questions": 2})
    await _until(env, lambda: link.speaking == CONSENT_NOTICE)
    await env.consent(env.h.alice)
    first = next(e for e in env.embeds() if e.get("title") == "Question 1 of 2")
    assert link.spoken[-1] == first["description"]
    assert link.waiting_for == env.uid(env.h.alice)


async def test_nothing_more_is_said_once_a_stop_is_waiting(env: Env) -> None:
    link = _holding_link(env)
    await env.h.join_voice(env.h.alice, env.voice_id)
    await env.h.slash("voice", "interview", options={"questions": 2})
    await _until(env, lambda: link.speaking == CONSENT_NOTICE)
    await env.h.click(env.notice(), label="Consent", user=env.h.alice)
    await _until(env, lambda: link.speaking is not None and link.speaking != CONSENT_NOTICE)
    await link.finish_speaking()
    await env.quiesce()
    link.hold_speech = True
    link.say(env.uid(env.h.alice), "great answer where I shipped the migration")
    await _until(env, lambda: link.speaking is not None)
    spoken = len(link.spoken)
    # A stop arrives while the next question is being said: nothing else is started.
    await env.h.slash("voice", "stop")
    assert link.closed and len(link.spoken) == spoken
    assert env.embeds()[-1]["title"] == "Interview stopped"


async def test_a_korean_session_is_korean_aloud_and_in_the_thread(env: Env) -> None:
    await env.start_solo(language="ko")
    assert "저장하지 않습니다" in env.link.spoken[0]
    assert env.link.languages[0] == "ko"
    assert env.connector.languages == [Language.KO]
    assert "들어왔습니다" in env.last_ephemeral()
    notice = next(m for m in env.bot_messages() if _labels(m) == ["동의"])
    embed = notice["embeds"][0]
    assert embed["title"] == "음성 면접: 먼저 동의해 주세요"
    assert "저장하지 않습니다" in embed["description"] and "동의" in embed["footer"]["text"]
    assert any(t.startswith("🔇 지금은") for t in env.texts())
    # Someone else's click is refused in the session's language, whatever their client's.
    await env.h.click(notice, label="동의", user=env.h.bob)
    await env.quiesce()
    assert "다른 사람의 1:1 음성 면접" in env.last_ephemeral()
    await env.h.click(notice, label="동의", user=env.h.alice)
    await env.quiesce()
    assert "🎙️ 듣는 중: **Alice**" in env.texts()
    env.link.silence(env.uid(env.h.alice), 2)
    await env.quiesce()
    assert any("천천히 하셔도 됩니다" in t for t in env.texts())
    assert any("답변이 들리지 않아" in t for t in env.texts())


async def test_round_commands_and_options_carry_korean_localisations(env: Env) -> None:
    registered = env.fake.bodies_to("PUT", "/applications/{application_id}/commands")
    commands = {c["name"]: c for body in registered for c in body}
    voice, round_ = commands["voice"], commands["round"]
    assert voice["name_localizations"]["ko"] == "음성"
    assert round_["name_localizations"]["ko"] == "라운드"
    subs = {c["name"]: c for c in voice["options"] + round_["options"]}
    assert subs["interview"]["name_localizations"]["ko"] == "면접"
    assert subs["start"]["description_localizations"]["ko"].startswith("지금 있는 음성 채널")
    assert subs["skip"]["options"][0]["name_localizations"]["ko"] == "사용자"
    options = {o["name"]: o for o in subs["interview"]["options"]}
    assert options["questions"]["name_localizations"]["ko"] == "질문수"
    assert options["kind"]["description_localizations"]["ko"] == "면접 종류"
    languages = {c["value"]: c for c in options["language"]["choices"]}
    assert languages["en"]["name_localizations"]["ko"] == "영어"

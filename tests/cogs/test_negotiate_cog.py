"""`/negotiate` end to end through py-cord against the spec-checked Discord fake, beside the
interview cog (which must leave negotiation threads alone)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from discord_harness import FakeDiscord, Harness, harness

from bot.discord_app import MockingbirdBot, intents
from bot.interview.engine import InterviewEngine
from bot.negotiation import NegotiationService, Speaker, Turn, default_currencies
from bot.speech.audio import AudioLimits, encode_wav
from cogs.interview import InterviewCog
from cogs.interview._audio import SpeechServices
from cogs.negotiate import NegotiateCog
from storage.db import Database
from storage.negotiations import SqliteNegotiationStore
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.speech_to_text import ScriptedSpeechToText
from tests.fakes.text_to_speech import FakeTextToSpeech

log = logging.getLogger(__name__)

PRIVATE_THREAD = 12
OPTIONS = {"role": "Backend engineer", "offer": "120k", "target": "140k", "currency": "USD"}
ASK = "Thanks! Given I led the payments migration, I'd like 148,500."


class Env:
    """The bot with both cogs, the negotiation service and store, the grader and the harness."""

    def __init__(
        self,
        h: Harness,
        service: NegotiationService,
        store: SqliteNegotiationStore,
        evaluator: ScriptedEvaluator,
        cog: NegotiateCog,
    ) -> None:
        self.h = h
        self.service = service
        self.store = store
        self.evaluator = evaluator
        self.cog = cog

    @property
    def fake(self) -> FakeDiscord:
        return self.h.fake

    def thread_id(self) -> int:
        threads = self.fake.threads_of(self.h.channel_id)
        assert len(threads) == 1, threads
        return int(threads[0]["id"])

    def bot_messages(self, channel_id: int) -> list[dict[str, Any]]:
        bot_id = int(self.fake.bot_user["id"])
        return [m for m in self.fake.messages_in(channel_id) if int(m["author"]["id"]) == bot_id]

    def texts(self, channel_id: int) -> list[str]:
        return [m.get("content") or "" for m in self.bot_messages(channel_id)]

    def ephemeral_texts(self) -> list[str]:
        return [
            (b or {}).get("content") or ""
            for b in self.fake.bodies_to("POST", "/webhooks/{application_id}/{interaction_token}")
        ]


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    db = await Database(tmp_path / "bot.sqlite3").open()
    store = SqliteNegotiationStore(db)
    service = NegotiationService(store, default_currencies(), seeds=lambda: 7)
    evaluator = ScriptedEvaluator()
    engine = InterviewEngine(SqliteSessionStore(db), make_bank(), evaluator)
    speech = SpeechServices(
        stt=ScriptedSpeechToText(default="I'd like 145k because of my experience"),
        tts=FakeTextToSpeech(),
        limits=AudioLimits(max_seconds=60, max_bytes=2_000_000),
        speak_questions=False,
    )
    bot = MockingbirdBot(intents=intents())
    bot.add_cog(InterviewCog(bot, engine, speech))
    cog = NegotiateCog(bot, service, speech)
    bot.add_cog(cog)
    try:
        async with harness(bot, discord_fake) as h:
            yield Env(h, service, store, evaluator, cog)
    finally:
        await db.close()


async def start(env: Env, **options: Any) -> int:
    await env.h.slash("negotiate", "start", options={**OPTIONS, **options})
    return env.thread_id()


async def test_start_opens_a_private_thread_where_the_recruiter_speaks_first(env: Env) -> None:
    thread_id = await start(env, style="firm", level="senior", location="Seoul")
    thread = env.fake.threads_of(env.h.channel_id)[0]
    assert thread["type"] == PRIVATE_THREAD and thread["name"].startswith("Salary negotiation")
    intro, opening = env.texts(thread_id)[:2]
    assert "Backend engineer (senior), Seoul" in intro and "$120,000" in intro
    assert "$140,000" in intro and "firm" in intro
    assert opening.startswith("**Recruiter:**") and "$120,000" in opening
    assert any("ready in <#" in t for t in env.ephemeral_texts())
    callbacks = env.fake.bodies_to(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
    )
    assert callbacks[0]["type"] == 5 and callbacks[0]["data"]["flags"] == 64


async def test_a_negotiation_end_to_end_in_its_thread(env: Env) -> None:
    thread_id = await start(env)
    await env.h.message(ASK, channel_id=thread_id)
    reply = env.texts(thread_id)[-1]
    assert reply.startswith("**Recruiter:**") and "$148,500" in reply
    await env.h.message("Sounds good, I accept.", channel_id=thread_id)
    last = env.bot_messages(thread_id)[-1]
    embed = last["embeds"][0]
    assert embed["title"] == "Negotiation debrief: Backend engineer"
    assert "could have gone up to" in embed["description"]
    assert (
        "Money left on the table" in embed["description"] or "nothing left" in embed["description"]
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "Anchoring" in fields["Scores"] and "/100" in fields["Scores"]
    assert "“Given I led the payments migration, I'd like 148,500.”" in fields["Anchoring"]
    assert fields["Three tips"].count("_(") == 3
    # The interview cog never graded any of it.
    assert env.evaluator.calls == []
    assert env.h.errors == []


async def test_someone_else_in_the_thread_is_told_once(env: Env) -> None:
    thread_id = await start(env)
    before = len(env.bot_messages(thread_id))
    await env.h.message("I'd take 200k!", user=env.h.bob, channel_id=thread_id)
    await env.h.message("me too", user=env.h.bob, channel_id=thread_id)
    notes = env.texts(thread_id)[before:]
    assert len(notes) == 1 and "Only <@" in notes[0]


async def test_a_voice_message_is_a_move_too(env: Env) -> None:
    thread_id = await start(env)
    audio = encode_wav(np.zeros(16000, dtype=np.float32), 16000)
    attachment = env.fake.add_attachment("move.wav", audio, content_type="audio/wav")
    await env.h.message("", channel_id=thread_id, attachments=[attachment])
    reply = env.texts(thread_id)[-1]
    assert reply.startswith("**Recruiter:**") and "$145,000" in reply
    negotiation = await env.store.in_channel(thread_id)
    assert negotiation is not None
    spoken = [t for t in negotiation.turns if t.speaker is Speaker.CANDIDATE]
    assert spoken[0].spoken and "145k" in spoken[0].text


async def test_bad_input_gets_a_clear_private_answer_and_no_thread(env: Env) -> None:
    await env.h.slash("negotiate", "start", options={**OPTIONS, "currency": "doubloons"})
    await env.h.slash("negotiate", "start", options={**OPTIONS, "target": "100k"})
    await env.h.slash("negotiate", "start", options={**OPTIONS, "offer": "lots"})
    assert env.fake.threads_of(env.h.channel_id) == []
    shown = "\n".join(env.ephemeral_texts())
    assert 'currency "doubloons"' in shown and "isn't above the offer" in shown
    assert "isn't an amount I can read" in shown


async def test_a_second_start_points_at_the_running_one(env: Env) -> None:
    thread_id = await start(env)
    await env.h.slash("negotiate", "start", options=OPTIONS)
    assert len(env.fake.threads_of(env.h.channel_id)) == 1
    assert any(f"<#{thread_id}>" in t and "already" in t for t in env.ephemeral_texts())


async def test_stop_posts_the_debrief_and_history_lists_it(env: Env) -> None:
    thread_id = await start(env)
    await env.h.message(ASK, channel_id=thread_id)
    await env.h.slash("negotiate", "stop")
    last = env.bot_messages(thread_id)[-1]
    assert last["embeds"][0]["title"].startswith("Negotiation debrief")
    assert any("debrief is in" in t for t in env.ephemeral_texts())
    await env.h.slash("negotiate", "history")
    history = env.fake.bodies_to("POST", "/webhooks/{application_id}/{interaction_token}")[-1]
    description = history["embeds"][0]["description"]
    assert "Backend engineer" in description and "stopped" in description
    await env.h.slash("negotiate", "stop")
    assert "no negotiation running" in env.ephemeral_texts()[-1]


async def test_a_message_saved_before_a_restart_is_answered_on_ready(env: Env) -> None:
    thread_id = await start(env)
    negotiation = await env.store.in_channel(thread_id)
    assert negotiation is not None and negotiation.id is not None
    await env.store.add_turn(negotiation.id, Turn(Speaker.CANDIDATE, ASK))
    await env.cog.on_ready()
    texts = env.texts(thread_id)
    assert any("I was away" in t for t in texts)
    assert texts[-1].startswith("**Recruiter:**") and "$148,500" in texts[-1]


async def test_resume_reopens_a_deleted_thread(env: Env) -> None:
    thread_id = await start(env)
    await env.h.delete_thread(thread_id)
    await env.h.slash("negotiate", "resume")
    threads = [t for t in env.fake.threads_of(env.h.channel_id) if int(t["id"]) != thread_id]
    assert len(threads) == 1
    new_id = int(threads[0]["id"])
    texts = env.texts(new_id)
    assert "welcome back" in texts[0] and texts[1].startswith("**Recruiter:**")
    await env.h.message(ASK, channel_id=new_id)
    assert env.texts(new_id)[-1].startswith("**Recruiter:**")

"""Answers in the thread through py-cord: saved first, apologies that tell the truth, a
deleted thread, messages missed across a restart, and recordings that cannot be read."""

from __future__ import annotations

import asyncio
import sqlite3
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from discord_harness import FakeDiscord, payloads

from bot.catalog import Language, Question
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.models import Evaluation
from bot.copy import text
from bot.discord_app import apology
from bot.interview.inbox import AnswerFailure
from bot.interview.models import Turn, TurnStatus
from bot.speech.audio import AudioLimits, encode_wav
from cogs.interview._audio import SpeechServices
from storage.db import Database
from storage.sessions import SqliteSessionStore
from tests.cogs.envs import Env, make_env
from tests.fakes.evaluator import ScriptedEvaluator
from tests.fakes.speech_to_text import ScriptedSpeechToText
from tests.fakes.text_to_speech import FakeTextToSpeech

TYPING = "/channels/{channel_id}/typing"
SAVED_FIRST = "saved first"
NOT_SAVED = "not kept"


class LockableStore(SqliteSessionStore):
    """The SQLite store whose answer writes can be refused, as by a database locked 5 s."""

    locked = False

    async def save_turn(self, session_id: int, turn: Turn) -> Turn:
        if self.locked and turn.status is TurnStatus.ANSWERED:
            raise sqlite3.OperationalError("database is locked")
        return await super().save_turn(session_id, turn)


class ThreadDeletingEvaluator(ScriptedEvaluator):
    """Grade like the scripted evaluator after deleting the interview's thread (once)."""

    def __init__(self) -> None:
        super().__init__()
        self.delete: tuple[FakeDiscord, int] | None = None

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        if self.delete is not None:
            fake, thread_id = self.delete
            fake.delete_channel(thread_id)  # someone deletes the thread mid-grade
            self.delete = None
        return await super().evaluate(answer, question, context)


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    async for e in make_env(tmp_path, discord_fake):
        yield e


async def start(env: Env, **options: Any) -> int:
    await env.h.slash("interview", "start", options={"kind": "behavioral", "count": 2, **options})
    return env.thread_id()


def texts(env: Env, channel_id: int) -> list[str]:
    return [m.get("content") or "" for m in env.bot_messages(channel_id)]


async def first_turn(env: Env) -> Turn:
    session = await env.engine.active_session(int(env.h.alice["id"]), env.h.guild_id)
    assert session is not None
    return session.turns[0]


@pytest.mark.parametrize(
    ("status", "code"), [(403, 50013), (503, 0)], ids=["forbidden", "unavailable"]
)
async def test_a_refused_typing_indicator_never_stops_the_answer(
    env: Env, status: int, code: int
) -> None:
    thread_id = await start(env)
    env.fake.fail("POST", TYPING, status=status, code=code, message="no typing")
    await env.h.message("great answer", channel_id=thread_id)
    assert env.fake.requests_to("POST", TYPING)  # it was tried, beside the grading
    assert any(t.startswith("**Score 92/100**") for t in texts(env, thread_id))
    turn = await first_turn(env)
    assert turn.status is TurnStatus.EVALUATED and turn.answer == "great answer"


async def test_a_locked_database_says_the_answer_was_not_saved(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    stores: list[LockableStore] = []

    def store(db: Database) -> LockableStore:
        stores.append(LockableStore(db))
        return stores[-1]

    async for env in make_env(tmp_path, discord_fake, store=store):
        env.h.errors.clear()
        thread_id = await start(env)
        stores[0].locked = True
        await env.h.message("great answer", channel_id=thread_id)
        env.h.errors.clear()  # the listener failed on purpose; its reply is what we check
        apology = texts(env, thread_id)[-1]
        assert NOT_SAVED in apology and "send it again" in apology
        assert "saved" not in apology.replace("not kept", "").replace("be saved", "")
        assert env.evaluator.calls == []
        assert (await first_turn(env)).status is TurnStatus.ASKED


async def test_a_grader_failing_after_the_save_says_the_answer_is_saved(env: Env) -> None:
    thread_id = await start(env)
    env.evaluator.fail_next = True
    await env.h.message("great answer", channel_id=thread_id)
    env.h.errors.clear()
    apology = texts(env, thread_id)[-1]
    assert SAVED_FIRST in apology and "reference" in apology
    assert (await first_turn(env)).status is TurnStatus.ANSWERED
    # The next message grades the saved answer first, as the apology promised.
    await env.h.message("anything", channel_id=thread_id)
    assert any(t.startswith("**Score 92/100**") for t in texts(env, thread_id))


@pytest.mark.parametrize("language", list(Language))
def test_only_an_apology_that_knows_speaks_of_saving(language: Language) -> None:
    plain = apology(RuntimeError("boom"), language, "ref1")
    saved = apology(AnswerFailure(True, 1, language), language, "ref1")
    lost = apology(AnswerFailure(False, 1, language), language, "ref1")
    assert "ref1" in plain and "ref1" in saved and "ref1" in lost
    assert len({plain, saved, lost}) == 3
    word = {Language.EN: "saved", Language.KO: "저장"}[language]
    assert word not in plain
    assert saved == text("common.apology_saved", language, ref="ref1")
    assert lost == text("common.apology_not_saved", language, ref="ref1")


async def test_feedback_for_a_thread_deleted_mid_grade_goes_to_a_new_thread(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    grader = ThreadDeletingEvaluator()
    async for env in make_env(tmp_path, discord_fake, grader=grader):
        thread_id = await start(env)
        grader.delete = (env.fake, thread_id)
        await env.h.message("great answer", channel_id=thread_id)
        threads = [int(t["id"]) for t in env.fake.threads_of(env.h.channel_id)]
        assert len(threads) == 2
        moved = threads[1]
        shown = texts(env, moved)
        assert "was deleted while I was grading" in shown[0]
        assert any(t.startswith("**Score 92/100**") for t in shown)
        # The interview now lives there: the next answer in the new thread is graded.
        session = await env.engine.active_session(int(env.h.alice["id"]), env.h.guild_id)
        assert session is not None and session.channel_id == moved
        await env.h.message("great two", channel_id=moved)
        assert env.bot_messages(moved)[-1]["embeds"][0]["title"] == "Interview complete"


async def test_with_nowhere_to_go_the_user_is_told_in_the_channel(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    grader = ThreadDeletingEvaluator()
    async for env in make_env(tmp_path, discord_fake, grader=grader):
        thread_id = await start(env)
        grader.delete = (env.fake, thread_id)
        env.fake.forbid("POST", "/channels/{channel_id}/threads")
        env.fake.forbid("POST", "/users/@me/channels")
        await env.h.message("great answer", channel_id=thread_id)
        note = texts(env, env.h.channel_id)[-1]
        assert "couldn't show the feedback" in note and "/interview resume" in note
        assert (await first_turn(env)).status is TurnStatus.EVALUATED


def offline_message(env: Env, thread_id: int, content: str) -> dict[str, Any]:
    """Put a candidate's message in the thread without the bot hearing it (it was down)."""
    payload = payloads.message_create(
        message_id=env.fake.ids.next(),
        channel_id=thread_id,
        author=env.h.alice,
        content=content,
    )
    return env.fake.record_user_message(payload)


async def test_after_a_restart_a_missed_answer_is_asked_for_again_once(env: Env) -> None:
    thread_id = await start(env)
    missed = offline_message(env, thread_id, "my answer sent while the bot was down")
    await env.cog.on_ready()
    reply = env.bot_messages(thread_id)[-1]
    assert "may not have received this message" in reply["content"]
    assert reply["message_reference"]["message_id"] == missed["id"]
    assert env.evaluator.calls == []  # never graded behind the candidate's back
    await env.cog.on_ready()  # a reconnect: our reply is newer, so nothing more is said
    assert env.bot_messages(thread_id)[-1]["id"] == reply["id"]


async def test_no_notice_when_the_last_word_is_the_bots(env: Env) -> None:
    thread_id = await start(env)
    await env.h.message("great answer", channel_id=thread_id)  # heard and graded
    before = len(env.bot_messages(thread_id))
    await env.cog.on_ready()
    assert len(env.bot_messages(thread_id)) == before


async def test_a_hanging_transcribing_message_is_ended_after_a_restart(env: Env) -> None:
    thread_id = await start(env)
    voice = offline_message(env, thread_id, "")
    hanging = text("interview.audio.transcribing", "en", what="0:05 of audio")
    env.fake.create_message(thread_id, env.fake.bot_user, {"content": hanging})
    await env.cog.on_ready()
    shown = texts(env, thread_id)
    assert text("interview.audio.interrupted", "en") in shown
    assert hanging not in shown
    assert env.bot_messages(thread_id)[-1]["message_reference"]["message_id"] == voice["id"]


def wav_with_format_tag(tag: int) -> bytes:
    """Return a short WAV whose fmt chunk names an encoding nobody knows."""
    good = encode_wav(np.zeros(1600, dtype=np.float32), 16000)
    fmt = good.index(b"fmt ") + 8
    return good[:fmt] + struct.pack("<H", tag) + good[fmt + 2 :]


@pytest.fixture
async def speech_env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Env]:
    stt = ScriptedSpeechToText(RuntimeError("the recognizer crashed"), default="great answer")
    speech = SpeechServices(
        stt=stt,
        tts=FakeTextToSpeech(),
        limits=AudioLimits(max_seconds=60, max_bytes=2_000_000),
        speak_questions=False,
    )
    async for e in make_env(tmp_path, discord_fake, speech=speech):
        yield e


@pytest.mark.parametrize(
    "audio",
    [
        encode_wav(np.zeros(16000, dtype=np.float32), 16000),  # the recognizer crashes on it
        wav_with_format_tag(0x1234),
    ],
    ids=["recognizer-crash", "unknown-format-tag"],
)
async def test_a_recording_that_cannot_be_read_ends_its_transcribing_message(
    speech_env: Env, audio: bytes
) -> None:
    thread_id = await start(speech_env)
    attachment = speech_env.fake.add_attachment("answer.wav", audio, content_type="audio/wav")
    await speech_env.h.message("", channel_id=thread_id, attachments=[attachment])
    shown = texts(speech_env, thread_id)
    assert not any(t.startswith("Transcribing") for t in shown)  # never left hanging
    edits = speech_env.fake.bodies_to("PATCH", "/channels/{channel_id}/messages/{message_id}")
    assert edits and edits[-1]["content"] and not edits[-1]["content"].startswith("**Transcript")
    assert (await first_turn(speech_env)).status is TurnStatus.ASKED  # the question stays open
    assert speech_env.h.errors == []


async def test_two_starts_at_the_same_moment_give_one_interview(env: Env) -> None:
    command = env.h.command_definition("interview")
    sent = []
    for _ in range(2):
        data = payloads.slash_command_data(
            command,
            subcommand="start",
            options={"kind": "behavioral", "count": 2},
            guild_id=env.h.guild_id,
            members={},
        )
        sent.append(
            env.h._interaction(
                payloads.APPLICATION_COMMAND, data, user=None, channel_id=None, dm=False
            )
        )
    for payload in sent:
        env.h.feed("INTERACTION_CREATE", payload)  # both before either is handled
    await env.h.settle()
    assert len(env.fake.threads_of(env.h.channel_id)) == 1
    replies = env.ephemeral_texts()
    assert sum("already have an interview running" in r for r in replies) == 1
    assert sum("Your interview is ready" in r for r in replies) == 1
    assert env.h.errors == [] and env.h.command_errors == []
    await asyncio.sleep(0)

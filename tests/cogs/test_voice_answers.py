"""Voice-message answers and spoken questions, with real espeak-ng speech and faster-whisper."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from discord_harness import FakeDiscord, Harness, harness

from bot.discord_app import MockingbirdBot, intents
from bot.interview.engine import InterviewEngine
from bot.interview.models import TurnStatus
from bot.speech.audio import AudioLimits, decode_audio, encode_ogg_opus
from bot.speech.stt import WhisperSTT
from bot.speech.tts import EspeakTTS, FallbackTTS
from cogs.interview import InterviewCog
from cogs.interview._audio import SpeechServices
from storage.db import Database
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.speech.helpers import espeak

SPOKEN = "I led the database migration. As a result latency fell by forty percent."


class Env:
    """The bot with the interview cog and real speech, its engine, evaluator and harness."""

    def __init__(
        self, h: Harness, engine: InterviewEngine, evaluator: ScriptedEvaluator, cog: InterviewCog
    ) -> None:
        self.h = h
        self.engine = engine
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
        return [
            m
            for m in self.fake.messages_in(channel_id)
            if int(m["author"]["id"]) == int(self.fake.bot_user["id"])
        ]


async def start(env: Env, **options: Any) -> None:
    await env.h.slash("interview", "start", options={"kind": "behavioral", "count": 2, **options})


@pytest.fixture(scope="module")
def whisper() -> Iterator[WhisperSTT]:
    stt = WhisperSTT("tiny.en")
    yield stt
    stt.close()


@pytest.fixture(scope="module")
def answer_ogg() -> bytes:
    samples = decode_audio(espeak(SPOKEN))
    return encode_ogg_opus(samples, 16000)


@pytest.fixture
async def voice_env(
    tmp_path: Path, discord_fake: FakeDiscord, whisper: WhisperSTT
) -> AsyncIterator[Env]:
    db = await Database(tmp_path / "voice.sqlite3").open()
    evaluator = ScriptedEvaluator()
    engine = InterviewEngine(SqliteSessionStore(db), make_bank(), evaluator)
    speech = SpeechServices(
        stt=whisper,
        tts=FallbackTTS([EspeakTTS()]),
        limits=AudioLimits(max_seconds=60, max_bytes=2_000_000),
    )
    bot = MockingbirdBot(intents=intents())
    cog = InterviewCog(bot, engine, speech)
    bot.add_cog(cog)
    try:
        async with harness(bot, discord_fake) as h:
            yield Env(h, engine, evaluator, cog)
    finally:
        await db.close()


async def test_questions_come_with_spoken_audio(voice_env: Env) -> None:
    await start(voice_env)
    question = voice_env.bot_messages(voice_env.thread_id())[-1]
    assert question["embeds"][0]["title"] == "Question 1 of 2"
    names = [a["filename"] for a in question.get("attachments", [])]
    assert names == ["question.ogg"]


async def test_voice_message_is_transcribed_shown_and_graded(
    voice_env: Env, answer_ogg: bytes
) -> None:
    await start(voice_env)
    thread_id = voice_env.thread_id()
    await voice_env.h.voice_message(answer_ogg, duration_secs=5.0, channel_id=thread_id)
    texts = [m.get("content") or "" for m in voice_env.bot_messages(thread_id)]
    transcript = next(t for t in texts if t.startswith("**Transcript**"))
    assert "wpm" in transcript
    assert "migration" in transcript.lower()
    graded = voice_env.evaluator.calls[-1].lower()
    assert "migration" in graded and "latency" in graded
    assert any(t.startswith("**Score") for t in texts)
    # Progress was shown before the transcript replaced it.
    edits = voice_env.fake.bodies_to("PATCH", "/channels/{channel_id}/messages/{message_id}")
    assert edits and edits[-1]["content"].startswith("**Transcript**")
    first = voice_env.fake.bodies_to("POST", "/channels/{channel_id}/messages")
    assert any((b.get("content") or "").startswith("Transcribing 0:05 of audio") for b in first)


async def test_corrupt_audio_gets_a_clear_message_and_the_question_stays_open(
    voice_env: Env, answer_ogg: bytes
) -> None:
    await start(voice_env)
    thread_id = voice_env.thread_id()
    await voice_env.h.voice_message(
        answer_ogg[: len(answer_ogg) // 3], duration_secs=5.0, channel_id=thread_id
    )
    last = voice_env.bot_messages(thread_id)[-1]["content"]
    assert not last.startswith("**Transcript**") and not last.startswith("Transcribing")
    assert voice_env.evaluator.calls == []
    session = await voice_env.engine.active_session(
        int(voice_env.h.alice["id"]), voice_env.h.guild_id
    )
    assert session is not None and session.current_turn is not None
    assert session.current_turn.status is TurnStatus.ASKED


async def test_too_long_voice_message_is_refused_before_download(
    voice_env: Env, answer_ogg: bytes
) -> None:
    await start(voice_env)
    thread_id = voice_env.thread_id()
    await voice_env.h.voice_message(answer_ogg, duration_secs=7200.0, channel_id=thread_id)
    last = voice_env.bot_messages(thread_id)[-1]["content"]
    assert "120:00 long" in last and "1:00" in last
    assert voice_env.evaluator.calls == []


async def test_non_audio_attachment_is_explained(voice_env: Env) -> None:
    await start(voice_env)
    thread_id = voice_env.thread_id()
    pdf = voice_env.fake.add_attachment(
        "resume.pdf", b"%PDF-1.4 nothing", content_type="application/pdf"
    )
    await voice_env.h.message("", channel_id=thread_id, attachments=[pdf])
    assert "can't use that file" in voice_env.bot_messages(thread_id)[-1]["content"]


async def test_silent_voice_message_is_explained(voice_env: Env) -> None:
    import numpy as np

    silence = encode_ogg_opus(np.zeros(16000 * 3, dtype=np.float32), 16000)
    await start(voice_env)
    thread_id = voice_env.thread_id()
    await voice_env.h.voice_message(silence, duration_secs=3.0, channel_id=thread_id)
    last = voice_env.bot_messages(thread_id)[-1]["content"]
    assert last and not last.startswith("**Transcript**")
    assert voice_env.evaluator.calls == []

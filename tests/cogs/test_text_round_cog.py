"""A text round end to end through py-cord and the spec-checked fake: join, answer, rate."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from discord_harness import find_custom_id

from bot.speech.audio import AudioLimits, decode_audio, encode_ogg_opus
from bot.speech.tts import EspeakTTS, FallbackTTS
from cogs.interview._audio import SpeechServices
from tests.cogs.moderation_envs import Env, Json, make_env
from tests.fakes.speech_to_text import ScriptedSpeechToText
from tests.speech.helpers import espeak

NOW = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)
PUBLIC_THREAD = 11


@pytest.fixture
def stt() -> ScriptedSpeechToText:
    return ScriptedSpeechToText("great I cut the build time from forty to twelve minutes")


@pytest.fixture
async def env(tmp_path: Path, stt: ScriptedSpeechToText) -> AsyncIterator[Env]:
    speech = SpeechServices(
        stt=stt,
        tts=FallbackTTS([EspeakTTS()]),
        limits=AudioLimits(max_seconds=60, max_bytes=2_000_000),
        speak_questions=False,
    )
    async for e in make_env(tmp_path, now=NOW, speech=speech):
        yield e


def labels(message: Json) -> list[str]:
    return [c.get("label") for row in message.get("components") or [] for c in row["components"]]


def thread_of(env: Env) -> int:
    (thread,) = env.fake.threads_of(env.h.channel_id)
    assert thread["type"] == PUBLIC_THREAD
    return int(thread["id"])


async def start(env: Env) -> int:
    await env.h.slash("round", "text", user=env.h.alice, options={"rounds": 1, "minutes": 4})
    await env.quiesce()
    return thread_of(env)


async def test_a_text_round_asks_by_name_grades_and_lets_peers_rate(env: Env) -> None:
    thread = await start(env)
    assert "The text round is open in" in env.last_reply()
    notice = next(m for m in env.bot_messages(thread) if labels(m) == ["Join"])
    assert "within 4 min" in notice["embeds"][0]["description"]
    await env.h.click(notice, label="Join", user=env.h.alice)
    await env.h.click(notice, label="Join", user=env.h.bob)
    await env.quiesce()
    assert "you're in the queue" in env.last_reply()
    posted = env.bot_messages(thread)
    turn = next(m for m in posted if m["content"] == f"<@{env.h.alice['id']}>, your turn.")
    assert turn["embeds"][0]["title"].startswith("Question 1")
    status = next(m for m in posted if m["content"].startswith("✍️"))
    assert "Alice" in status["content"] and "4 min" in status["content"]

    # Bob talking during Alice's turn is not an answer; Alice's message is.
    await env.h.message("I think she will say something good", user=env.h.bob, channel_id=thread)
    await env.h.message("great I led the migration and cut costs by 30%", channel_id=thread)
    await env.quiesce()
    posted = env.bot_messages(thread)
    feedback = next(m for m in posted if m["content"].startswith("Feedback for **Alice**"))
    assert "92" in feedback["content"]
    rating = next(m for m in posted if labels(m) == ["Useful", "Unclear", "Strong"])
    await env.h.click(rating, label="Useful", user=env.h.alice)
    assert "can't rate your own" in env.last_reply()
    await env.h.click(rating, custom_id=find_custom_id(rating, label="Strong"), user=env.h.bob)
    assert env.last_reply() == "Thanks, you rated it **strong**."

    # Bob answers with a voice message: transcribed, then graded like a typed answer.
    bobs_turn = f"<@{env.h.bob['id']}>, your turn."
    assert any(m["content"] == bobs_turn for m in env.bot_messages(thread))
    audio = encode_ogg_opus(decode_audio(espeak("I cut the build time")), 16000)
    await env.h.voice_message(audio, duration_secs=2.0, user=env.h.bob, channel_id=thread)
    await env.quiesce()
    posted = env.bot_messages(thread)
    assert any("Feedback for **Bob**" in (m["content"] or "") for m in posted)
    summary = next(
        e for m in posted for e in m.get("embeds") or [] if e.get("title") == "Round complete"
    )
    assert "**Alice**: 1 answered" in summary["description"]
    assert "1 strong" in summary["description"]
    assert env.coach.rounds.live_runs() == []


async def test_the_thread_going_away_ends_the_round(env: Env) -> None:
    thread = await start(env)
    notice = next(m for m in env.bot_messages(thread) if labels(m) == ["Join"])
    await env.h.click(notice, label="Join", user=env.h.alice)
    await env.quiesce()
    await env.h.delete_thread(thread)
    await env.quiesce()
    assert env.coach.rounds.live_runs() == []
    assert env.desk.live_threads() == []


async def test_the_host_can_stop_it_with_round_stop_from_the_thread(env: Env) -> None:
    thread = await start(env)
    await env.h.slash("round", "stop", user=env.h.bob, channel_id=thread)
    await env.quiesce()
    # Bob has Manage Server: he may stop anyone's round.
    assert env.last_reply().startswith("Stopped")
    assert env.coach.rounds.live_runs() == []


async def test_round_history_shows_attendance_and_only_shared_scores(env: Env) -> None:
    thread = await start(env)
    notice = next(m for m in env.bot_messages(thread) if labels(m) == ["Join"])
    await env.h.click(notice, label="Join", user=env.h.alice)
    await env.h.click(notice, label="Join", user=env.h.bob)
    await env.quiesce()
    await env.h.message("great answer from alice", channel_id=thread)
    await env.quiesce()
    await env.h.message("weak answer from bob", user=env.h.bob, channel_id=thread)
    await env.quiesce()
    await env.h.slash("round", "history", user=env.carol)
    embed = env.last_embed()
    assert "2 took part (Alice, Bob)" in embed["description"]
    assert [f["name"] for f in embed.get("fields") or []] == []  # carol took no part; none share
    await env.h.slash("round", "share", user=env.h.bob, options={"shared": True})
    assert "can now see" in env.last_reply()
    await env.h.slash("round", "history", user=env.carol)
    fields = env.last_embed().get("fields") or []
    assert [f["name"] for f in fields] == ["Bob"]
    assert "average 30/100" in fields[0]["value"]
    await env.h.slash("round", "history", user=env.h.alice)
    fields = env.last_embed().get("fields") or []
    names = [f["name"] for f in fields]
    assert "Bob" in names and any(n.startswith("Alice (only you see this") for n in names)

"""`/progress` and `/drill` through py-cord against the spec-checked Discord fake."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord_harness import FakeDiscord

from bot.catalog import Kind, Level
from bot.interview.engine import StartOptions
from bot.reports import ProgressCharts, ReportWorker
from tests.cogs.progress_envs import ProgressEnv, make_progress_env

log = logging.getLogger(__name__)

PNG = b"\x89PNG\r\n\x1a\n"
EPHEMERAL = 64
ORIGINAL = "/webhooks/{application_id}/{interaction_token}/messages/@original"


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[ProgressEnv]:
    async for e in make_progress_env(tmp_path, discord_fake):
        yield e


async def practise(env: ProgressEnv, *answers: str) -> None:
    """Answer a short interview through the engine (as the thread would)."""
    user = int(env.h.alice["id"])
    session, _ = await env.engine.start(
        StartOptions(user, env.h.guild_id, Kind.BEHAVIORAL, Level.MID, len(answers))
    )
    assert session.id is not None
    for text in answers:
        await env.engine.answer(session.id, text)
        current = (await env.engine.session(session.id)).current_turn
        while current is not None and current.is_follow_up and current.answer is None:
            await env.engine.skip(session.id)
            current = (await env.engine.session(session.id)).current_turn
    env.clock.advance(days=1)


async def test_the_commands_are_registered_with_korean_names(env: ProgressEnv) -> None:
    progress = env.fake.command("progress")
    drill = env.fake.command("drill")
    assert progress["name_localizations"]["ko"] == "진도"
    assert drill["name_localizations"]["ko"] == "드릴"
    assert [o["name"] for o in drill.get("options", [])] == ["language"]


async def test_progress_with_no_history_says_how_to_start(env: ProgressEnv) -> None:
    await env.h.slash("progress", user=env.h.alice)
    (reply,) = env.followups()
    assert reply["flags"] & EPHEMERAL
    (embed,) = reply["embeds"]
    assert "No practice recorded yet" in embed["description"] and "/drill" in embed["description"]
    assert not reply.get("attachments")


async def test_progress_shows_skills_drills_stories_streak_and_a_real_chart(
    tmp_path: Path, discord_fake: FakeDiscord
) -> None:
    worker = ReportWorker()
    try:
        async for env in make_progress_env(tmp_path, discord_fake, ProgressCharts(worker)):
            await practise(env, "vague one", "great two")
            await practise(env, "weak three")
            await env.h.slash("progress", user=env.h.alice)
            (req,) = env.fake.requests_to("POST", "/webhooks/{application_id}/{interaction_token}")
            (upload,) = req.files
            assert upload.data.startswith(PNG) and len(upload.data) > 5000
            (embed,) = req.json["embeds"]
            assert embed["image"]["url"] == "attachment://progress.png"
            assert "2 interviews" in embed["description"]
            assert "2-day practice streak" in embed["description"]
            names = [f["name"] for f in embed["fields"]]
            assert names == ["Weakest skills", "Drills due", "Story coverage", "Score trend"]
            assert "Landing the result" in embed["fields"][0]["value"]
            assert env.h.command_errors == []
    finally:
        await worker.aclose()


async def test_a_drill_opens_a_thread_says_what_it_drills_and_grades_with_that_focus(
    env: ProgressEnv,
) -> None:
    await env.h.slash("drill", user=env.h.alice)
    (thread,) = env.fake.threads_of(env.h.channel_id)
    thread_id = int(thread["id"])
    intro, question = env.bot_messages(thread_id)[:2]
    assert "Your first drill: 3 behavioral questions" in intro["content"]
    assert "Landing the result" in intro["content"]
    assert question["embeds"][0]["title"] == "Question 1 of 3"
    assert any("Your drill is ready in" in (r.get("content") or "") for r in env.followups())
    await env.h.message("vague answer about a launch", channel_id=thread_id)
    texts = [m.get("content") or "" for m in env.bot_messages(thread_id)]
    assert any("Drill focus:" in t and "Landing the result ✗" in t for t in texts)


async def test_a_second_drill_while_one_runs_gets_a_clear_message(env: ProgressEnv) -> None:
    await env.h.slash("drill", user=env.h.alice)
    await env.h.slash("drill", user=env.h.alice)
    (thread,) = env.fake.threads_of(env.h.channel_id)  # no second thread left behind
    refusal = env.followups()[-1]
    assert "already have an interview or drill running" in refusal["content"]
    assert refusal["components"]  # resume or stop the running one
    running = await env.engine.active_session(int(env.h.alice["id"]), env.h.guild_id)
    assert running is not None and running.channel_id == int(thread["id"])


async def test_a_korean_drill_is_korean(env: ProgressEnv) -> None:
    await env.h.slash("drill", options={"language": "ko"}, user=env.h.alice)
    (thread,) = env.fake.threads_of(env.h.channel_id)
    intro = env.bot_messages(int(thread["id"]))[0]["content"]
    assert "첫 드릴" in intro and "결과로 마무리" in intro


async def test_progress_offers_the_progress_report_as_a_pdf(env: ProgressEnv) -> None:
    await env.h.slash("progress", user=env.h.alice)
    (reply,) = env.followups()
    (row,) = reply["components"]
    assert [c["label"] for c in row["components"]] == ["Download progress report"]
    shown = next(m for m in env.fake.messages.values() if m.get("components"))
    await env.h.click(shown, label="Download progress report", user=env.h.alice)
    (edit,) = env.fake.requests_to("PATCH", ORIGINAL)
    (upload,) = edit.files
    assert upload.filename == "mockingbird-progress.pdf" and upload.data.startswith(b"%PDF-")
    assert "Here is your progress report" in edit.json["content"]
    assert env.pdf.titles == ["Progress report"]
    assert env.h.command_errors == []

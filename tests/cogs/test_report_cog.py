"""Reports in Discord through py-cord against the spec-checked fake: the Download report
button under every finished interview's summary, `/interview report` with autocomplete from
history; a progress message first, then the PDF, rendered in the real worker process."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from discord_harness import FakeDiscord, Harness, harness
from discord_harness import payloads as p

from bot.catalog import Language
from bot.copy import text
from bot.discord_app import MockingbirdBot, intents
from bot.interview.engine import InterviewEngine
from bot.reports import ReportService, ReportWorker
from cogs._cooldown import REPORT, Cooldowns
from cogs.interview import InterviewCog
from storage.db import Database
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, make_bank

log = logging.getLogger(__name__)

EPHEMERAL = 64
AUTOCOMPLETE = 4  # the APPLICATION_COMMAND_AUTOCOMPLETE interaction type
CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
ORIGINAL = "/webhooks/{application_id}/{interaction_token}/messages/@original"


class ReportEnv:
    """The interview cog with reports, on a fresh database."""

    def __init__(self, h: Harness, engine: InterviewEngine, worker: ReportWorker) -> None:
        self.h = h
        self.engine = engine
        self.worker = worker

    @property
    def fake(self) -> FakeDiscord:
        return self.h.fake

    def thread_id(self) -> int:
        (thread,) = self.fake.threads_of(self.h.channel_id)
        return int(thread["id"])

    def summary(self) -> dict[str, Any]:
        """Return the bot's message carrying the interview's summary embed."""
        return next(
            m
            for m in self.fake.messages_in(self.thread_id())
            if m.get("embeds")
            and "Interview" in m["embeds"][0].get("title", "")
            and m.get("components")
        )

    def edits(self) -> list[Any]:
        return self.fake.requests_to("PATCH", ORIGINAL)


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[ReportEnv]:
    db = await Database(tmp_path / "reports.sqlite3").open()
    worker = ReportWorker()
    engine = InterviewEngine(SqliteSessionStore(db), make_bank(), ScriptedEvaluator())
    bot = MockingbirdBot(intents=intents())
    bot.add_cog(
        InterviewCog(
            bot,
            engine,
            reports=ReportService(engine, worker, warm=worker.prewarm),
            cooldowns=Cooldowns({REPORT: 30}),
        )
    )
    try:
        async with harness(bot, discord_fake) as h:
            h.settle_timeout = 120  # the first render starts the worker process
            yield ReportEnv(h, engine, worker)
    finally:
        await worker.aclose()
        await db.close()


async def finished_interview(env: ReportEnv) -> None:
    await env.h.slash("interview", "start", options={"count": 1})
    await env.h.message("great answer", channel_id=env.thread_id())


async def test_the_summary_carries_a_download_button_that_sends_the_pdf(env: ReportEnv) -> None:
    await finished_interview(env)
    summary = env.summary()
    (row,) = summary["components"]
    assert [c["label"] for c in row["components"]] == ["Download report"]
    await env.h.click(summary, label="Download report")
    callbacks = env.fake.bodies_to("POST", CALLBACK)
    progress = callbacks[-1]
    assert progress["type"] == 4 and progress["data"]["flags"] & EPHEMERAL
    assert "Rendering your report" in progress["data"]["content"]
    (edit,) = env.edits()
    (upload,) = edit.files
    assert upload.filename.endswith(".pdf") and upload.data.startswith(b"%PDF-")
    assert len(upload.data) > 10_000
    assert "Here is your report of interview #" in edit.json["content"]
    assert env.h.command_errors == []


async def test_offering_a_report_starts_the_worker_before_anyone_clicks(env: ReportEnv) -> None:
    assert not env.worker.running
    await finished_interview(env)
    assert env.worker.running and env.worker.started == 1
    await env.h.click(env.summary(), label="Download report")
    (edit,) = env.edits()
    assert edit.files and env.worker.started == 1  # the warm process served the click


async def test_someone_else_clicking_gets_told_whose_report_it_is(env: ReportEnv) -> None:
    await finished_interview(env)
    await env.h.click(env.summary(), label="Download report", user=env.h.bob)
    (edit,) = env.edits()
    assert edit.files == []
    assert "Only the candidate can download" in edit.json["content"]


async def test_the_command_reports_the_latest_interview_and_cools_down(env: ReportEnv) -> None:
    await finished_interview(env)
    await env.h.slash("interview", "report")
    (edit,) = env.edits()
    assert edit.files and edit.files[0].data.startswith(b"%PDF-")
    await env.h.slash("interview", "report")
    refusals = [b for b in env.fake.bodies_to("POST", CALLBACK) if b["type"] == 4]
    assert "try again in" in refusals[-1]["data"]["content"].lower()
    assert len(env.edits()) == 1  # nothing rendered the second time


async def test_a_report_of_nothing_replaces_the_progress_message_and_refunds(
    env: ReportEnv,
) -> None:
    await env.h.slash("interview", "report", options={"interview": 99})
    (edit,) = env.edits()
    assert "I can't find interview #99" in edit.json["content"] and edit.files == []
    await env.h.slash("interview", "report")  # refunded: not cooling down
    assert "no interview to report on yet" in env.edits()[-1].json["content"]


async def test_autocomplete_lists_the_user_s_interviews(env: ReportEnv) -> None:
    await finished_interview(env)
    (row,) = await env.engine.history(int(env.h.alice["id"]), env.h.guild_id)
    command = env.h.command_definition("interview")
    data = p.slash_command_data(
        command, subcommand="report", options={"interview": 1}, guild_id=env.h.guild_id
    )
    option = data["options"][0]["options"][0]
    # What Discord sends while the user types: the partial value, marked focused.
    option.update(value=str(row.session_id)[:1], focused=True, type=p.INTEGER)
    payload = env.h._interaction(AUTOCOMPLETE, data, user=env.h.alice, channel_id=None, dm=False)
    await env.h.dispatch("INTERACTION_CREATE", payload)
    answer = env.fake.bodies_to("POST", CALLBACK)[-1]
    assert answer["type"] == 8
    (choice,) = answer["data"]["choices"]
    assert choice["value"] == row.session_id
    assert choice["name"].startswith(f"#{row.session_id} · behavioral")


async def test_the_command_is_registered_with_its_korean_name(env: ReportEnv) -> None:
    command = env.fake.command("interview")
    report = next(o for o in command["options"] if o["name"] == "report")
    assert report["name_localizations"]["ko"] == "리포트"
    (option,) = report["options"]
    assert option["name"] == "interview" and option["autocomplete"] is True
    start = next(o for o in command["options"] if o["name"] == "start")
    personalise = next(o for o in start["options"] if o["name"] == "personalise")
    assert [c["value"] for c in personalise["choices"]] == ["none", "resume", "job", "both"]


async def test_a_cooled_down_click_is_answered_not_raised(env: ReportEnv) -> None:
    await finished_interview(env)
    await env.h.click(env.summary(), label="Download report")
    await env.h.click(env.summary(), label="Download report")
    refusal = env.fake.bodies_to("POST", CALLBACK)[-1]
    assert refusal["type"] == 4 and refusal["data"]["flags"] & EPHEMERAL
    assert "try again in" in refusal["data"]["content"].lower()
    assert env.h.errors == [] and env.h.command_errors == []


async def test_the_report_messages_keep_the_client_s_language(
    env: ReportEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    await env.h.slash("interview", "start", options={"count": 1, "language": "en"})
    await env.h.message("great answer", channel_id=env.thread_id())
    monkeypatch.setattr(p, "interaction_base", functools.partial(p.interaction_base, locale="ko"))
    await env.h.click(env.summary(), label="Download report")
    rendering = env.fake.bodies_to("POST", CALLBACK)[-1]["data"]["content"]
    (edit,) = env.edits()
    assert edit.files  # the PDF itself stays in the interview's language (English)
    ready = edit.json["content"]
    assert rendering == text("reports.rendering", Language.KO)
    assert "리포트입니다" in ready and "Here is your report" not in ready

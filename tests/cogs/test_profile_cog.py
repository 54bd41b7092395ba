"""`/profile` and `/interview start personalise:` through py-cord against the spec-checked
fake: a real PDF attachment read and shown back, kept only on Keep; each bad file named; a
job description pasted in a modal; show and clear; an interview that asks about the resume."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from discord_harness import FakeDiscord, Harness, harness

from bot.discord_app import MockingbirdBot, intents
from bot.documents import PdfReader
from bot.interview.engine import InterviewEngine
from bot.profile import DocumentProblem, JobMemory, Memories, ProfileService
from cogs.interview import InterviewCog
from cogs.profile import ProfileCog
from storage.db import Database
from storage.profiles import SqliteProfileStore
from storage.sessions import SqliteSessionStore
from tests.fakes.clock import FixedClock
from tests.fakes.evaluator import ScriptedEvaluator
from tests.fakes.profile import JOB_EN, html_named_pdf, resume_pdf, scanned_pdf
from tests.progress.helpers import bank, catalogue

log = logging.getLogger(__name__)

EPHEMERAL = 64
FOLLOWUP = "/webhooks/{application_id}/{interaction_token}"
MB = 1024 * 1024


class ProfileEnv:
    """The profile and interview cogs on a fresh database."""

    def __init__(self, h: Harness, store: SqliteProfileStore) -> None:
        self.h = h
        self.store = store

    @property
    def fake(self) -> FakeDiscord:
        return self.h.fake

    def followups(self) -> list[dict[str, Any]]:
        return [dict(b or {}) for b in self.fake.bodies_to("POST", FOLLOWUP)]

    def last_reply(self) -> dict[str, Any]:
        """Return the last private reply the bot sent (its message, as stored)."""
        return self.fake.messages[max(self.fake.messages)]

    async def upload(self, data: bytes, name: str = "resume.pdf", size: int | None = None) -> None:
        attachment = self.fake.add_attachment(name, data, content_type="application/pdf")
        if size is not None:
            attachment["size"] = size
        await self.h.slash("profile", "resume", options={"file": attachment})


@pytest.fixture
async def env(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[ProfileEnv]:
    db = await Database(tmp_path / "profile.sqlite3").open()
    store = SqliteProfileStore(db)
    memory = JobMemory(store, catalogue())
    clock = FixedClock()
    engine = InterviewEngine(
        SqliteSessionStore(db), bank(), ScriptedEvaluator(), clock, memory=Memories((memory,))
    )
    profiles = ProfileService(store, PdfReader(), bank(), catalogue(), engine, clock, memory=memory)
    bot = MockingbirdBot(intents=intents())
    bot.add_cog(InterviewCog(bot, engine, profiles=profiles))
    bot.add_cog(ProfileCog(bot, profiles))
    try:
        async with harness(bot, discord_fake) as h:
            yield ProfileEnv(h, store)
    finally:
        await db.close()


async def test_a_resume_is_read_shown_and_kept_only_on_keep(env: ProfileEnv) -> None:
    await env.upload(resume_pdf())
    reply = env.followups()[-1]
    assert reply["flags"] & EPHEMERAL
    (embed,) = reply["embeds"]
    assert embed["title"] == "What I read in your resume"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "Senior Backend Engineer, Acme Payments" in fields["Roles"]
    assert "the payments ledger migration" in fields["Projects"]
    assert "Kafka" in fields["Skills"] and "40%" in fields["Measured results"]
    alice = int(env.h.alice["id"])
    assert (await env.store.profile(alice)).empty
    message = env.last_reply()
    await env.h.click(message, label="Keep it", user=env.h.bob)  # not theirs
    assert (await env.store.profile(alice)).empty
    await env.h.click(message, label="Keep it")
    kept = await env.store.profile(alice)
    assert kept.resume is not None and kept.resume.facts.projects
    assert "Kept." in env.fake.messages[int(message["id"])]["content"]
    assert env.h.command_errors == []


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (html_named_pdf(), "web page saved with a .pdf name"),
        (scanned_pdf(), "That PDF is a scan"),
        (b"", "That file is empty"),
    ],
    ids=["html", "scanned", "empty"],
)
async def test_each_bad_file_gets_its_own_message(env: ProfileEnv, data: bytes, said: str) -> None:
    await env.upload(data)
    assert said in env.followups()[-1]["content"]
    # Told through the global handler as a known error: no apology, no traceback.
    (error,) = env.h.command_errors
    assert isinstance(getattr(error, "original", None), DocumentProblem)
    assert "ref" not in env.followups()[-1]["content"]


async def test_a_huge_file_is_refused_without_being_downloaded(env: ProfileEnv) -> None:
    # The bytes are not even hosted: fetching them would fail with a 404.
    attachment = env.fake.add_attachment("cv.pdf", b"", content_type="application/pdf")
    env.fake.attachments.clear()
    attachment["size"] = 6 * MB
    await env.h.slash("profile", "resume", options={"file": attachment})
    assert "That file is 6.0 MB; resumes up to 5 MB are accepted" in env.followups()[-1]["content"]


async def test_a_job_description_is_pasted_in_a_modal_and_kept(env: ProfileEnv) -> None:
    await env.h.slash("profile", "job")
    modal = env.fake.bodies_to(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback"
    )[-1]
    assert modal["type"] == 9
    fields = [c["components"][0]["custom_id"] for c in modal["data"]["components"]]
    assert fields == ["job_title", "company", "job_text"]
    await env.h.submit_modal(
        modal["data"]["custom_id"],
        {"job_title": "Senior Backend Engineer", "company": "Acme", "job_text": JOB_EN},
    )
    (embed,) = env.followups()[-1]["embeds"]
    values = {f["name"]: f["value"] for f in embed["fields"]}
    assert "Scale and reliability" in values["Focus skills"]
    assert "senior" in values["Seniority"] and "system design" in values["Interviews it implies"]
    await env.h.click(env.last_reply(), label="Keep it")
    job = (await env.store.profile(int(env.h.alice["id"]))).job
    assert job is not None and job.title == "Senior Backend Engineer"


async def test_show_and_clear(env: ProfileEnv) -> None:
    await env.h.slash("profile", "show")
    assert "Nothing kept yet" in env.followups()[-1]["embeds"][0]["description"]
    await env.upload(resume_pdf())
    await env.h.click(env.last_reply(), label="Keep it")
    await env.h.slash("profile", "show")
    (embed,) = env.followups()[-1]["embeds"]
    assert "the payments ledger migration" in embed["fields"][0]["value"]
    await env.h.slash("profile", "clear")
    assert "Forgotten" in env.followups()[-1]["content"]
    assert (await env.store.profile(int(env.h.alice["id"]))).empty


async def test_a_personalised_interview_asks_about_the_resume(env: ProfileEnv) -> None:
    await env.upload(resume_pdf())
    await env.h.click(env.last_reply(), label="Keep it")
    await env.h.slash(
        "interview", "start", options={"count": 2, "personalise": "resume", "level": "senior"}
    )
    (thread,) = env.fake.threads_of(env.h.channel_id)
    texts = [
        (m.get("content") or "") + " ".join(e.get("description") or "" for e in m.get("embeds", []))
        for m in env.fake.messages_in(int(thread["id"]))
    ]
    assert any("Personalised with your resume" in t for t in texts)
    assert any(
        "You led the payments ledger migration at Acme Payments: walk me through" in t
        for t in texts
    )


async def test_personalising_without_a_profile_says_what_to_add(env: ProfileEnv) -> None:
    await env.h.slash("interview", "start", options={"personalise": "job"})
    assert env.fake.threads_of(env.h.channel_id) == []  # no empty thread left behind
    assert "/profile job" in env.followups()[-1]["content"]

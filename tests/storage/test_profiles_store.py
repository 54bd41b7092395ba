"""The profile store on SQLite (and its in-memory fake, held to the same rules): resume and job
kept as text and structure, cleared by part, plans kept with their interview, privacy."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.catalog import Kind, Language, Level
from bot.profile import (
    JobDescription,
    JobFacts,
    Personalise,
    PersonalPlan,
    PlannedQuestion,
    Project,
    Resume,
    ResumeFacts,
    Role,
)
from storage.db import Database
from storage.privacy import sqlite_privacy_registry
from storage.profiles import SqliteProfileStore
from tests.fakes.clock import T0
from tests.fakes.profile import InMemoryProfileStore

log = logging.getLogger(__name__)

ALICE, BOB = 770_077, 880_088
RESUME = Resume(
    text="ALICE-RESUME Jane Doe, Senior Engineer",
    facts=ResumeFacts(
        roles=(Role("Senior Engineer", "Acme", "2021 –"),),
        projects=(Project("the ledger migration", "led", "Acme", "Led the ledger migration"),),
        skills=("Python", "결제"),
        results=("cut latency by 40%",),
    ),
    pages=2,
    language=Language.EN,
    updated_at=T0,
    name="cv.pdf",
)
JOB = JobDescription(
    title="시니어 백엔드 엔지니어",
    company="에이크미",
    text="ALICE-JOB 대규모 결제 플랫폼",
    facts=JobFacts(
        "시니어 백엔드 엔지니어",
        "에이크미",
        kinds=(Kind.BEHAVIORAL, Kind.SYSTEM_DESIGN),
        focus=("scaling",),
        tags=("payments",),
        seniority=Level.SENIOR,
        context=("핀테크 스타트업",),
    ),
    language=Language.KO,
    updated_at=T0,
)
PLAN = PersonalPlan(
    mode=Personalise.BOTH,
    questions=(
        PlannedQuestion(
            "custom:behavioral:en:ownership:abc", "You led X?", "template", ("ownership",)
        ),
        PlannedQuestion("beh-proudest-project", "Tell me...", "bank"),
    ),
    focus=("scaling",),
    job_title="Engineer",
    company="Acme",
    session_id=31,
    created_at=T0,
)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "profiles.sqlite3").open()
    yield database
    await database.close()


Maker = Callable[[Database], Any]
STORES = [SqliteProfileStore, lambda _db: InMemoryProfileStore()]


@pytest.mark.parametrize("make", STORES, ids=["sqlite", "fake"])
async def test_a_resume_and_a_job_are_kept_and_read_back(db: Database, make: Maker) -> None:
    store = make(db)
    assert (await store.profile(ALICE)).empty
    await store.save_resume(ALICE, RESUME)
    await store.save_job(ALICE, JOB)
    found = await store.profile(ALICE)
    assert found.resume == RESUME and found.job == JOB
    assert (await store.profile(BOB)).empty


@pytest.mark.parametrize("make", STORES, ids=["sqlite", "fake"])
async def test_clearing_one_part_keeps_the_other(db: Database, make: Maker) -> None:
    store = make(db)
    await store.save_resume(ALICE, RESUME)
    await store.save_job(ALICE, JOB)
    assert await store.clear(ALICE, "resume")
    assert not await store.clear(ALICE, "resume")
    found = await store.profile(ALICE)
    assert found.resume is None and found.job == JOB
    assert await store.clear(ALICE)
    assert (await store.profile(ALICE)).empty
    assert not await store.clear(ALICE)


@pytest.mark.parametrize("make", STORES, ids=["sqlite", "fake"])
async def test_a_plan_is_kept_with_its_interview(db: Database, make: Maker) -> None:
    store = make(db)
    await store.save_plan(ALICE, PLAN)
    assert await store.plan(31) == PLAN
    assert await store.plan(32) is None


async def test_pruning_drops_what_is_older_than_retention(db: Database) -> None:
    store = SqliteProfileStore(db)
    await store.save_resume(ALICE, RESUME)
    await store.save_plan(ALICE, PLAN)
    assert await store.prune(T0 - timedelta(days=1)) == 0
    assert await store.prune(T0 + timedelta(days=1)) == 2
    assert (await store.profile(ALICE)).empty and await store.plan(31) is None


async def test_privacy_exports_and_erases_the_profile_and_plans(db: Database) -> None:
    store = SqliteProfileStore(db)
    await store.save_resume(ALICE, RESUME)
    await store.save_job(ALICE, JOB)
    await store.save_plan(ALICE, PLAN)
    await store.save_resume(BOB, RESUME)
    registry = sqlite_privacy_registry(db)
    found = await registry.export(ALICE)
    document = json.loads(json.dumps(found.document, ensure_ascii=False))
    assert document["counts"]["profiles"] == 1 and document["counts"]["personal_plans"] == 1
    profile = document["profile"]
    assert profile["resume"]["text"].startswith("ALICE-RESUME")
    assert profile["resume"]["read"]["projects"][0]["name"] == "the ledger migration"
    assert profile["job"]["text"] == "ALICE-JOB 대규모 결제 플랫폼"
    assert document["personal_plans"][0]["session_id"] == 31
    await registry.erase(ALICE)
    assert (await store.profile(ALICE)).empty and await store.plan(31) is None
    assert (await store.profile(BOB)).resume == RESUME
    gone = (await registry.export(ALICE)).document
    assert gone["profile"] is None and gone["personal_plans"] == []

"""The progress and stories cogs (with the interview cog, for answers) on the Discord fake."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from discord_harness import FakeDiscord, Harness, harness

from bot.catalog.bank import default_prompts_root
from bot.discord_app import MockingbirdBot, intents
from bot.interview.engine import InterviewEngine
from bot.progress import DrillService, ProgressService, SkillCatalogue
from bot.progress.ports import ChartRenderer
from bot.reports import ReportService
from bot.stories import CompetencySet, StoryReader, StoryService
from cogs.interview import InterviewCog
from cogs.progress import ProgressCog
from cogs.stories import StoriesCog
from storage.db import Database
from storage.progress import SqliteProgressStore
from storage.sessions import SqliteSessionStore
from storage.stories import SqliteStoryStore
from tests.fakes.clock import FixedClock
from tests.fakes.evaluator import ScriptedEvaluator
from tests.fakes.progress import FakeCharts, RecordingPdf
from tests.progress.helpers import bank

log = logging.getLogger(__name__)

FOLLOWUP = "/webhooks/{application_id}/{interaction_token}"


@dataclass
class ProgressEnv:
    """The bot with /interview, /progress, /drill and /stories, and what they run on."""

    h: Harness
    db: Database
    engine: InterviewEngine
    progress: ProgressService
    stories: StoryService
    story_store: SqliteStoryStore
    clock: FixedClock
    pdf: RecordingPdf

    @property
    def fake(self) -> FakeDiscord:
        return self.h.fake

    def followups(self) -> list[dict[str, Any]]:
        return [dict(b or {}) for b in self.fake.bodies_to("POST", FOLLOWUP)]

    def bot_messages(self, channel_id: int) -> list[dict[str, Any]]:
        return [
            m
            for m in self.fake.messages_in(channel_id)
            if int(m["author"]["id"]) == int(self.fake.bot_user["id"])
        ]


async def make_progress_env(
    tmp_path: Path, fake: FakeDiscord, charts: ChartRenderer | None = None
) -> AsyncIterator[ProgressEnv]:
    """Yield the cogs on a fresh SQLite file with the shipped bank and catalogues."""
    db = await Database(tmp_path / "progress.sqlite3").open()
    clock = FixedClock()
    root = default_prompts_root()
    story_store = SqliteStoryStore(db)
    stories = StoryService(StoryReader.load(root, CompetencySet.load(root)), story_store, clock)
    progress_store = SqliteProgressStore(db)
    progress = ProgressService(
        SkillCatalogue.load(root),
        progress_store,
        clock,
        habit_sources=(stories,),
        coverage=stories,
        charts=charts or FakeCharts(),
    )
    engine = InterviewEngine(
        SqliteSessionStore(db),
        bank(),
        ScriptedEvaluator(),
        clock,
        observers=(progress, stories),
        memory=progress,
    )
    drills = DrillService(engine, bank(), progress.catalogue, progress_store, clock)
    bot = MockingbirdBot(intents=intents())
    pdf = RecordingPdf()
    bot.add_cog(InterviewCog(bot, engine, reports=ReportService(engine, pdf, progress=progress)))
    bot.add_cog(ProgressCog(bot, progress, drills))
    bot.add_cog(StoriesCog(bot, stories))
    try:
        async with harness(bot, fake) as h:
            yield ProgressEnv(h, db, engine, progress, stories, story_store, clock, pdf)
    finally:
        await db.close()

"""Build every service once and hand them to the entry points."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.coaching.offline_evaluator import OfflineEvaluator
from bot.coaching.rubric import Rubric
from bot.config import Settings
from bot.interview.bank import QuestionBank
from bot.interview.engine import InterviewEngine
from bot.interview.ports import Clock
from storage.db import Database
from storage.sessions import SqliteSessionStore

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the entry points need, built once."""

    settings: Settings
    db: Database
    bank: QuestionBank
    rubric: Rubric
    engine: InterviewEngine

    async def close(self) -> None:
        """Release the database."""
        await self.db.close()


async def build_services(
    settings: Settings, database_path: Path | str | None = None, clock: Clock | None = None
) -> Services:
    """Open the database, load the banks and wire the engine."""
    prompts = settings.interview.prompts_path
    bank = QuestionBank.load(prompts)
    rubric = Rubric.load(prompts)
    db = await Database(database_path or settings.storage.database_path).open()
    store = SqliteSessionStore(db)
    engine = InterviewEngine(store, bank, OfflineEvaluator(rubric), clock)
    return Services(settings=settings, db=db, bank=bank, rubric=rubric, engine=engine)

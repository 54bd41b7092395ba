"""The interview cog wired to the spec-checked Discord fake, shared by the cog tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from discord_harness import FakeDiscord, Harness, harness

from bot.catalog.bank import QuestionBank
from bot.coaching.grading import Evaluator
from bot.discord_app import MockingbirdBot, intents
from bot.interview.engine import InterviewEngine
from bot.interview.ports import SessionStore
from cogs._cooldown import NO_COOLDOWNS, Cooldowns
from cogs.help import HelpCog
from cogs.interview import InterviewCog
from cogs.interview._audio import SpeechServices
from storage.db import Database
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, make_bank

log = logging.getLogger(__name__)


class Env:
    """The bot, its engine, evaluator and the harness."""

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

    def ephemeral_texts(self) -> list[str]:
        return [
            (b or {}).get("content") or ""
            for b in self.fake.bodies_to("POST", "/webhooks/{application_id}/{interaction_token}")
        ]


async def make_env(
    tmp_path: Path,
    fake: FakeDiscord,
    bank: QuestionBank | None = None,
    grader: Evaluator | None = None,
    *,
    speech: SpeechServices | None = None,
    cooldowns: Cooldowns = NO_COOLDOWNS,
    store: Callable[[Database], SessionStore] = SqliteSessionStore,
    help_cog: bool = False,
) -> AsyncIterator[Env]:
    """Yield the interview cog on a fresh SQLite file, with a scripted grader by default.

    ``store`` wraps the database in the session store (a test may refuse some writes);
    ``help_cog`` adds `/help` and the answer to stale buttons.
    """
    db = await Database(tmp_path / "bot.sqlite3").open()
    evaluator = ScriptedEvaluator()
    engine = InterviewEngine(store(db), bank or make_bank(), grader or evaluator)
    bot = MockingbirdBot(intents=intents())
    cog = InterviewCog(bot, engine, speech, cooldowns=cooldowns)
    bot.add_cog(cog)
    if help_cog:
        bot.add_cog(HelpCog(bot))
    try:
        async with harness(bot, fake) as h:
            yield Env(h, engine, evaluator, cog)
    finally:
        await db.close()

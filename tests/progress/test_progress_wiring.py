"""The composition root wires progress and stories into the engine, the bot and start-up."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.bootstrap import build_services, create_bot, start_up
from bot.catalog import Kind, Level
from bot.config import Settings
from bot.interview.engine import StartOptions

log = logging.getLogger(__name__)

STORY = (
    "Last year at Acme our checkout team learned from support tickets that 30% of users "
    "abandoned the address form on mobile. I was the engineer who owned the form, so I ran "
    "five user interviews, then I rebuilt the form with autocomplete and fewer fields. As a "
    "result, mobile conversion went up by 12% within a month and tickets dropped by 40%."
)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    return Settings(env_file=None)


async def test_a_graded_answer_reaches_progress_and_stories_and_retention_prunes_them(
    settings: Settings, tmp_path: Path
) -> None:
    services = await build_services(settings, tmp_path / "bot.sqlite3")
    try:
        options = StartOptions(
            9, None, Kind.BEHAVIORAL, Level.MID, 1, question_ids=("beh-changed-course-for-users",)
        )
        session, _ = await services.engine.start(options)
        assert session.id is not None
        await services.engine.answer(session.id, STORY)
        learning = services.learning
        assert await learning.progress_store.skills(9)
        assert len(await learning.story_store.stories(9)) == 1
        bot = create_bot(services)
        assert bot.get_cog("ProgressCog") is not None and bot.get_cog("StoriesCog") is not None
        assert not learning.reports.running  # the chart worker starts on the first chart
        soon = await start_up(services, now=datetime.now(UTC) + timedelta(days=30))
        assert soon.progress_pruned == 0
        later = await start_up(services, now=datetime.now(UTC) + timedelta(days=400))
        assert later.progress_pruned > 0
        assert await learning.progress_store.skills(9) == {}
        assert await learning.story_store.stories(9) == []
    finally:
        await services.close()

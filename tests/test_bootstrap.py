"""The composition root builds without side effects; start-up steps are explicit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.bootstrap import build_services, create_bot, start_up
from bot.catalog import Kind, Language, Level
from bot.config import Settings
from bot.interview.models import Session


def _session(created: datetime, user_id: int) -> Session:
    return Session(
        user_id=user_id,
        guild_id=1,
        kind=Kind.BEHAVIORAL,
        level=Level.MID,
        start_level=Level.MID,
        question_count=1,
        language=Language.EN,
        role=None,
        channel_id=None,
        created_at=created,
    )


async def test_building_prunes_nothing_and_start_up_prunes_past_retention(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    services = await build_services(Settings(env_file=None), path)
    try:
        stored = await services.sessions.create_session(_session(datetime.now(UTC), 7))
    finally:
        await services.close()
    assert stored.id is not None

    services = await build_services(Settings(env_file=None), path)
    try:
        # Opening the services again is not a reason to delete anything.
        assert await services.sessions.get_session(stored.id) is not None
        soon = await start_up(services, now=datetime.now(UTC) + timedelta(days=30))
        assert soon.sessions_pruned == 0
        # A year and more later (default retention: 365 days) the start-up step deletes it.
        later = await start_up(services, now=datetime.now(UTC) + timedelta(days=400))
        assert later.sessions_pruned == 1
        assert await services.sessions.get_session(stored.id) is None
    finally:
        await services.close()


async def test_every_service_is_built_once_and_shared(tmp_path: Path) -> None:
    services = await build_services(Settings(env_file=None), tmp_path / "bot.sqlite3")
    try:
        bot = create_bot(services)
        interview = bot.get_cog("InterviewCog")
        assert interview is not None
        assert interview.engine is services.engine
        assert interview.inbox is services.inbox
        assert bot.voice_coach is not None
    finally:
        await services.close()

"""A server's shorter retention: the start-up step prunes that server's data, nobody else's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.bootstrap import build_services, start_up
from bot.catalog import Kind, Language, Level
from bot.config import Settings
from bot.interview.models import Session

SHORT, OTHER = 41, 42


def _session(guild_id: int, user_id: int) -> Session:
    return Session(
        user_id=user_id,
        guild_id=guild_id,
        kind=Kind.BEHAVIORAL,
        level=Level.MID,
        start_level=Level.MID,
        question_count=1,
        language=Language.EN,
        role=None,
        channel_id=None,
        created_at=datetime.now(UTC),
    )


async def test_start_up_prunes_a_server_keeping_less_than_the_bot(tmp_path: Path) -> None:
    services = await build_services(Settings(env_file=None), tmp_path / "bot.sqlite3")
    try:
        assert services.guilds is not None
        short = await services.sessions.create_session(_session(SHORT, 7))
        other = await services.sessions.create_session(_session(OTHER, 8))
        assert short.id is not None and other.id is not None
        await services.guilds.settings.set_retention(SHORT, 7, Language.EN)
        soon = await start_up(services, now=datetime.now(UTC) + timedelta(days=3))
        assert soon.server_data_pruned == 0
        later = await start_up(services, now=datetime.now(UTC) + timedelta(days=10))
        assert later.server_data_pruned == 1 and later.sessions_pruned == 0
        assert await services.sessions.get_session(short.id) is None
        # The other server keeps the bot's retention (a year by default).
        assert await services.sessions.get_session(other.id) is not None
    finally:
        await services.close()

"""Round history on SQLite: attendance for everyone, scores only for members who share."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.rounds.history import RoundHistory
from bot.rounds.model import Rating, RoundStatus
from storage.db import Database
from storage.guild_settings import SqliteGuildRetention
from storage.round_history import SqliteRoundHistory
from tests.fakes.clock import FixedClock

GUILD, OTHER = 500, 501
ALICE, BOB, CAROL = 770_001, 770_002, 770_003
T = "2026-11-01T19:00:00+00:00"
LATER = "2026-11-08T19:00:00+00:00"

SEED = f"""
INSERT INTO users (id, created_at) VALUES ({ALICE}, '{T}'), ({BOB}, '{T}'), ({CAROL}, '{T}');
INSERT INTO guilds (id, created_at) VALUES ({GUILD}, '{T}'), ({OTHER}, '{T}');
INSERT INTO rounds (id, guild_id, voice_channel_id, host_id, mode, kind, level, language,
    turns_each, status, created_at, ended_at) VALUES
    (1, {GUILD}, 60, {ALICE}, 'group', 'behavioral', 'mid', 'en', 1, 'finished', '{T}', '{T}'),
    (2, {GUILD}, 61, {BOB}, 'group', 'behavioral', 'mid', 'en', 1, 'stopped', '{LATER}', '{LATER}'),
    (3, {GUILD}, 60, {ALICE}, 'solo', 'behavioral', 'mid', 'en', 1, 'finished', '{T}', '{T}'),
    (4, {OTHER}, 70, {ALICE}, 'group', 'behavioral', 'mid', 'en', 1, 'finished', '{T}', '{T}'),
    (5, {GUILD}, 60, {ALICE}, 'group', 'behavioral', 'mid', 'en', 1, 'running', '{LATER}', NULL);
INSERT INTO round_participants (id, round_id, user_id, position, consented_at, answered) VALUES
    (11, 1, {ALICE}, 0, '{T}', 1), (12, 1, {BOB}, 1, '{T}', 1),
    (13, 2, {BOB}, 0, '{LATER}', 1), (14, 2, {CAROL}, 1, '{LATER}', 0),
    (15, 4, {ALICE}, 0, '{T}', 1);
INSERT INTO round_answers (id, round_id, participant_id, score, created_at) VALUES
    (21, 1, 11, 70, '{T}'), (22, 1, 12, 55, '{T}'), (23, 2, 13, 80, '{LATER}'),
    (24, 4, 15, 90, '{T}');
INSERT INTO peer_ratings (answer_id, rater_id, rating, created_at, updated_at) VALUES
    (21, {BOB}, 'strong', '{T}', '{T}'), (22, {ALICE}, 'unclear', '{T}', '{T}'),
    (23, {CAROL}, 'useful', '{LATER}', '{LATER}');
"""


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "history.sqlite3").open()
    await database.conn.executescript(SEED)
    yield database
    await database.close()


async def test_everyone_sees_attendance_and_only_sharers_scores(db: Database) -> None:
    history = RoundHistory(SqliteRoundHistory(db), FixedClock())
    seen = await history.history(GUILD, CAROL)
    assert [r.round_id for r in seen.rounds] == [2, 1]  # group rounds that ended, newest first
    assert seen.rounds[0].attendees == (BOB, CAROL) and seen.rounds[0].status is RoundStatus.STOPPED
    assert seen.rounds[1].answers == 2
    # Carol sees her own figures, nobody else's (nobody shares yet).
    assert set(seen.members) == {CAROL} and not seen.viewer_opted_in
    assert await history.share(GUILD, BOB, True)
    assert not await history.share(GUILD, BOB, True)
    seen = await history.history(GUILD, CAROL)
    assert set(seen.members) == {BOB, CAROL}
    bob = seen.members[BOB]
    assert [(r.round_id, r.scores) for r in bob] == [(2, (80,)), (1, (55,))]
    assert bob[0].ratings[Rating.USEFUL] == 1 and bob[1].ratings[Rating.UNCLEAR] == 1
    # Sharing is per server: Alice's other server shows nothing here.
    alice = await history.history(GUILD, ALICE)
    assert [r.round_id for r in alice.members[ALICE]] == [1]
    assert await history.share(GUILD, BOB, False)
    assert set((await history.history(GUILD, ALICE)).members) == {ALICE}


async def test_a_server_retention_prunes_only_that_servers_old_data(db: Database) -> None:
    pruned = await SqliteGuildRetention(db).prune(GUILD, datetime(2026, 11, 5, tzinfo=UTC))
    assert pruned > 0
    async with db.conn.execute("SELECT id FROM rounds ORDER BY id") as cur:
        left = [r[0] for r in await cur.fetchall()]
    # Round 1 and the solo round 3 are older than the cutoff; the running one stays.
    assert left == [2, 4, 5]
    async with db.conn.execute("SELECT COUNT(*) FROM peer_ratings") as cur:
        row = await cur.fetchone()
    assert row is not None and row[0] == 1
    cutoff = datetime(2026, 11, 5, tzinfo=UTC) + timedelta(days=30)
    await SqliteGuildRetention(db).prune(OTHER, cutoff)
    async with db.conn.execute("SELECT id FROM rounds ORDER BY id") as cur:
        assert [r[0] for r in await cur.fetchall()] == [2, 5]

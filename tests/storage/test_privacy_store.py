"""The SQLite registry exports and erases everything of one user, leaving everyone else's data."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.catalog import Kind, Language, Level
from bot.coaching.models import Coaching, Dimension, Evaluation, Evidence, Finding, Severity
from bot.interview.models import Attempt, Session, SessionStatus, Turn, TurnStatus
from bot.rounds.model import Participant, Rating, Round, RoundMode, RoundStatus
from storage.db import Database
from storage.privacy import SqlitePrivacyLookups, sqlite_privacy_registry
from storage.rounds import SqliteRoundStore
from storage.sessions import SqliteSessionStore

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
# Ids far from the small autoincrement row ids, so a leaked user id cannot hide among them.
ALICE, BOB, GUILD = 770_077, 880_088, 500
ALICE_ANSWER = "ALICE-ANSWER: I led the database migration and cut latency by 40 percent."
ALICE_RETRY = "ALICE-RETRY: I owned the migration end to end; p99 fell from 900 to 540 ms."
BOB_ANSWER = "BOB-ANSWER: our team shipped the feature on time."
BOB_RETRY = "BOB-RETRY: I wrote the rollout plan."
# Today's export keys and counts, in order: existing users' exports must look the same.
TOP_KEYS = [
    "format",
    "exported_at",
    "user_id",
    "first_seen",
    "notes",
    "counts",
    "sessions",
    "voice",
    "progress",
    "stories",
    "negotiations",
    "schedules",
    "round_history_shared",
    "profile",
    "personal_plans",
]
COUNT_KEYS = [
    "sessions",
    "turns",
    "findings",
    "attempts",
    "voice_consents",
    "round_answers",
    "ratings_received",
    "ratings_given",
    "rounds_hosted",
    "skills",
    "skill_evidence",
    "drill_schedules",
    "practice_log",
    "drills",
    "stories",
    "story_tellings",
    "negotiations",
    "negotiation_messages",
    "schedule_rsvps",
    "schedules_created",
    "history_opt_ins",
    "profiles",
    "personal_plans",
]
# The progress, story and negotiation stores: nothing of theirs is seeded here
# (tests/privacy seeds them).
PROGRESS_COUNTS = dict.fromkeys(COUNT_KEYS[COUNT_KEYS.index("skills") :], 0)


def evaluation(score: int) -> Evaluation:
    return Evaluation(
        score=score,
        dimensions={Dimension.STRUCTURE: score, Dimension.DEPTH: 60},
        findings=(
            Finding(
                "communication.hedging",
                Dimension.COMMUNICATION,
                Severity.MINOR,
                "Hedge",
                "Commit.",
                Evidence("database migration", 10, 28, 1200, 1500),
            ),
            Finding(
                "structure.result_missing",
                Dimension.STRUCTURE,
                Severity.MAJOR,
                "No result",
                "Say how it ended.",
                Evidence.missing(),
            ),
        ),
        coaching=Coaching("Clear ownership.", "Name the result.", "Lead with the number."),
        source="offline",
        word_count=12,
        rubric_score=64,
    )


@dataclass
class Seeded:
    alice_session: int
    alice_active: int
    alice_turn: int
    bob_session: int
    group_round: int
    solo_round: int
    alice_round_answer: int
    bob_round_answer: int


async def add_session(
    sessions: SqliteSessionStore,
    user_id: int,
    answer: str,
    retry: str,
    *,
    channel_id: int | None = None,
    status: SessionStatus = SessionStatus.FINISHED,
) -> tuple[int, int]:
    session = await sessions.create_session(
        Session(
            user_id,
            GUILD,
            Kind.BEHAVIORAL,
            Level.MID,
            Level.MID,
            3,
            Language.EN,
            "Backend engineer",
            channel_id,
            T0,
            status=status,
        )
    )
    assert session.id is not None
    turn = Turn(
        0,
        "beh.conflict",
        "Tell me about a migration.",
        Level.MID,
        status=TurnStatus.EVALUATED,
        answer=answer,
        evaluation=evaluation(70),
    )
    await sessions.save_turn(session.id, turn)
    assert turn.id is not None
    await sessions.save_attempt(Attempt(turn.id, retry, evaluation(85), T0 + timedelta(minutes=3)))
    return session.id, turn.id


async def seed(db: Database) -> Seeded:
    """Alice and Bob each have an interview with a retry; they rated each other in a round."""
    sessions, rounds = SqliteSessionStore(db), SqliteRoundStore(db)
    alice_session, alice_turn = await add_session(sessions, ALICE, ALICE_ANSWER, ALICE_RETRY)
    alice_active, _ = await add_session(
        sessions, ALICE, "ALICE-ACTIVE answer", "x", channel_id=900, status=SessionStatus.ACTIVE
    )
    bob_session, bob_turn = await add_session(sessions, BOB, BOB_ANSWER, BOB_RETRY)

    group = await rounds.create_round(
        Round(
            guild_id=GUILD,
            voice_channel_id=600,
            host_id=ALICE,
            kind=Kind.BEHAVIORAL,
            level=Level.MID,
            language=Language.EN,
            turns_each=1,
            created_at=T0,
            mode=RoundMode.GROUP,
            thread_id=700,
        )
    )
    assert group.id is not None
    await rounds.save_participant(group.id, Participant(ALICE, 0, T0, session_id=alice_session))
    await rounds.save_participant(group.id, Participant(BOB, 1, T0, session_id=bob_session))
    a = await rounds.record_answer(group.id, ALICE, alice_session, alice_turn, 0, 81, T0)
    b = await rounds.record_answer(group.id, BOB, bob_session, bob_turn, 0, 55, T0)
    await rounds.rate(a.id, BOB, Rating.STRONG, T0 + timedelta(minutes=1))
    await rounds.rate(b.id, ALICE, Rating.USEFUL, T0 + timedelta(minutes=2))
    group.finish(T0 + timedelta(minutes=10))
    await rounds.save_round(group)

    solo = await rounds.create_round(
        Round(
            guild_id=GUILD,
            voice_channel_id=601,
            host_id=ALICE,
            kind=Kind.TECHNICAL,
            level=Level.MID,
            language=Language.EN,
            turns_each=1,
            created_at=T0,
            mode=RoundMode.SOLO,
        )
    )
    assert solo.id is not None
    await rounds.save_participant(solo.id, Participant(ALICE, 0, T0))
    solo.finish(T0 + timedelta(minutes=5), stopped=True)
    await rounds.save_round(solo)
    return Seeded(
        alice_session, alice_active, alice_turn, bob_session, group.id, solo.id, a.id, b.id
    )


def walk(value: Any) -> Iterator[Any]:
    """Yield every key and scalar inside a JSON-like value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v)
    else:
        yield value


def timestamps(value: Any, key: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from timestamps(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from timestamps(v, key)
    elif isinstance(value, str) and (key.endswith("_at") or key == "first_seen"):
        yield value


async def table_count(db: Database, table: str) -> int:
    async with db.conn.execute(f"SELECT COUNT(*) FROM {table}") as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "privacy.sqlite3").open()
    yield database
    await database.close()


async def test_export_holds_the_users_data_and_nobody_elses(db: Database) -> None:
    ids = await seed(db)
    data = (await sqlite_privacy_registry(db).export(ALICE)).document
    data = json.loads(json.dumps(data))  # JSON-ready: survives a round trip unchanged

    assert list(data) == TOP_KEYS and list(data["counts"]) == COUNT_KEYS
    assert data["format"] == "mockingbird-export/1"
    assert list(data["voice"]) == ["consents", "answers", "ratings_given", "rounds_hosted"]

    assert data["user_id"] == ALICE and data["first_seen"] is not None
    assert any("Audio is never stored" in n for n in data["notes"])
    values = list(walk(data))
    texts = [v for v in values if isinstance(v, str)]
    assert ALICE_ANSWER in texts and ALICE_RETRY in texts
    assert not any("BOB-" in t for t in texts)
    assert BOB not in values and "rater_id" not in values

    first, active = data["sessions"]
    assert (first["id"], active["id"]) == (ids.alice_session, ids.alice_active)
    assert active["status"] == "active" and active["channel_id"] == 900
    (turn,) = first["turns"]
    assert turn["question"] == "Tell me about a migration." and turn["answer"] == ALICE_ANSWER
    assert turn["score"] == 70 and turn["dimensions"] == {"structure": 70, "depth": 60}
    assert turn["coaching"] == {
        "praise": "Clear ownership.",
        "fix": "Name the result.",
        "tip": "Lead with the number.",
    }
    assert turn["extra"]["rubric_score"] == 64
    quoted, absent = turn["findings"]
    assert quoted["evidence"] == {
        "quote": "database migration",
        "start_char": 10,
        "end_char": 28,
        "start_ms": 1200,
        "end_ms": 1500,
    }
    assert absent["rule_id"] == "structure.result_missing" and absent["evidence"] == {
        "absent": True
    }
    (attempt,) = turn["rewind_attempts"]
    assert attempt["answer"] == ALICE_RETRY and attempt["score"] == 85
    assert attempt["evaluation"]["coaching"]["tip"] == "Lead with the number."

    voice = data["voice"]
    assert [c["round_id"] for c in voice["consents"]] == [ids.group_round, ids.solo_round]
    assert all(c["you_hosted"] for c in voice["consents"])
    (answer,) = voice["answers"]
    assert answer["id"] == ids.alice_round_answer and answer["score"] == 81
    assert [r["rating"] for r in answer["ratings_received"]] == ["strong"]
    (given,) = voice["ratings_given"]
    assert (given["answer_id"], given["rating"]) == (ids.bob_round_answer, "useful")
    assert [r["round_id"] for r in voice["rounds_hosted"]] == [ids.group_round, ids.solo_round]
    assert data["counts"]["ratings_given"] == 1

    found = list(timestamps(data))
    assert len(found) > 10
    for stamp in found:
        assert datetime.fromisoformat(stamp).utcoffset() == timedelta(0), stamp


async def test_delete_removes_everything_of_the_user_and_keeps_the_other_user(
    db: Database,
) -> None:
    ids = await seed(db)
    store = sqlite_privacy_registry(db)
    running = await SqlitePrivacyLookups(db).active_interviews(ALICE)
    assert [(s.session_id, s.channel_id) for s in running] == [(ids.alice_active, 900)]
    bob_before = (await store.export(BOB)).document

    deletion = await store.erase(ALICE)

    assert deletion.counts.as_dict() == {
        "sessions": 2,
        "turns": 2,
        "findings": 4,
        "attempts": 2,
        "voice_consents": 2,
        "round_answers": 1,
        "ratings_received": 1,
        "ratings_given": 1,
        "rounds_hosted": 2,
        **PROGRESS_COUNTS,
    }
    assert deletion.counts.total == 15  # hosted rounds are shared, not the user's own rows
    assert deletion.outcome("user_rows") == 1 and not deletion.nothing
    assert (deletion.outcome("rounds_unhosted"), deletion.outcome("rounds_removed")) == (1, 1)

    assert not any((await store.counts(ALICE)).values())
    assert await SqlitePrivacyLookups(db).active_interviews(ALICE) == []
    gone = (await store.export(ALICE)).document
    assert gone["sessions"] == [] and gone["first_seen"] is None
    assert all(v == [] for v in gone["voice"].values())
    async with db.conn.execute("SELECT 1 FROM users WHERE id = ?", (ALICE,)) as cur:
        assert await cur.fetchone() is None

    # Bob keeps everything except Alice's rating of his answer and his rating of hers
    # (it hung off her answer, which is gone).
    bob_after = (await store.export(BOB)).document
    assert bob_after["sessions"] == bob_before["sessions"]
    assert bob_after["voice"]["consents"] == bob_before["voice"]["consents"]
    assert [r["rating"] for r in bob_before["voice"]["ratings_given"]] == ["strong"]
    assert bob_after["voice"]["ratings_given"] == []
    (before_answer,) = bob_before["voice"]["answers"]
    (after_answer,) = bob_after["voice"]["answers"]
    assert [r["rating"] for r in before_answer["ratings_received"]] == ["useful"]
    assert after_answer["ratings_received"] == []
    assert {k: v for k, v in after_answer.items() if k != "ratings_received"} == {
        k: v for k, v in before_answer.items() if k != "ratings_received"
    }
    texts = [v for v in walk(bob_after) if isinstance(v, str)]
    assert BOB_ANSWER in texts and BOB_RETRY in texts

    # The group round stays for Bob without a host; the solo round nobody else was in is gone.
    rounds = SqliteRoundStore(db)
    group = await rounds.get_round(ids.group_round)
    assert group is not None and group.host_id == 0
    assert [p.user_id for p in group.participants] == [BOB]
    assert await rounds.get_round(ids.solo_round) is None
    assert [a.user_id for a in await rounds.answers(ids.group_round)] == [BOB]
    assert await rounds.ratings(ids.group_round) == []

    again = await store.erase(ALICE)
    assert again.nothing and not any(again.counts.values())


async def test_delete_does_not_depend_on_foreign_key_cascades(db: Database) -> None:
    await seed(db)
    await db.conn.execute("PRAGMA foreign_keys = OFF")
    await sqlite_privacy_registry(db).erase(ALICE)
    orphans = {
        "turns": "SELECT COUNT(*) FROM turns WHERE session_id NOT IN (SELECT id FROM sessions)",
        "findings": "SELECT COUNT(*) FROM findings WHERE turn_id NOT IN (SELECT id FROM turns)",
        "attempts": "SELECT COUNT(*) FROM attempts WHERE turn_id NOT IN (SELECT id FROM turns)",
        "answers": "SELECT COUNT(*) FROM round_answers"
        " WHERE participant_id NOT IN (SELECT id FROM round_participants)",
        "ratings": "SELECT COUNT(*) FROM peer_ratings"
        " WHERE answer_id NOT IN (SELECT id FROM round_answers) OR rater_id = 770077",
    }
    for name, sql in orphans.items():
        async with db.conn.execute(sql) as cur:
            row = await cur.fetchone()
        assert row is not None and row[0] == 0, name
    assert await table_count(db, "sessions") == 1  # Bob's


async def test_a_user_with_nothing_stored(db: Database) -> None:
    await seed(db)
    store = sqlite_privacy_registry(db)
    totals = {t: await table_count(db, t) for t in ("sessions", "turns", "peer_ratings", "rounds")}

    data = (await store.export(123)).document
    assert data["sessions"] == [] and data["first_seen"] is None
    assert data["counts"] == dict.fromkeys(COUNT_KEYS, 0)

    deletion = await store.erase(123)
    assert deletion.nothing and deletion.outcomes == {
        "user_rows": 0,
        "rounds_unhosted": 0,
        "rounds_removed": 0,
        "schedules_uncredited": 0,
    }
    assert await SqlitePrivacyLookups(db).active_interviews(123) == []
    assert {t: await table_count(db, t) for t in totals} == totals
    assert (await store.erase(ALICE)).counts["sessions"] == 2  # the seeded user still deletes


async def test_live_voice_rounds_lists_only_rounds_the_user_is_still_in(db: Database) -> None:
    rounds = SqliteRoundStore(db)
    lookups = SqlitePrivacyLookups(db)

    async def live_ids(user_id: int) -> list[int]:
        return [r.round_id for r in await lookups.live_voice_rounds(user_id)]

    live = await rounds.create_round(
        Round(
            guild_id=GUILD,
            voice_channel_id=600,
            host_id=BOB,
            kind=Kind.BEHAVIORAL,
            level=Level.MID,
            language=Language.EN,
            turns_each=1,
            created_at=T0,
            status=RoundStatus.RUNNING,
        )
    )
    assert live.id is not None
    assert await live_ids(ALICE) == []
    p = await rounds.save_participant(live.id, Participant(ALICE, 0, T0))
    assert await live_ids(ALICE) == [live.id]
    assert (await lookups.live_voice_rounds(ALICE))[0].guild_id == GUILD
    assert await live_ids(BOB) == []  # hosting without consent is not taking part
    p.left = True
    await rounds.save_participant(live.id, p)
    assert await live_ids(ALICE) == []


async def test_latest_language_is_the_newest_sessions(db: Database) -> None:
    lookups = SqlitePrivacyLookups(db)
    assert await lookups.latest_language(ALICE) is None
    await seed(db)
    assert await lookups.latest_language(ALICE) == "en"
    session = await SqliteSessionStore(db).create_session(
        Session(ALICE, None, Kind.BEHAVIORAL, Level.MID, Level.MID, 1, Language.KO, None, None, T0)
    )
    assert session.id is not None
    assert await lookups.latest_language(ALICE) == "ko"
    (active,) = [a for a in await lookups.active_interviews(ALICE) if a.session_id == session.id]
    assert active.language is Language.KO

"""Attempts (rewind retries) and the pending rewind in the SQLite session store."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.catalog import Kind, Language, Level
from bot.coaching.models import Coaching, Dimension, Evaluation
from bot.interview.models import Attempt, Session, Turn, TurnStatus
from storage.db import Database
from storage.sessions import SqliteSessionStore, evaluation_from_json, evaluation_to_json
from tests.storage.evaluations import rich_evaluation

WHEN = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_evaluations_written_by_older_versions_still_read() -> None:
    # Before typed fields, these lived in an "extra" bag with other names.
    old = {
        "score": 60,
        "dimensions": {d.value: 60 for d in Dimension},
        "findings": [],
        "coaching": {"praise": "p", "fix": "f", "tip": "t"},
        "extra": {
            "llm_failed": True,
            "llm_budget_exhausted": True,
            "note": "BUDGET",
            "budget_resets_at": "2026-11-24T00:00:00+00:00",
            "assessed_dimensions": ["structure", "depth"],
            "provider": "anthropic",
            "rewrites": [{"style": "ideal", "text": "x", "estimated_score": 90}],
        },
    }
    ev = evaluation_from_json(json.dumps(old))
    assert ev.budget_exhausted and ev.fallback is not None and ev.fallback.note == "BUDGET"
    assert ev.assessed == (Dimension.STRUCTURE, Dimension.DEPTH)
    assert ev.provenance is not None and ev.provenance.provider == "anthropic"
    assert ev.rewrites[0].estimated_score == 90


def test_evaluation_json_round_trip_is_lossless() -> None:
    ev = rich_evaluation()
    assert evaluation_from_json(evaluation_to_json(ev)) == ev


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteSessionStore]:
    async with Database(tmp_path / "s.sqlite3") as db:
        yield SqliteSessionStore(db)


async def make_session(store: SqliteSessionStore, status_turn: TurnStatus) -> tuple[int, Turn]:
    session = await store.create_session(
        Session(7, 9, Kind.BEHAVIORAL, Level.MID, Level.MID, 3, Language.EN, None, 321, WHEN)
    )
    assert session.id is not None
    turn = Turn(0, "q", "Question?", Level.MID, status=status_turn, answer="a")
    await store.save_turn(session.id, turn)
    return session.id, turn


async def test_attempts_are_kept_in_order_per_turn(store: SqliteSessionStore) -> None:
    _, turn = await make_session(store, TurnStatus.EVALUATED)
    assert turn.id is not None
    assert await store.attempts(turn.id) == []
    first = await store.save_attempt(Attempt(turn.id, "retry one", rich_evaluation(), WHEN))
    await store.save_attempt(
        Attempt(turn.id, "retry two", Evaluation(10, {}, (), Coaching("", "", "")), WHEN)
    )
    found = await store.attempts(turn.id)
    assert [a.answer for a in found] == ["retry one", "retry two"]
    assert found[0].id == first.id and found[0].evaluation == rich_evaluation()
    assert found[0].created_at == WHEN


async def test_pending_rewind_is_found_by_channel_whatever_the_status(
    store: SqliteSessionStore,
) -> None:
    session_id, turn = await make_session(store, TurnStatus.EVALUATED)
    assert await store.rewind_in_channel(321) is None
    await store.set_rewind(session_id, turn.id)
    found = await store.rewind_in_channel(321)
    assert found is not None and found.rewind_turn_id == turn.id
    session = await store.get_session(session_id)
    assert session is not None
    session.status = session.status.FINISHED
    await store.update_session(session)
    assert (await store.rewind_in_channel(321)) is not None
    assert await store.session_in_channel(321) is None
    await store.set_rewind(session_id, None)
    assert await store.rewind_in_channel(321) is None


async def test_latest_session_and_turn_owner(store: SqliteSessionStore) -> None:
    assert await store.latest_session(7, 9) is None
    session_id, turn = await make_session(store, TurnStatus.EVALUATED)
    latest = await store.latest_session(7, 9)
    assert latest is not None and latest.id == session_id
    assert await store.latest_session(7, 10) is None
    assert turn.id is not None
    assert await store.turn_owner(turn.id) == session_id
    assert await store.turn_owner(turn.id + 1000) is None

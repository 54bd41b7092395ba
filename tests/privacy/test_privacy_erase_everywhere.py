"""Registry export and erase over the real schema: the user's rows go from every declared
table, every other user's rows stay exactly as they were, the export names nobody else."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.privacy import OnErase, StoreDeclaration
from storage.db import Database
from storage.privacy import personal_stores, sqlite_privacy_registry
from tests.fakes.privacy import MemoryTables, owned_ids

log = logging.getLogger(__name__)

# Far from any row id, so a leftover user id cannot hide among them.
ALICE, BOB = 770_077, 880_088
T = "2026-11-23T09:00:00+00:00"

SEED = f"""
INSERT INTO users (id, created_at) VALUES ({ALICE}, '{T}'), ({BOB}, '{T}');
INSERT INTO guilds (id, created_at) VALUES (500, '{T}');
INSERT INTO sessions (id, user_id, guild_id, kind, level, start_level, question_count,
    language, status, created_at, updated_at) VALUES
    (1, {ALICE}, 500, 'behavioral', 'mid', 'mid', 2, 'en', 'finished', '{T}', '{T}'),
    (2, {BOB}, 500, 'behavioral', 'mid', 'mid', 2, 'en', 'finished', '{T}', '{T}');
INSERT INTO turns (id, session_id, idx, question_id, prompt, level, status, answer, score,
    created_at, updated_at) VALUES
    (11, 1, 0, 'q1', 'Q?', 'mid', 'evaluated', 'ALICE-ANSWER', 70, '{T}', '{T}'),
    (12, 2, 0, 'q1', 'Q?', 'mid', 'evaluated', 'BOB-ANSWER', 60, '{T}', '{T}');
UPDATE sessions SET rewind_turn_id = 11 WHERE id = 1;
INSERT INTO findings (id, turn_id, rule_id, dimension, severity, message, fix, quote) VALUES
    (21, 11, 'structure.result_missing', 'structure', 'major', 'No result', 'Say it.', NULL),
    (22, 12, 'structure.result_missing', 'structure', 'major', 'No result', 'Say it.', 'BOB');
INSERT INTO attempts (id, turn_id, answer, score, evaluation, created_at) VALUES
    (31, 11, 'ALICE-RETRY', 80, '{{}}', '{T}'), (32, 12, 'BOB-RETRY', 65, '{{}}', '{T}');
INSERT INTO rounds (id, guild_id, voice_channel_id, host_id, mode, kind, level, language,
    turns_each, status, created_at, ended_at) VALUES
    (41, 500, 600, {ALICE}, 'group', 'behavioral', 'mid', 'en', 1, 'finished', '{T}', '{T}'),
    (42, 500, 600, {BOB}, 'group', 'behavioral', 'mid', 'en', 1, 'finished', '{T}', '{T}'),
    (43, 500, 601, {ALICE}, 'solo', 'technical', 'mid', 'en', 1, 'stopped', '{T}', '{T}');
INSERT INTO round_participants (id, round_id, user_id, position, consented_at, session_id)
    VALUES (51, 41, {ALICE}, 0, '{T}', 1), (52, 41, {BOB}, 1, '{T}', 2),
    (53, 42, {BOB}, 0, '{T}', NULL), (54, 42, {ALICE}, 1, '{T}', NULL),
    (55, 43, {ALICE}, 0, '{T}', NULL);
INSERT INTO round_answers (id, round_id, participant_id, session_id, turn_id, turn_index,
    score, created_at) VALUES
    (61, 41, 51, 1, 11, 0, 70, '{T}'), (62, 41, 52, 2, 12, 0, 60, '{T}'),
    (63, 42, 53, NULL, NULL, 0, 55, '{T}'), (64, 42, 54, NULL, NULL, 0, 75, '{T}');
INSERT INTO peer_ratings (id, answer_id, rater_id, rating, created_at, updated_at) VALUES
    (71, 62, {ALICE}, 'useful', '{T}', '{T}'), (72, 61, {BOB}, 'strong', '{T}', '{T}'),
    (73, 64, {BOB}, 'unclear', '{T}', '{T}'), (74, 63, {ALICE}, 'strong', '{T}', '{T}');
INSERT INTO llm_calls (prompt_id, prompt_version, language, provider, model, ok, latency_ms,
    attempt, key, started_at) VALUES ('grade', 'v1', 'en', 'openai', 'm', 1, 10, 1,
    'guild:500', '{T}');
INSERT INTO llm_budget (guild_id, day, tokens) VALUES (500, '2026-11-23', 100);
INSERT INTO guild_llm_keys (guild_id, provider, ciphertext, updated_at)
    VALUES (500, 'openai', 'x', '{T}');
INSERT INTO skill_states (id, user_id, skill_id, level, observations, recent, last_practised)
    VALUES (81, {ALICE}, 'results', 40, 1, '[40]', '{T}'),
    (82, {BOB}, 'results', 60, 1, '[60]', '{T}');
INSERT INTO skill_evidence (id, user_id, skill_id, turn_id, session_id, score, rule_id, quote, at)
    VALUES (83, {ALICE}, 'results', 11, 1, 35, 'structure.result_missing', NULL, '{T}'),
    (84, {BOB}, 'results', 12, 2, 35, 'structure.result_missing', 'BOB', '{T}');
INSERT INTO drill_schedules (id, user_id, skill_id, card, due, last_rating, last_review)
    VALUES (85, {ALICE}, 'results', '{{}}', '{T}', 1, '{T}'),
    (86, {BOB}, 'results', '{{}}', '{T}', 3, '{T}');
INSERT INTO practice_log (id, user_id, turn_id, session_id, number, question_id, kind, level,
    language, score, problems, at) VALUES
    (87, {ALICE}, 11, 1, 1, 'q1', 'behavioral', 'mid', 'en', 70, '[]', '{T}'),
    (88, {BOB}, 12, 2, 1, 'q1', 'behavioral', 'mid', 'en', 60, '[]', '{T}');
INSERT INTO drills (id, session_id, user_id, skills, question_ids, created_at) VALUES
    (89, 1, {ALICE}, '[]', '[]', '{T}'), (90, 2, {BOB}, '[]', '[]', '{T}');
INSERT INTO stories (id, user_id, title, competencies, terms, strong, language, created_at,
    updated_at) VALUES (91, {ALICE}, 'ALICE-STORY', '[]', '[]', '[]', 'en', '{T}', '{T}'),
    (92, {BOB}, 'BOB-STORY', '[]', '[]', '[]', 'en', '{T}', '{T}');
INSERT INTO story_tellings (id, story_id, user_id, session_id, turn_id, number, question_id,
    score, excerpt, at) VALUES
    (93, 91, {ALICE}, 1, 11, 1, 'q1', 70, 'ALICE-ANSWER', '{T}'),
    (94, 92, {BOB}, 2, 12, 1, 'q1', 60, 'BOB-ANSWER', '{T}');
INSERT INTO negotiations (id, user_id, guild_id, channel_id, language, setup, seed, state,
    status, created_at, updated_at) VALUES
    (95, {ALICE}, 500, 700, 'en', '{{}}', 1, '{{}}', 'finished', '{T}', '{T}'),
    (96, {BOB}, 500, 701, 'en', '{{}}', 2, '{{}}', 'active', '{T}', '{T}');
INSERT INTO negotiation_turns (id, negotiation_id, idx, speaker, text, created_at) VALUES
    (97, 95, 0, 'candidate', 'ALICE-ASK', '{T}'), (98, 96, 0, 'candidate', 'BOB-ASK', '{T}');
INSERT INTO schedules (id, guild_id, creator_id, medium, channel_id, post_channel_id, kind,
    level, language, weekday, local_time, timezone, interval_weeks, first_date,
    duration_minutes, questions_each, reminder_minutes, status, created_at, updated_at) VALUES
    (101, 500, {ALICE}, 'voice', 600, 700, 'behavioral', 'mid', 'en', 2, '19:00',
     'Asia/Seoul', 1, '2026-11-25', 60, 2, 60, 'active', '{T}', '{T}'),
    (102, 500, {BOB}, 'text', 700, 700, 'behavioral', 'mid', 'en', 3, '19:00',
     'Asia/Seoul', 2, '2026-11-26', 60, 2, 60, 'active', '{T}', '{T}');
INSERT INTO schedule_rsvps (id, schedule_id, user_id, created_at) VALUES
    (103, 101, {ALICE}, '{T}'), (104, 101, {BOB}, '{T}'), (105, 102, {ALICE}, '{T}');
INSERT INTO schedule_runs (id, schedule_id, occurrence, outcome, round_id, at) VALUES
    (106, 101, '{T}', 'ran', 41, '{T}');
INSERT INTO guild_settings (guild_id, moderator_role_id, language, updated_at)
    VALUES (500, 900, 'ko', '{T}');
INSERT INTO server_questions (id, guild_id, question_id, kind, language, levels, skills, text,
    hint, keywords, created_at) VALUES (107, 500, 'beh-g500-x', 'behavioral', 'en', '[]', '[]',
    'Q', 'H', '[]', '{T}');
INSERT INTO round_history_optins (id, guild_id, user_id, opted_in_at) VALUES
    (108, 500, {ALICE}, '{T}'), (109, 500, {BOB}, '{T}');
INSERT INTO profiles (id, user_id, resume_text, resume_facts, resume_pages, resume_language,
    resume_at, updated_at) VALUES (110, {ALICE}, 'ALICE-RESUME', '{{}}', 1, 'en', '{T}', '{T}'),
    (111, {BOB}, 'BOB-RESUME', '{{}}', 1, 'en', '{T}', '{T}');
INSERT INTO personal_plans (id, session_id, user_id, plan, created_at) VALUES
    (112, 1, {ALICE}, '{{}}', '{T}'), (113, 2, {BOB}, '{{}}', '{T}');
"""


def every_table() -> StoreDeclaration:
    """Return all registered personal tables as one declaration, parents first."""
    tables = [t for s in personal_stores() for t in s.declaration.tables]
    return StoreDeclaration(name="all", tables=tuple(tables))


async def snapshot(db: Database) -> MemoryTables:
    """Return every table's rows as dicts."""
    data = MemoryTables()
    async with db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ) as cur:
        names = [str(r[0]) for r in await cur.fetchall()]
    for name in names:
        async with db.conn.execute(f"SELECT * FROM {name}") as cur:
            data.tables[name] = [dict(r) for r in await cur.fetchall()]
    return data


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


@pytest.fixture(params=[True, False], ids=["cascades-on", "cascades-off"])
async def db(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "erase.sqlite3").open()
    if not request.param:
        await database.conn.execute("PRAGMA foreign_keys = OFF")
    await database.conn.executescript(SEED)
    yield database
    await database.close()


async def test_erase_leaves_no_row_of_the_user_and_keeps_everyone_elses(db: Database) -> None:
    declared = every_table()
    before = await snapshot(db)
    alice = owned_ids(before, declared, ALICE)
    bob = owned_ids(before, declared, BOB)
    for table in declared.tables:
        # The seed must reach every declared table: extend it when a store adds one.
        assert alice[table.table] and bob[table.table], table.table

    erasure = await sqlite_privacy_registry(db).erase(ALICE)
    assert erasure.counts.total > 0

    after = await snapshot(db)
    assert all(not ids for ids in owned_ids(after, declared, ALICE).values())
    leftovers = [
        (name, row) for name, rows in after.tables.items() for row in rows if ALICE in row.values()
    ]
    assert leftovers == []
    for table in declared.tables:
        kept = {r["id"]: r for r in after.rows(table.table)}
        for row in before.rows(table.table):
            if row["id"] in bob[table.table] and row["id"] not in alice[table.table]:
                assert kept.get(row["id"]) == row, (table.table, row)
    # Shared rows the user only hosted stay for the others (one had nobody else: it went).
    cleared = [t.table for t in declared.tables if t.on_erase is OnErase.CLEAR]
    assert cleared == ["rounds", "schedules"]
    assert {r["id"]: r["host_id"] for r in after.rows("rounds")} == {41: None, 42: BOB}
    # A schedule serves the server: it stays without its creator.
    assert {r["id"]: r["creator_id"] for r in after.rows("schedules")} == {101: None, 102: BOB}
    for name in (
        "guilds",
        "llm_calls",
        "llm_budget",
        "guild_llm_keys",
        "guild_settings",
        "server_questions",
        "schedule_runs",
    ):
        assert after.rows(name) == before.rows(name), name


async def test_export_names_nobody_else_and_is_empty_after_erase(db: Database) -> None:
    registry = sqlite_privacy_registry(db)
    found = await registry.export(ALICE)
    document = json.loads(json.dumps(found.document))
    values = list(walk(document))
    assert BOB not in values and "rater_id" not in values
    assert not any(isinstance(v, str) and v.startswith("BOB") for v in values)
    assert "ALICE-ANSWER" in values and "ALICE-RETRY" in values
    assert found.counts.as_dict() == document["counts"]

    await registry.erase(ALICE)
    gone = (await registry.export(ALICE)).document
    assert not any(gone["counts"].values())
    assert gone["sessions"] == [] and all(v == [] for v in gone["voice"].values())
    assert gone["first_seen"] is None

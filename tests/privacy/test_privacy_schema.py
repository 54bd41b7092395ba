"""Every table that holds a person's data is declared by a registered store.

The rule, read from the real schema (every migration applied to a temporary database):

1. A column holds a Discord user id when its name is ``user_id`` or ends in ``_user_id``;
   when it is one of ``host_id``, ``rater_id``, ``owner_id``, ``author_id``, ``member_id``,
   ``creator_id``, ``candidate_id``; when it ends in ``_by`` (``created_by``); when it is a
   foreign key to ``users``; and ``users.id`` itself.
2. Each such column is declared by exactly one store: as a user column of a personal table
   (exported and erased), or as ``NotPersonal`` with a reason.
3. A table with a foreign key into a personal table holds people's data through that parent
   (``turns`` through ``sessions``): it is declared personal, or that column is declared
   ``NotPersonal`` with a reason.
4. Every table is accounted for by some store (personal, or ``NotPersonal`` as a whole);
   only the migrations' own bookkeeping table is exempt.
5. Declarations name real tables and columns, and a parent link follows a real foreign key.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.privacy import NotPersonal, PersonalTable, StoreDeclaration, Via
from storage.db import Database
from storage.privacy import personal_stores, sqlite_privacy_registry

log = logging.getLogger(__name__)

EXEMPT_TABLES = frozenset({"schema_migrations"})
USER_ID_NAMES = frozenset(
    {
        "user_id",
        "host_id",
        "rater_id",
        "owner_id",
        "author_id",
        "member_id",
        "creator_id",
        "candidate_id",
    }
)
_BY = re.compile(r"^[a-z0-9_]+_by$")


@dataclass
class Table:
    """One table of the real schema: its columns and foreign keys (column -> table)."""

    name: str
    columns: list[str] = field(default_factory=list)
    foreign: dict[str, str] = field(default_factory=dict)


async def read_schema(db: Database) -> dict[str, Table]:
    """Return every table of the database with its columns and foreign keys."""
    tables: dict[str, Table] = {}
    async with db.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ) as cur:
        names = [str(r[0]) for r in await cur.fetchall()]
    for name in names:
        table = Table(name)
        async with db.conn.execute(f"PRAGMA table_info({name})") as cur:
            table.columns = [str(r["name"]) for r in await cur.fetchall()]
        async with db.conn.execute(f"PRAGMA foreign_key_list({name})") as cur:
            table.foreign = {str(r["from"]): str(r["table"]) for r in await cur.fetchall()}
        tables[name] = table
    return tables


def holds_user_id(table: Table, column: str) -> bool:
    """Tell whether a column holds a Discord user id (rule 1)."""
    return (
        column in USER_ID_NAMES
        or column.endswith("_user_id")
        or bool(_BY.match(column))
        or table.foreign.get(column) == "users"
        or (table.name == "users" and column == "id")
    )


def violations(schema: dict[str, Table], declarations: Sequence[StoreDeclaration]) -> list[str]:
    """Return every breach of the rule, one line each (empty when the schema is covered)."""
    personal: dict[str, PersonalTable] = {}
    column_claims: dict[tuple[str, str], list[str]] = {}
    whole_tables: set[str] = set()
    bad: list[str] = []
    for d in declarations:
        for t in d.tables:
            personal[t.table] = t
            for c in t.user_columns:
                column_claims.setdefault((t.table, c), []).append(d.name)
        for n in d.not_personal:
            if n.column is None:
                whole_tables.add(n.table)
            else:
                column_claims.setdefault((n.table, n.column), []).append(d.name)
    # Rule 5: declarations name what exists.
    for name, column in column_claims:
        if name not in schema or column not in schema[name].columns:
            bad.append(f"{name}.{column} is declared but not in the schema")
    for name in personal.keys() | whole_tables:
        if name not in schema:
            bad.append(f"table {name} is declared but not in the schema")
    for t in personal.values():
        for via in t.parents:
            if t.table in schema and schema[t.table].foreign.get(via.column) != via.table:
                bad.append(f"{t.table}.{via.column} is no foreign key to {via.table}")
    for table in schema.values():
        if table.name in EXEMPT_TABLES:
            continue
        # Rules 1 and 2: every user-id column is declared exactly once.
        for column in table.columns:
            claims = column_claims.get((table.name, column), [])
            if holds_user_id(table, column) and not claims:
                bad.append(f"{table.name}.{column} holds a user id and no store declares it")
            if len(claims) > 1:
                bad.append(f"{table.name}.{column} is declared by {claims}")
        # Rule 3: rows hanging off a personal table are declared.
        for column, parent in table.foreign.items():
            claimed = (table.name, column) in column_claims
            if parent in personal and table.name not in personal and not claimed:
                bad.append(
                    f"{table.name}.{column} points into personal table {parent}; declare"
                    f" {table.name} or say why {column} is not personal"
                )
        # Rule 4: every table is accounted for.
        accounted = (
            table.name in personal
            or table.name in whole_tables
            or any(t == table.name for t, _ in column_claims)
        )
        if not accounted:
            bad.append(f"table {table.name} is declared by no store")
    return bad


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database(tmp_path / "schema.sqlite3").open()
    yield database
    await database.close()


def declarations() -> list[StoreDeclaration]:
    return [s.declaration for s in personal_stores()]


async def test_every_table_holding_a_user_id_is_declared(db: Database) -> None:
    schema = await read_schema(db)
    assert {"users", "sessions", "rounds", "peer_ratings", "llm_calls"} <= set(schema)
    assert violations(schema, declarations()) == []


async def test_the_registry_accepts_the_shipped_declarations(db: Database) -> None:
    names = [d.name for d in sqlite_privacy_registry(db).declarations()]
    assert names == [
        "accounts",
        "sessions",
        "rounds",
        "llm_usage",
        "progress",
        "stories",
        "negotiations",
        "schedules",
        "guilds",
        "profiles",
    ]
    for d in declarations():
        assert all(n.reason.strip() for n in d.not_personal), d.name


async def test_an_undeclared_user_column_fails(db: Database) -> None:
    await db.conn.executescript(
        "CREATE TABLE anecdotes (id INTEGER PRIMARY KEY, owner_id INTEGER, title TEXT);"
        "CREATE TABLE anecdote_tags (id INTEGER PRIMARY KEY,"
        " anecdote_id INTEGER REFERENCES anecdotes(id), tag TEXT);"
        "CREATE TABLE reports (id INTEGER PRIMARY KEY,"
        " requested_by INTEGER, subject INTEGER REFERENCES users(id));"
    )
    found = violations(await read_schema(db), declarations())
    assert "anecdotes.owner_id holds a user id and no store declares it" in found
    assert "reports.requested_by holds a user id and no store declares it" in found
    assert "reports.subject holds a user id and no store declares it" in found
    assert "table anecdote_tags is declared by no store" in found

    # Declaring the anecdote bank leaves its child table: its rows are the owner's too.
    anecdotes = StoreDeclaration(
        name="anecdotes", tables=(PersonalTable("anecdotes", user_columns=("owner_id",)),)
    )
    found = violations(await read_schema(db), [*declarations(), anecdotes])
    assert not any(line.startswith("anecdotes.") for line in found)
    assert any(
        line.startswith("anecdote_tags.anecdote_id points into personal table anecdotes")
        for line in found
    )

    complete = StoreDeclaration(
        name="anecdotes",
        tables=(
            PersonalTable("anecdotes", user_columns=("owner_id",)),
            PersonalTable("anecdote_tags", parents=(Via("anecdote_id", "anecdotes"),)),
        ),
    )
    reports = StoreDeclaration(
        name="reports",
        tables=(PersonalTable("reports", user_columns=("requested_by", "subject")),),
    )
    assert violations(await read_schema(db), [*declarations(), complete, reports]) == []


async def test_a_column_kept_on_purpose_needs_a_reason(db: Database) -> None:
    await db.conn.executescript("CREATE TABLE audit (id INTEGER PRIMARY KEY, author_id INTEGER);")
    with pytest.raises(ValueError, match="say why"):
        NotPersonal("audit", "author_id", " ")
    kept = StoreDeclaration(
        name="audit",
        not_personal=(NotPersonal("audit", "author_id", "the bot's own id, never a person"),),
    )
    assert violations(await read_schema(db), [*declarations(), kept]) == []


async def test_declarations_must_name_real_tables_columns_and_foreign_keys(db: Database) -> None:
    wrong = StoreDeclaration(
        name="wrong",
        tables=(
            PersonalTable("ghosts", user_columns=("user_id",)),
            PersonalTable("findings_copy", parents=(Via("turn_id", "turns"),)),
        ),
        not_personal=(NotPersonal("guilds", "owner_id", "no such column"),),
    )
    found = violations(await read_schema(db), [*declarations(), wrong])
    assert "ghosts.user_id is declared but not in the schema" in found
    assert "table findings_copy is declared but not in the schema" in found
    assert "guilds.owner_id is declared but not in the schema" in found

    await db.conn.executescript(
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, session_id INTEGER, body TEXT);"
    )
    loose = StoreDeclaration(
        name="notes", tables=(PersonalTable("notes", parents=(Via("session_id", "sessions"),)),)
    )
    found = violations(await read_schema(db), [*declarations(), loose])
    assert found == ["notes.session_id is no foreign key to sessions"]

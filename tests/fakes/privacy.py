"""In-memory privacy ports (stores, transactions, lookups, engine, round side) for tests."""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.errors import SessionNotFound
from bot.privacy import (
    ActiveInterview,
    ExportPart,
    LiveRound,
    OnErase,
    PersonalDataRegistry,
    StoreDeclaration,
)

log = logging.getLogger(__name__)

Row = dict[str, Any]


@dataclass
class MemoryTables:
    """Every table's rows; a failed write transaction puts them back as they were."""

    tables: dict[str, list[Row]] = field(default_factory=dict)

    def rows(self, table: str) -> list[Row]:
        """Return a table's rows (created empty on first use)."""
        return self.tables.setdefault(table, [])

    def add(self, table: str, **values: Any) -> Row:
        """Insert a row with a fresh ``id`` unless one is given; return it."""
        rows = self.rows(table)
        row: Row = {"id": max((r["id"] for r in rows), default=0) + 1, **values}
        rows.append(row)
        return row


class MemoryTransactions:
    """``Transactions`` over ``MemoryTables``; ``writing`` rolls back on an exception."""

    def __init__(self, data: MemoryTables) -> None:
        self.data = data
        self.commits = 0
        self.rollbacks = 0

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[MemoryTables]:
        """Yield the tables."""
        yield self.data

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[MemoryTables]:
        """Yield the tables; restore them if the block fails."""
        saved = copy.deepcopy(self.data.tables)
        try:
            yield self.data
        except BaseException:
            self.data.tables = saved
            self.rollbacks += 1
            raise
        self.commits += 1


def owned_ids(
    data: MemoryTables, declaration: StoreDeclaration, user_id: int
) -> dict[str, set[int]]:
    """Return the ids of the user's rows in each declared table (parents before children)."""
    found: dict[str, set[int]] = {}
    for table in declaration.tables:
        ids: set[int] = set()
        for row in data.rows(table.table):
            if any(row.get(c) == user_id for c in table.user_columns) or any(
                row.get(v.column) in found.get(v.table, set()) for v in table.parents
            ):
                ids.add(row["id"])
        found[table.table] = ids
    return found


class MemoryPersonalStore:
    """A store that counts, exports and erases exactly what its declaration says.

    Counts are named after the tables (``shared`` for tables erased by clearing); the export
    has one section per table, named ``<store>_<table>``, without the user-id columns of
    other people.
    """

    def __init__(
        self,
        declaration: StoreDeclaration,
        *,
        fail_erase: bool = False,
        log: list[str] | None = None,
    ) -> None:
        self.declaration = declaration
        self.fail_erase = fail_erase
        self.erased: list[int] = []
        self.log = log

    async def count(self, tx: MemoryTables, user_id: int) -> Mapping[str, int]:
        """Return the user's rows per table."""
        owned = owned_ids(tx, self.declaration, user_id)
        return {t: len(ids) for t, ids in owned.items() if t in self.declaration.counts}

    async def export(self, tx: MemoryTables, user_id: int) -> ExportPart:
        """Return the user's rows per table, naming no other user."""
        owned = owned_ids(tx, self.declaration, user_id)
        sections: dict[str, Any] = {}
        for table in self.declaration.tables:
            rows = [r for r in tx.rows(table.table) if r["id"] in owned[table.table]]
            sections[f"{self.declaration.name}_{table.table}"] = [
                {
                    k: v
                    for k, v in r.items()
                    if k not in table.user_columns or v == user_id  # others stay out
                }
                for r in rows
            ]
        return ExportPart(sections=sections)

    async def erase(self, tx: MemoryTables, user_id: int) -> Mapping[str, int]:
        """Delete the user's rows (children first); clear their id from shared rows."""
        if self.log is not None:
            self.log.append(f"erase {self.declaration.name}")
        if self.fail_erase:
            raise RuntimeError(f"store {self.declaration.name} failed to erase")
        owned = owned_ids(tx, self.declaration, user_id)
        cleared = 0
        for table in reversed(self.declaration.tables):
            if table.on_erase is OnErase.CLEAR:
                for row in tx.rows(table.table):
                    for c in table.user_columns:
                        if row.get(c) == user_id:
                            row[c] = None
                            cleared += 1
                continue
            tx.tables[table.table] = [
                r for r in tx.rows(table.table) if r["id"] not in owned[table.table]
            ]
        self.erased.append(user_id)
        return {f"{self.declaration.name}_cleared": cleared} if cleared else {}


def memory_registry(
    data: MemoryTables, stores: Sequence[MemoryPersonalStore]
) -> PersonalDataRegistry[MemoryTables]:
    """Return a registry of in-memory stores over ``data``."""
    return PersonalDataRegistry(MemoryTransactions(data), stores)


@dataclass
class FakeLookups:
    """``PrivacyLookups`` from lists a test fills in."""

    active: list[ActiveInterview] = field(default_factory=list)
    live: list[LiveRound] = field(default_factory=list)
    language: str | None = None

    async def active_interviews(self, user_id: int) -> list[ActiveInterview]:
        """Return the running interviews (one user per fake)."""
        return list(self.active)

    async def live_voice_rounds(self, user_id: int) -> list[LiveRound]:
        """Return the live rounds the user takes part in."""
        return list(self.live)

    async def latest_language(self, user_id: int) -> str | None:
        """Return the stored latest session language."""
        return self.language


@dataclass
class FakeInterviews:
    """The engine's ``finish``: ends interviews listed in the lookups, records the calls."""

    lookups: FakeLookups
    calls: list[tuple[int, bool]] = field(default_factory=list)
    log: list[str] | None = None

    async def finish(self, session_id: int, stopped: bool = False) -> Sequence[object]:
        """End a running session; raise SessionNotFound for one that is not running."""
        self.calls.append((session_id, stopped))
        if self.log is not None:
            self.log.append(f"finish {session_id}")
        found = [a for a in self.lookups.active if a.session_id == session_id]
        if not found:
            raise SessionNotFound("That interview has already ended.")
        self.lookups.active = [a for a in self.lookups.active if a.session_id != session_id]
        return []


@dataclass
class FakeLiveVoice:
    """The round side: runs some round ids; ending them drops them from the lookups."""

    lookups: FakeLookups
    running: set[int] = field(default_factory=set)
    stuck: set[int] = field(default_factory=set)  # rounds that do not stop when asked
    ended_for: list[int] = field(default_factory=list)
    log: list[str] | None = None

    def live_round(self, round_id: int) -> object | None:
        """Return a token for a round this fake runs."""
        return round_id if round_id in self.running else None

    async def end_rounds_of(self, user_id: int) -> Sequence[int]:
        """End the running rounds in the lookups (except stuck ones); return their ids."""
        self.ended_for.append(user_id)
        ended = [r.round_id for r in self.lookups.live if r.round_id in self.running]
        if self.log is not None:
            self.log.append(f"end rounds {ended}")
        gone = set(ended) - self.stuck
        self.running -= gone
        self.lookups.live = [r for r in self.lookups.live if r.round_id not in gone]
        return ended


if TYPE_CHECKING:
    from bot.privacy.ports import Interviews, LiveVoice, PersonalStore, PrivacyLookups, Transactions

    _personal: PersonalStore[MemoryTables] = MemoryPersonalStore(StoreDeclaration("x", ()))
    _transactions: Transactions[MemoryTables] = MemoryTransactions(MemoryTables())
    _lookups: PrivacyLookups = FakeLookups()
    _interviews: Interviews = FakeInterviews(FakeLookups())
    _live: LiveVoice = FakeLiveVoice(FakeLookups())

"""The registry: every store's privacy side as one, so export and erase iterate it.

Stores register parents first (people, then sessions, then what hangs off sessions). Export
reads them in that order; erase runs them in REVERSE order inside one transaction, so
children go before the rows they point at and nothing depends on cascades.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from bot.privacy.declarations import ExportPart, StoreDeclaration
from bot.privacy.models import DataCounts, Erasure, UserExport
from bot.privacy.ports import PersonalStore, Transactions

log = logging.getLogger(__name__)

Tx = TypeVar("Tx")

EXPORT_FORMAT = "mockingbird-export/1"
# Part of the export format (it stays English like the keys), not user-interface copy.
AUDIO_NOTE = "Audio is never stored: only transcripts, word timings and their evaluation."
_TOP = ("format", "exported_at", "user_id", "notes", "counts")


class RegistryError(ValueError):
    """Two stores claim the same thing, or a store reports what it did not declare."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _check(declarations: Sequence[StoreDeclaration]) -> None:
    """Raise RegistryError unless names, personal tables and counts are each claimed once."""
    seen: dict[str, str] = {}
    for d in declarations:
        claims = [f"store {d.name}"]
        claims += [f"table {t.table}" for t in d.tables]
        claims += [f"count {c}" for c in d.counts]
        for claim in claims:
            if claim in seen:
                raise RegistryError(f"{claim} is declared by both {seen[claim]} and {d.name}")
            seen[claim] = d.name


def _merge(into: dict[str, Any], part: Mapping[str, Any], store: str) -> None:
    for key, value in part.items():
        if key in into or key in _TOP:
            raise RegistryError(f"store {store} exports {key!r}, which is already taken")
        into[key] = value


class PersonalDataRegistry(Generic[Tx]):
    """Count, export and erase one user's data across every registered store."""

    def __init__(
        self,
        transactions: Transactions[Tx],
        stores: Sequence[PersonalStore[Tx]],
        *,
        now: Callable[[], datetime] = _utc_now,
    ) -> None:
        _check([s.declaration for s in stores])
        self._tx = transactions
        self._stores = tuple(stores)
        self._now = now

    def declarations(self) -> Sequence[StoreDeclaration]:
        """Return every store's declaration, in registration order."""
        return [s.declaration for s in self._stores]

    async def counts(self, user_id: int) -> DataCounts:
        """Return the user's rows per count, across every store."""
        async with self._tx.reading() as tx:
            return await self._counts(tx, user_id)

    async def export(self, user_id: int) -> UserExport:
        """Return everything stored about the user as one JSON-ready document."""
        async with self._tx.reading() as tx:
            counts = await self._counts(tx, user_id)
            parts: list[tuple[str, ExportPart]] = [
                (s.declaration.name, await s.export(tx, user_id)) for s in self._stores
            ]
        header: dict[str, Any] = {}
        sections: dict[str, Any] = {}
        notes = [AUDIO_NOTE]
        for name, part in parts:
            _merge(header, part.header, name)
            _merge(sections, part.sections, name)
            notes.extend(part.notes)
        if set(header) & set(sections):
            raise RegistryError(f"export keys taken twice: {sorted(set(header) & set(sections))}")
        document: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "exported_at": self._now().astimezone(UTC).isoformat(),
            "user_id": user_id,
            **header,
            "notes": notes,
            "counts": counts.as_dict(),
            **sections,
        }
        return UserExport(document, counts)

    async def erase(self, user_id: int) -> Erasure:
        """Erase the user's data from every store in one transaction; say what went."""
        outcomes: dict[str, int] = {}
        async with self._tx.writing() as tx:
            counts = await self._counts(tx, user_id)
            for store in reversed(self._stores):
                name = store.declaration.name
                for key, value in (await store.erase(tx, user_id)).items():
                    if key in outcomes:
                        raise RegistryError(f"store {name} reports {key!r}, already reported")
                    outcomes[key] = value
        log.info("Erased the data of user %s: %s rows", user_id, counts.total)
        return Erasure(counts, outcomes)

    async def _counts(self, tx: Tx, user_id: int) -> DataCounts:
        values: dict[str, int] = {}
        shared: set[str] = set()
        for store in self._stores:
            d = store.declaration
            got = await store.count(tx, user_id)
            unknown = set(got) - set(d.counts)
            if unknown:
                raise RegistryError(f"store {d.name} counts undeclared {sorted(unknown)}")
            values.update({key: int(got.get(key, 0)) for key in d.counts})
            shared.update(d.shared)
        return DataCounts(values, shared)

"""What privacy reports back: counts, an export, what a delete would do and what it did."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.catalog import Language

log = logging.getLogger(__name__)


class DataCounts(Mapping[str, int]):
    """How many rows of each kind a user has (or had), by the names stores declare."""

    __slots__ = ("_shared", "_values")

    def __init__(self, values: Mapping[str, int] | None = None, shared: Iterable[str] = ()) -> None:
        self._values = dict(values or {})
        self._shared = frozenset(shared)

    def __getitem__(self, key: str) -> int:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"DataCounts({self._values!r})"

    def of(self, key: str) -> int:
        """Return the count for ``key`` (0 when no store counts it)."""
        return self._values.get(key, 0)

    @property
    def shared(self) -> frozenset[str]:
        """Return the keys that count rows shared with others (kept, without the user's id)."""
        return self._shared

    @property
    def total(self) -> int:
        """Return the number of rows that belong to the user (shared rows excluded)."""
        return sum(v for k, v in self._values.items() if k not in self._shared)

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain mapping, in the registry's order."""
        return dict(self._values)


@dataclass(frozen=True, slots=True)
class ActiveInterview:
    """An interview still running for the user, and where it lives."""

    session_id: int
    guild_id: int | None
    channel_id: int | None
    language: Language = Language.EN


@dataclass(frozen=True, slots=True)
class LiveRound:
    """A live voice session or round the user takes part in (consented, not left)."""

    round_id: int
    guild_id: int


@dataclass(frozen=True, slots=True)
class UserExport:
    """Everything stored about a user, JSON-ready, with its counts and the reply language."""

    document: dict[str, Any]
    counts: DataCounts
    language: Language = Language.EN


@dataclass(frozen=True, slots=True)
class Erasure:
    """What erasing removed: counts per kind before it, and what each store reported."""

    counts: DataCounts
    outcomes: Mapping[str, int] = field(default_factory=dict)

    def outcome(self, key: str) -> int:
        """Return one store's figure (such as ``rounds_unhosted``), 0 when absent."""
        return self.outcomes.get(key, 0)

    @property
    def nothing(self) -> bool:
        """Tell whether there was nothing stored about the user."""
        return not any(self.counts.values()) and not any(self.outcomes.values())


@dataclass(frozen=True, slots=True)
class DeletePreview:
    """What ``/privacy delete`` would do, shown above the confirmation buttons."""

    counts: DataCounts
    running: int
    voice_to_end: tuple[LiveRound, ...] = ()
    waiting_for: tuple[LiveRound, ...] = ()
    language: Language = Language.EN

    @property
    def blocked(self) -> bool:
        """Tell whether a live voice round must be left first (nothing here can end it)."""
        return bool(self.waiting_for)


@dataclass(frozen=True, slots=True)
class VoiceBlocked:
    """The delete did not run: the user takes part in someone else's live voice round."""

    rounds: tuple[LiveRound, ...]
    language: Language = Language.EN


@dataclass(frozen=True, slots=True)
class Deletion:
    """What a delete did: what it erased, interviews it stopped, voice rounds (ids) it ended."""

    erasure: Erasure
    stopped: tuple[ActiveInterview, ...] = ()
    voice_ended: tuple[int, ...] = ()
    language: Language = Language.EN

    @property
    def counts(self) -> DataCounts:
        """Return the counts of what was erased."""
        return self.erasure.counts

    @property
    def nothing(self) -> bool:
        """Tell whether there was nothing stored about the user."""
        return self.erasure.nothing and not self.stopped and not self.voice_ended

    def outcome(self, key: str) -> int:
        """Return one store's figure (such as ``rounds_unhosted``), 0 when absent."""
        return self.erasure.outcome(key)

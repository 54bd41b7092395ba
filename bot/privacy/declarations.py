"""What a store declares about the personal data it holds: tables, user-id columns, counts.

A store plugs into privacy by declaring, in plain data, every table it owns that holds a
person's data and how each row reaches that person:

- ``user_columns``: columns that hold a Discord user id (``sessions.user_id``);
- ``parents``: a column naming a parent row whose owner also owns this row
  (``turns.session_id -> sessions``): child rows hold no user id of their own.

Columns that look like a user id but are not (or are kept on purpose) are declared
``NotPersonal`` with the reason. A test reads the real schema and fails when a table holds a
user-id column, or hangs off a personal table, and no store accounts for it.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


class OnErase(enum.Enum):
    """What erasing does to a user's rows in a table."""

    DELETE = "delete"  # the rows are the user's alone: they go
    CLEAR = "clear"  # the rows are shared with others: they stay, the user's id is cleared


@dataclass(frozen=True, slots=True)
class Via:
    """A column naming a parent row: the parent's owner owns this row too."""

    column: str
    table: str


@dataclass(frozen=True, slots=True)
class PersonalTable:
    """A table holding people's data, and how each row reaches its person."""

    table: str
    user_columns: tuple[str, ...] = ()
    parents: tuple[Via, ...] = ()
    on_erase: OnErase = OnErase.DELETE

    def __post_init__(self) -> None:
        if not self.user_columns and not self.parents:
            raise ValueError(f"{self.table}: name a user-id column or a parent row")


@dataclass(frozen=True, slots=True)
class NotPersonal:
    """A table (``column=None``) or column that holds no one's personal data, and why."""

    table: str
    column: str | None
    reason: str

    def __post_init__(self) -> None:
        if not self.reason.strip():
            raise ValueError(f"{self.table}.{self.column}: say why it is not personal")


@dataclass(frozen=True, slots=True)
class StoreDeclaration:
    """Everything one store declares: its personal tables, non-personal parts and counts.

    ``counts`` name what the store counts for a user (the keys of the export's ``counts``);
    ``shared`` are the counts of rows shared with others, which erasing keeps (without the
    user's id) and so are not counted as the user's own rows.
    """

    name: str
    tables: tuple[PersonalTable, ...] = ()
    not_personal: tuple[NotPersonal, ...] = ()
    counts: tuple[str, ...] = ()
    shared: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = set(self.shared) - set(self.counts)
        if unknown:
            raise ValueError(f"{self.name}: shared counts {sorted(unknown)} are not counts")


@dataclass(frozen=True, slots=True)
class ExportPart:
    """One store's share of a user's export.

    ``header`` keys go near the top of the document (before the notes and counts),
    ``sections`` after the counts; ``notes`` are added to the document's notes.
    """

    header: Mapping[str, Any] = field(default_factory=dict)
    sections: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

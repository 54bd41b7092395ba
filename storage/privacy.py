"""Everything stored about one Discord user, by registry: the SQLite stores' privacy sides.

Each store declares in its own ``storage/privacy_<store>.py`` what it holds about people
(tables, the columns holding a Discord user id, the rows reached through a parent), how it
counts, exports and erases a user's rows; ``personal_stores`` lists them and
``sqlite_privacy_registry`` builds the registry that `/privacy export` and `/privacy delete`
iterate (through ``bot.privacy.PrivacyService``).

The rules every declaration keeps:

- A user's data is their ``users`` row; their ``sessions`` with every turn, finding and
  rewind attempt; their voice consents (``round_participants``), the answers they gave in
  rounds and the peer ratings those answers received; the ratings they gave.
- Rows shared with other people keep existing for them without the user's id: rounds the user
  hosted stay with the host id cleared (rounds nobody else took part in, once ended, go).
- The export names no other person: ratings received carry no rater id and ratings given
  carry no answerer id (only the answer and round ids, which are needed to tell them apart).
- Per-server data (``llm_calls``, ``llm_budget``, ``guilds``, ``guild_llm_keys``) names no
  person; it is declared as such and neither exported nor erased.
- Erase runs every store in one transaction, children first (the reverse of registration),
  and relies on no foreign-key cascade.

A new store registers by writing its declaration class (see ``privacy_sessions.py``) and
adding it to ``personal_stores`` after the stores it points at; ``tests/privacy`` fails while
a table holding a user id is declared by no store.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import aiosqlite

from bot.privacy.ports import PersonalStore
from bot.privacy.registry import EXPORT_FORMAT, PersonalDataRegistry
from storage.db import Database
from storage.privacy_accounts import AccountsPersonalData
from storage.privacy_activity import SqlitePrivacyLookups
from storage.privacy_guilds import GuildsPersonalData
from storage.privacy_llm import LlmUsagePersonalData
from storage.privacy_negotiations import NegotiationsPersonalData
from storage.privacy_profiles import ProfilesPersonalData
from storage.privacy_progress import ProgressPersonalData
from storage.privacy_rounds import RoundsPersonalData
from storage.privacy_schedules import SchedulesPersonalData
from storage.privacy_sessions import SessionsPersonalData
from storage.privacy_stories import StoriesPersonalData

log = logging.getLogger(__name__)


class SqliteTransactions:
    """The database as the registry's ``Transactions``: the connection, or one transaction."""

    def __init__(self, db: Database) -> None:
        self._db = db

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[aiosqlite.Connection]:
        """Yield the shared connection to read with."""
        yield self._db.conn

    def writing(self) -> AbstractAsyncContextManager[aiosqlite.Connection]:
        """Return one immediate transaction that commits on success."""
        return self._db.transaction()


def personal_stores() -> list[PersonalStore[aiosqlite.Connection]]:
    """Return every SQLite store's privacy side, each after the stores it points at."""
    return [
        AccountsPersonalData(),
        SessionsPersonalData(),
        RoundsPersonalData(),
        LlmUsagePersonalData(),
        ProgressPersonalData(),
        StoriesPersonalData(),
        NegotiationsPersonalData(),
        SchedulesPersonalData(),
        GuildsPersonalData(),
        ProfilesPersonalData(),
    ]


def sqlite_privacy_registry(db: Database) -> PersonalDataRegistry[aiosqlite.Connection]:
    """Return the registry of every SQLite store, reading and writing ``db``."""
    return PersonalDataRegistry(SqliteTransactions(db), personal_stores())


__all__ = [
    "EXPORT_FORMAT",
    "SqlitePrivacyLookups",
    "SqliteTransactions",
    "personal_stores",
    "sqlite_privacy_registry",
]

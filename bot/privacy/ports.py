"""The ports privacy needs: personal-data stores, transactions, lookups, the engine, voice.

``PersonalStore`` and ``Transactions`` are generic in the transaction handle (an aiosqlite
connection in ``storage/``, anything in a fake), so every store's erase runs inside ONE
transaction the registry opens, and this package needs no SQL.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol, TypeVar

from bot.privacy.declarations import ExportPart, StoreDeclaration
from bot.privacy.models import ActiveInterview, DataCounts, Erasure, LiveRound, UserExport

log = logging.getLogger(__name__)

TxIn = TypeVar("TxIn", contravariant=True)
TxOut = TypeVar("TxOut", covariant=True)


class PersonalStore(Protocol[TxIn]):
    """One store's privacy side: what it declares, and how it counts, exports and erases."""

    @property
    def declaration(self) -> StoreDeclaration:
        """Return what the store holds about people."""
        ...

    async def count(self, tx: TxIn, user_id: int) -> Mapping[str, int]:
        """Return the user's rows per declared count."""
        ...

    async def export(self, tx: TxIn, user_id: int) -> ExportPart:
        """Return the user's data, JSON-ready, naming no other person."""
        ...

    async def erase(self, tx: TxIn, user_id: int) -> Mapping[str, int]:
        """Erase the user's rows (shared rows keep existing without the user's id).

        Return figures worth telling the user (such as rounds kept for others).
        """
        ...


class Transactions(Protocol[TxOut]):
    """Where the stores' data lives: a handle to read with, or one write transaction."""

    def reading(self) -> AbstractAsyncContextManager[TxOut]:
        """Return a handle to read with."""
        ...

    def writing(self) -> AbstractAsyncContextManager[TxOut]:
        """Return a handle inside one transaction that commits on success."""
        ...


class PrivacyRegistry(Protocol):
    """Every registered store as one: count, export and erase a user's data."""

    def declarations(self) -> Sequence[StoreDeclaration]:
        """Return every store's declaration, in registration order."""
        ...

    async def counts(self, user_id: int) -> DataCounts:
        """Return the user's rows per count, across every store."""
        ...

    async def export(self, user_id: int) -> UserExport:
        """Return the user's export document and its counts."""
        ...

    async def erase(self, user_id: int) -> Erasure:
        """Erase the user's data from every store in one transaction."""
        ...


class PrivacyLookups(Protocol):
    """What is still running for a user, and the language they last used."""

    async def active_interviews(self, user_id: int) -> list[ActiveInterview]:
        """Return the user's interviews still running, in any server or DM."""
        ...

    async def live_voice_rounds(self, user_id: int) -> list[LiveRound]:
        """Return live voice rounds the user takes part in (consented, not left)."""
        ...

    async def latest_language(self, user_id: int) -> str | None:
        """Return the language of the user's most recent session, if any."""
        ...


class Interviews(Protocol):
    """The interview engine as privacy needs it (``InterviewEngine`` implements it)."""

    async def finish(self, session_id: int, stopped: bool = False) -> Sequence[object]:
        """End a running session; raise SessionNotFound when it has already ended."""
        ...


class LiveVoice(Protocol):
    """The live round side as privacy needs it (``bot.rounds.RoundService`` implements it).

    Ending a round works like `/voice stop`: it stops listening, finishes everyone's
    interview through the engine (their answers stay saved), posts the summary and leaves
    the voice channel.
    """

    def live_round(self, round_id: int) -> object | None:
        """Return the round if it runs in this process now, else None."""
        ...

    async def end_rounds_of(self, user_id: int) -> Sequence[int]:
        """End every live round the user takes part in (consented, not left); return ids."""
        ...

"""The interview ``SessionStore`` port in memory, with the SQLite store's rules."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.interview.models import Attempt, Session, SessionStatus, Turn, TurnStatus
from bot.interview.ports import Clock, SessionOverview

log = logging.getLogger(__name__)


class ConstraintViolation(ValueError):
    """A write the SQLite schema refuses (there: ``sqlite3.IntegrityError``)."""


class _SystemClock:
    """The real time, like the SQLite store's ``updated_at`` stamps."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


@dataclass(slots=True)
class _StoredTurn:
    session_id: int
    turn: Turn


class InMemorySessionStore:
    """The SessionStore port in memory; it refuses what the SQLite schema refuses.

    Like SQLite it hands out copies (a change counts once saved), stamps an ``updated_at`` on
    every write for ``prune``, keeps one active session per user and server (no server and
    server 0 are the same), one turn per index of a session, scores between 0 and 100 and
    1 to 50 questions, and saves only level, status and channel in ``update_session``.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self._clock: Clock = clock or _SystemClock()
        self.sessions: dict[int, Session] = {}  # the sessions' own fields, without turns
        self.turns: dict[int, _StoredTurn] = {}
        self.attempt_rows: dict[int, Attempt] = {}
        self.updated_at: dict[int, datetime] = {}
        self._session_ids = 0
        self._turn_ids = 0
        self._attempt_ids = 0

    # ---- writes ---------------------------------------------------------------------

    async def create_session(self, session: Session) -> Session:
        """Insert a new session and return it with its id."""
        if not 1 <= session.question_count <= 50:
            raise ConstraintViolation("question_count must be between 1 and 50")
        if session.status is SessionStatus.ACTIVE:
            self._check_one_active(session.user_id, session.guild_id, None)
        self._session_ids += 1
        session.id = self._session_ids
        self.sessions[session.id] = replace(
            copy.deepcopy(session),
            turns=[],
            created_at=session.created_at.astimezone(UTC),
            rewind_turn_id=None,  # the SQLite store does not insert it either
            rewind_answer=None,
        )
        self._touch(session.id)
        return session

    async def update_session(self, session: Session) -> None:
        """Save the session's own fields (status, level, channel)."""
        stored = self.sessions.get(session.id) if session.id is not None else None
        if stored is None:
            return
        if session.status is SessionStatus.ACTIVE:
            self._check_one_active(stored.user_id, stored.guild_id, stored.id)
        stored.level, stored.status = session.level, session.status
        stored.channel_id = session.channel_id
        self._touch(stored.id)

    async def save_turn(self, session_id: int, turn: Turn) -> Turn:
        """Insert or update one turn with its evaluation; return it with its id."""
        if session_id not in self.sessions:
            raise ConstraintViolation(f"no session {session_id}")
        if turn.evaluation is not None and not 0 <= turn.evaluation.score <= 100:
            raise ConstraintViolation("score must be between 0 and 100")
        clash = any(
            row.session_id == session_id and row.turn.index == turn.index and turn_id != turn.id
            for turn_id, row in self.turns.items()
        )
        if clash:
            raise ConstraintViolation(f"session {session_id} already has a turn {turn.index}")
        self._touch(session_id)
        if turn.id is None:
            self._turn_ids += 1
            turn.id = self._turn_ids
        elif turn.id not in self.turns:
            return turn  # an UPDATE of a row that is not there changes nothing
        self.turns[turn.id] = _StoredTurn(session_id, copy.deepcopy(turn))
        return turn

    async def set_rewind(self, session_id: int, turn_id: int | None) -> None:
        """Mark (or clear, with None) the turn whose question is being answered again."""
        if turn_id is not None and turn_id not in self.turns:
            raise ConstraintViolation(f"no turn {turn_id}")
        stored = self.sessions.get(session_id)
        if stored is not None:
            stored.rewind_turn_id, stored.rewind_answer = turn_id, None
            self._touch(session_id)

    async def save_rewind_answer(self, session_id: int, answer: str) -> None:
        """Save the retry of the rewound question before it is graded."""
        stored = self.sessions.get(session_id)
        if stored is not None and stored.rewind_turn_id is not None:
            stored.rewind_answer = answer
            self._touch(session_id)

    async def save_attempt(self, attempt: Attempt) -> Attempt:
        """Insert a retry of a turn and return it with its id; a rewind waiting for this
        retry (and its saved answer) is cleared in the same write."""
        row = self.turns.get(attempt.turn_id)
        if row is None:
            raise ConstraintViolation(f"no turn {attempt.turn_id}")
        if not 0 <= attempt.evaluation.score <= 100:
            raise ConstraintViolation("score must be between 0 and 100")
        self._attempt_ids += 1
        attempt.id = self._attempt_ids
        self.attempt_rows[attempt.id] = replace(
            copy.deepcopy(attempt), created_at=attempt.created_at.astimezone(UTC)
        )
        # A retry is activity: it keeps the session from being pruned by retention.
        self._touch(row.session_id)
        for stored in self.sessions.values():
            if stored.rewind_turn_id == attempt.turn_id:
                stored.rewind_turn_id, stored.rewind_answer = None, None
        return attempt

    async def prune(self, older_than: datetime) -> int:
        """Delete sessions (with their turns and attempts) untouched since ``older_than``."""
        gone = {sid for sid, at in self.updated_at.items() if at < older_than}
        turns = {tid for tid, row in self.turns.items() if row.session_id in gone}
        for sid in gone:
            del self.sessions[sid], self.updated_at[sid]
        for tid in turns:
            del self.turns[tid]
        self.attempt_rows = {
            aid: a for aid, a in self.attempt_rows.items() if a.turn_id not in turns
        }
        return len(gone)

    # ---- reads ----------------------------------------------------------------------

    async def get_session(self, session_id: int) -> Session | None:
        """Return a session with all its turns, or None."""
        return self._load(self.sessions.get(session_id))

    async def active_session(self, user_id: int, guild_id: int | None) -> Session | None:
        """Return the user's active session in this server, or None."""
        return self._load(
            self._newest(s for s in self._of(user_id, guild_id) if s.status is SessionStatus.ACTIVE)
        )

    async def session_in_channel(self, channel_id: int) -> Session | None:
        """Return the active session bound to a channel or thread, or None."""
        return self._load(
            self._newest(
                s
                for s in self.sessions.values()
                if s.channel_id == channel_id and s.status is SessionStatus.ACTIVE
            )
        )

    async def latest_session(self, user_id: int, guild_id: int | None) -> Session | None:
        """Return the user's newest session in this server, whatever its status, or None."""
        ordered = sorted(self._of(user_id, guild_id), key=_newest_first)
        return self._load(ordered[0] if ordered else None)

    async def rewind_in_channel(self, channel_id: int) -> Session | None:
        """Return the session bound to a channel that waits for a rewind retry, or None."""
        return self._load(
            self._newest(
                s
                for s in self.sessions.values()
                if s.channel_id == channel_id and s.rewind_turn_id is not None
            )
        )

    async def history(
        self, user_id: int, guild_id: int | None, limit: int
    ) -> list[SessionOverview]:
        """Return the user's most recent sessions in this server, newest first."""
        out = []
        for s in sorted(self._of(user_id, guild_id), key=_newest_first)[:limit]:
            assert s.id is not None
            scores = [t.evaluation.score for t in self._turns_of(s.id) if t.evaluation]
            out.append(
                SessionOverview(
                    session_id=s.id,
                    kind=s.kind,
                    level=s.level,
                    status=s.status,
                    created_at=s.created_at,
                    answered=len(scores),
                    average_score=sum(scores) / len(scores) if scores else None,
                    language=s.language,
                )
            )
        return out

    async def sessions_awaiting_grade(self) -> list[int]:
        """Return active sessions whose newest turn was answered but not graded, and
        sessions (of any status) whose rewind retry was saved but not graded."""
        return self._waiting(TurnStatus.ANSWERED, retry_saved=True)

    async def sessions_awaiting_answer(self) -> list[int]:
        """Return active sessions whose newest prompt waits for an answer, and sessions (of
        any status) waiting for a rewind retry."""
        return self._waiting(TurnStatus.ASKED, retry_saved=False)

    def _waiting(self, newest_status: TurnStatus, *, retry_saved: bool) -> list[int]:
        waiting = []
        for sid, s in sorted(self.sessions.items()):
            turns = self._turns_of(sid)
            newest = turns[-1].status if turns else None
            retry = s.rewind_turn_id is not None and (s.rewind_answer is not None) == retry_saved
            if retry or (s.status is SessionStatus.ACTIVE and newest is newest_status):
                waiting.append(sid)
        return waiting

    async def attempts(self, turn_id: int) -> list[Attempt]:
        """Return the retries of a turn, oldest first."""
        return [
            copy.deepcopy(a) for _, a in sorted(self.attempt_rows.items()) if a.turn_id == turn_id
        ]

    async def turn_owner(self, turn_id: int) -> int | None:
        """Return the id of the session a turn belongs to, or None."""
        row = self.turns.get(turn_id)
        return row.session_id if row is not None else None

    # ---- helpers --------------------------------------------------------------------

    def _touch(self, session_id: int | None) -> None:
        if session_id is not None and session_id in self.sessions:
            self.updated_at[session_id] = self._clock.now()

    def _check_one_active(self, user_id: int, guild_id: int | None, own_id: int | None) -> None:
        for s in self._of(user_id, guild_id):
            if s.status is SessionStatus.ACTIVE and s.id != own_id:
                raise ConstraintViolation(
                    f"user {user_id} already has an active session in server {guild_id}"
                )

    def _of(self, user_id: int, guild_id: int | None) -> list[Session]:
        return [
            s
            for s in self.sessions.values()
            if s.user_id == user_id and (s.guild_id or 0) == (guild_id or 0)
        ]

    @staticmethod
    def _newest(found: Iterable[Session]) -> Session | None:
        return max(found, key=lambda s: s.id or 0, default=None)

    def _turns_of(self, session_id: int) -> list[Turn]:
        rows = [row.turn for row in self.turns.values() if row.session_id == session_id]
        return sorted(rows, key=lambda t: t.index)

    def _load(self, stored: Session | None) -> Session | None:
        """Return a copy of a stored session with copies of its turns."""
        if stored is None or stored.id is None:
            return None
        found = copy.deepcopy(stored)
        found.turns = [copy.deepcopy(t) for t in self._turns_of(stored.id)]
        return found


def _newest_first(session: Session) -> tuple[float, int]:
    return (-session.created_at.timestamp(), -(session.id or 0))


if TYPE_CHECKING:
    from bot.interview.ports import SessionStore

    _store: SessionStore = InMemorySessionStore()

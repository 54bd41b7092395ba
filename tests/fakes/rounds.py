"""In-memory doubles of the round ports: store, channel, presenter and interviews."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.answer import Answer, Word
from bot.errors import SessionAlreadyActive, SessionNotFound
from bot.interview.engine import StartOptions
from bot.interview.events import (
    Event,
    FeedbackGiven,
    QuestionAsked,
    SessionEnded,
    Summary,
)
from bot.interview.models import Session, SessionStatus, Turn, TurnStatus
from bot.rounds import (
    AnswerRecord,
    Ending,
    Line,
    Note,
    Participant,
    Rating,
    RatingRecord,
    Round,
    RoundStatus,
    RoundSummary,
)
from tests.fakes.clock import T0
from tests.fakes.evaluator import evaluation

log = logging.getLogger(__name__)


class InMemoryRoundStore:
    """The RoundStore port in memory, with the SQLite store's rules (one vote per rater)."""

    def __init__(self) -> None:
        self.rounds: dict[int, Round] = {}
        self.participants: dict[int, list[Participant]] = defaultdict(list)
        self.answer_rows: list[AnswerRecord] = []
        self.votes: dict[tuple[int, int], Rating] = {}
        self._ids = 0

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    async def create_round(self, round_: Round) -> Round:
        """Insert a round and return it with its id."""
        round_.id = self._next_id()
        self.rounds[round_.id] = _round_fields(round_)
        return round_

    async def save_round(self, round_: Round) -> None:
        """Save the round's own fields and every participant's counters."""
        assert round_.id is not None
        self.rounds[round_.id] = _round_fields(round_)
        for p in round_.participants:
            if p.id is not None:
                await self.save_participant(round_.id, p)

    async def get_round(self, round_id: int) -> Round | None:
        """Return a copy of the round with its participants, or None."""
        stored = self.rounds.get(round_id)
        if stored is None:
            return None
        found = copy.deepcopy(stored)
        found.participants = [
            copy.copy(p) for p in sorted(self.participants[round_id], key=lambda p: p.position)
        ]
        return found

    async def live_round(self, guild_id: int) -> Round | None:
        """Return the newest round of a server that has not ended, or None."""
        live = [r for r in self.rounds.values() if r.guild_id == guild_id and r.status.live]
        if not live:
            return None
        newest = max(live, key=lambda r: r.id or 0)
        assert newest.id is not None
        return await self.get_round(newest.id)

    async def save_participant(self, round_id: int, participant: Participant) -> Participant:
        """Insert or update one participant; return it with its id."""
        rows = self.participants[round_id]
        if participant.id is None:
            participant.id = self._next_id()
            rows.append(copy.copy(participant))
        else:
            rows[:] = [copy.copy(participant) if p.id == participant.id else p for p in rows]
        return participant

    async def end_unfinished(self, at: datetime, keep: set[int] | None = None) -> int:
        """Mark rounds left live (all but ``keep``) as stopped; return how many."""
        ended = 0
        for round_id, r in self.rounds.items():
            if r.status.live and round_id not in (keep or set()):
                r.status, r.ended_at = RoundStatus.STOPPED, at
                ended += 1
        return ended

    async def record_answer(
        self,
        round_id: int,
        user_id: int,
        session_id: int | None,
        turn_id: int | None,
        turn_index: int | None,
        score: int | None,
        at: datetime,
    ) -> AnswerRecord:
        """Store one answer of a participant."""
        if not any(p.user_id == user_id for p in self.participants[round_id]):
            raise LookupError(f"user {user_id} is not a participant of round {round_id}")
        record = AnswerRecord(self._next_id(), round_id, user_id, session_id, turn_index, score)
        self.answer_rows.append(record)
        return record

    async def get_answer(self, answer_id: int) -> AnswerRecord | None:
        """Return one round answer, or None."""
        return next((a for a in self.answer_rows if a.id == answer_id), None)

    async def rate(self, answer_id: int, rater_id: int, rating: Rating, at: datetime) -> bool:
        """Store a rater's vote, replacing their earlier one; tell if it replaced one."""
        existed = (answer_id, rater_id) in self.votes
        self.votes[(answer_id, rater_id)] = rating
        return existed

    async def answers(self, round_id: int) -> list[AnswerRecord]:
        """Return the round's answers in order."""
        return [a for a in self.answer_rows if a.round_id == round_id]

    async def ratings(self, round_id: int) -> list[RatingRecord]:
        """Return every peer rating given in the round."""
        mine = {a.id for a in self.answer_rows if a.round_id == round_id}
        return [
            RatingRecord(answer_id, rater_id, rating)
            for (answer_id, rater_id), rating in self.votes.items()
            if answer_id in mine
        ]


def _round_fields(round_: Round) -> Round:
    """Return a copy of the round's own fields (participants are stored apart)."""
    return replace(round_, participants=[])


class FakeRoundChannel:
    """A RoundChannel whose answers come from a script; it records what the round did.

    ``answer(user, text)`` queues an answer, ``silence(user)`` queues a timeout. With nothing
    queued, ``next_answer`` waits until something is queued, the channel closes, or the real
    ``timeout_s`` passes. ``waiting_for`` tells whose answer is awaited.
    """

    def __init__(self, members: set[int] | None = None) -> None:
        self.members: set[int] = set(members or ())
        self.said: list[Line] = []
        self.listening: frozenset[int] = frozenset()
        self.listen_calls: list[frozenset[int]] = []
        self.interrupts = 0
        self.is_connected = True
        self.closed = False
        self.waiting_for: int | None = None
        self._scripts: dict[int, deque[Answer | None]] = defaultdict(deque)
        self._changed = asyncio.Condition()

    def answer(self, user_id: int, text: str) -> None:
        """Queue an answer of ``user_id``."""
        words = tuple(Word(w, i * 400, i * 400 + 350) for i, w in enumerate(text.split()))
        self._queue(user_id, Answer(text, words, spoken=True))

    def silence(self, user_id: int, times: int = 1) -> None:
        """Queue ``times`` silent timeouts for ``user_id``."""
        for _ in range(times):
            self._queue(user_id, None)

    def _queue(self, user_id: int, item: Answer | None) -> None:
        self._scripts[user_id].append(item)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def say(self, line: Line) -> bool:
        """Record the line."""
        self.said.append(line)
        return not self.closed

    def interrupt(self) -> None:
        """Count interruptions."""
        self.interrupts += 1

    def listen_to(self, user_ids: set[int]) -> None:
        """Record whom the round listens to."""
        self.listening = frozenset(user_ids)
        self.listen_calls.append(self.listening)

    async def next_answer(self, user_id: int, timeout_s: float) -> Answer | None:
        """Return the next scripted answer of ``user_id`` (None for a scripted silence)."""
        script = self._scripts[user_id]
        if timeout_s <= 0:
            if script and script[0] is not None and not self.closed:
                return script.popleft()
            return None
        if not script:
            self.waiting_for = user_id
            try:
                async with asyncio.timeout(timeout_s), self._changed:
                    await self._changed.wait_for(lambda: bool(script) or self.closed)
            except TimeoutError:
                return None
            finally:
                self.waiting_for = None
        if self.closed or not script:
            return None
        return script.popleft()

    def member_ids(self) -> set[int]:
        """Return the people present."""
        return set(self.members)

    def connected(self) -> bool:
        """Tell whether the channel is still reachable."""
        return self.is_connected and not self.closed

    async def close(self) -> None:
        """Stop everything and wake whoever waits."""
        self.closed = True
        self.listening = frozenset()
        await self._notify()


@dataclass
class RecordingPresenter:
    """A RoundPresenter that records what it was asked to show."""

    names: dict[int, str] = field(default_factory=dict)
    notices: list[Round] = field(default_factory=list)
    listened: list[tuple[int, ...]] = field(default_factory=list)
    shown: list[tuple[int, list[Event], bool]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rating_requests: list[AnswerRecord] = field(default_factory=list)
    endings: list[tuple[Ending, int | None]] = field(default_factory=list)
    summaries: list[tuple[RoundSummary, Ending | None, int | None]] = field(default_factory=list)

    def name_of(self, user_id: int) -> str:
        """Return the scripted name, or "user <id>"."""
        return self.names.get(user_id, f"user {user_id}")

    async def consent_notice(self, round_: Round) -> None:
        """Record the notice."""
        self.notices.append(round_)

    async def listening(self, user_ids: Sequence[int]) -> None:
        """Record whom the round listens to."""
        self.listened.append(tuple(user_ids))

    async def events(self, user_id: int, events: Sequence[Event], group: bool) -> None:
        """Record interview events."""
        self.shown.append((user_id, list(events), group))

    async def note(self, note: Note) -> None:
        """Record a note."""
        self.notes.append(note)

    async def error(self, message: str) -> None:
        """Record a message in words."""
        self.errors.append(message)

    async def rating_request(self, answer: AnswerRecord) -> None:
        """Record a rating request."""
        self.rating_requests.append(answer)

    async def ended(self, ending: Ending, stopped_by: int | None) -> None:
        """Record why a solo round ended."""
        self.endings.append((ending, stopped_by))

    async def round_summary(
        self, summary: RoundSummary, ending: Ending | None, stopped_by: int | None
    ) -> None:
        """Record the summary."""
        self.summaries.append((summary, ending, stopped_by))

    def prompts_for(self, user_id: int) -> list[str]:
        """Return the questions shown to ``user_id``, in order."""
        return [
            e.turn.prompt
            for uid, events, _ in self.shown
            if uid == user_id
            for e in events
            if isinstance(e, QuestionAsked)
        ]


class ScriptedInterviews:
    """The Interviews port without a database: numbered questions, scores from the answer.

    An answer starting "great" scores 92, "weak" 30, anything else 65; there are no
    follow-ups. ``running`` makes ``active_session`` report a text interview for a user.
    """

    def __init__(self) -> None:
        self.sessions: dict[int, Session] = {}
        self.running: set[int] = set()
        self.answers: list[tuple[int, str, bool]] = []
        self.finished: list[tuple[int, bool]] = []
        self._turn_ids = 0

    async def active_session(self, user_id: int, guild_id: int | None) -> Session | None:
        """Return the user's running interview, or a stand-in for a text one."""
        if user_id in self.running:
            return _session(user_id, guild_id, 1, Language.EN, session_id=-user_id)
        return next(
            (
                s
                for s in self.sessions.values()
                if s.user_id == user_id
                and s.guild_id == guild_id
                and s.status is SessionStatus.ACTIVE
            ),
            None,
        )

    async def start(self, options: StartOptions) -> tuple[Session, list[Event]]:
        """Start an interview and ask its first question."""
        existing = await self.active_session(options.user_id, options.guild_id)
        if existing is not None and existing.id is not None:
            raise SessionAlreadyActive("already running", existing.id)
        session = _session(
            options.user_id,
            options.guild_id,
            options.count,
            options.language,
            session_id=len(self.sessions) + 100,
        )
        assert session.id is not None
        self.sessions[session.id] = session
        return session, [self._ask(session)]

    async def answer(
        self, session_id: int, text: str, words: Sequence[Word] = (), spoken: bool = False
    ) -> list[Event]:
        """Grade the answer by its first word and ask the next question (or end)."""
        session = self._active(session_id)
        self.answers.append((session_id, text, spoken))
        turn = session.turns[-1]
        score = 92 if text.startswith("great") else 30 if text.startswith("weak") else 65
        turn.answer, turn.status = text, TurnStatus.EVALUATED
        turn.evaluation = evaluation(score)
        graded = FeedbackGiven(turn, turn.evaluation, number=session.questions_asked)
        return [graded, *self._advance(session)]

    async def skip(self, session_id: int) -> list[Event]:
        """Skip the current question."""
        session = self._active(session_id)
        session.turns[-1].status = TurnStatus.SKIPPED
        return self._advance(session)

    async def finish(self, session_id: int, stopped: bool = False) -> list[Event]:
        """End the interview."""
        session = self._active(session_id)
        self.finished.append((session_id, stopped))
        return [self._end(session, stopped)]

    async def resume(self, session_id: int) -> list[Event]:
        """Re-ask the current question."""
        session = self._active(session_id)
        turn = session.turns[-1]
        return [QuestionAsked(turn, _question(turn.index), session.questions_asked, 0, True)]

    def _active(self, session_id: int) -> Session:
        session = self.sessions.get(session_id)
        if session is None or session.status is not SessionStatus.ACTIVE:
            raise SessionNotFound("That interview has ended.")
        return session

    def _advance(self, session: Session) -> list[Event]:
        if session.questions_asked >= session.question_count:
            return [self._end(session, False)]
        return [self._ask(session)]

    def _ask(self, session: Session) -> QuestionAsked:
        self._turn_ids += 1
        index = len(session.turns)
        turn = Turn(index, f"q{index}", f"Question {index + 1}?", session.level, id=self._turn_ids)
        session.turns.append(turn)
        return QuestionAsked(
            turn, _question(index), session.questions_asked, session.question_count
        )

    def _end(self, session: Session, stopped: bool) -> SessionEnded:
        session.status = SessionStatus.STOPPED if stopped else SessionStatus.FINISHED
        scores = tuple(t.evaluation.score for t in session.turns if t.evaluation is not None)
        summary = Summary(
            session=session,
            answered=len(scores),
            skipped=sum(1 for t in session.turns if t.status is TurnStatus.SKIPPED),
            average_score=sum(scores) / len(scores) if scores else None,
            dimensions={},
            recurring=(),
            best=None,
            weakest=None,
            scores=scores,
        )
        return SessionEnded(summary, stopped)


def _session(
    user_id: int, guild_id: int | None, count: int, language: Language, *, session_id: int
) -> Session:
    return Session(
        user_id=user_id,
        guild_id=guild_id,
        kind=Kind.BEHAVIORAL,
        level=Level.MID,
        start_level=Level.MID,
        question_count=count,
        language=language,
        role=None,
        channel_id=None,
        created_at=T0,
        id=session_id,
    )


def _question(index: int) -> Question:
    return Question(
        id=f"q{index}",
        kind=Kind.BEHAVIORAL,
        language=Language.EN,
        levels=(Level.MID,),
        skills=("s",),
        text=f"Question {index + 1}?",
        hint="hint",
    )


if TYPE_CHECKING:
    from bot.rounds.ports import Interviews, RoundChannel, RoundPresenter, RoundStore

    _store: RoundStore = InMemoryRoundStore()
    _channel: RoundChannel = FakeRoundChannel()
    _presenter: RoundPresenter = RecordingPresenter()
    _interviews: Interviews = ScriptedInterviews()

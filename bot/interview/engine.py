"""The interview engine: one service that runs a session turn by turn."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from bot.catalog import Kind, Language, Level, Question
from bot.catalog.bank import ExtraQuestions, QuestionBank
from bot.coaching.answer import Answer, Word
from bot.coaching.followup import combined_answer, reply_evaluation, reply_in_other_language
from bot.coaching.grading import Evaluator, GradingContext, PriorTurn, SectionCallback
from bot.coaching.models import Dimension, Evaluation, Probe
from bot.copy import text as copy_text
from bot.errors import CoachError, InvalidAnswer, SessionAlreadyActive, SessionNotFound
from bot.interview.difficulty import next_level
from bot.interview.events import (
    Comparison,
    Event,
    FeedbackGiven,
    FollowUpAsked,
    LevelChanged,
    QuestionAsked,
    RecurringIssue,
    Reevaluation,
    Regraded,
    RetryGraded,
    RewindAsked,
    SessionEnded,
    Summary,
)
from bot.interview.models import (
    Attempt,
    Session,
    SessionStatus,
    Turn,
    TurnStatus,
    custom_question,
)
from bot.interview.ports import (
    Clock,
    GradedAnswer,
    InterviewObserver,
    Memory,
    SessionOverview,
    SessionStore,
)
from bot.interview.selection import pick_follow_up, pick_question

log = logging.getLogger(__name__)

MAX_ANSWER_CHARS = 25_000
MAX_QUESTIONS = 15
# The hint of a written question rebuilt after a restart (its own hint was not kept).
_WRITTEN_HINT = "profile.questions.hint"

# Called once the answer is saved, before grading starts (a typing indicator, say).
SavedCallback = Callable[[], Awaitable[None]]
# Shows an answer's outcome while the interview is still held, so nothing (a stop, a
# deletion) can act on it between grading and the candidate seeing the result.
Deliver = Callable[[list[Event]], Awaitable[None]]


@dataclass(slots=True)
class _KeyLock:
    """A lock shared by the callers waiting on one key, dropped when none is left."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class SystemClock:
    """The real UTC clock."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class StartOptions:
    """What the candidate asked for when starting."""

    user_id: int
    guild_id: int | None
    kind: Kind
    level: Level
    count: int
    language: Language = Language.EN
    role: str | None = None
    channel_id: int | None = None
    # Questions to ask, in order, before the usual choice (a drill picks its own).
    question_ids: tuple[str, ...] = ()
    # Questions written for this interview (not in the bank), asked where their ids stand
    # in ``question_ids``; see ``custom_question_id``.
    questions: tuple[Question, ...] = ()


class InterviewEngine:
    """Run mock interviews: ask, grade, follow up, adapt, summarise; save every step."""

    def __init__(
        self,
        store: SessionStore,
        bank: QuestionBank,
        evaluator: Evaluator,
        clock: Clock | None = None,
        observers: Sequence[InterviewObserver] = (),
        memory: Memory | None = None,
        extra: ExtraQuestions | None = None,
    ) -> None:
        self._store = store
        self._bank = bank
        # A server's own questions, asked beside the bank's in that server.
        self._extra = extra
        self._evaluator = evaluator
        self._clock = clock or SystemClock()
        self._locks: dict[int, asyncio.Lock] = {}
        # One start at a time per user and server: the check and the insert are one step.
        self._starts: dict[tuple[int, int], _KeyLock] = {}
        # Progress, stories and the like learn from each graded answer.
        self._observers = tuple(observers)
        # What the candidate keeps doing, for a grading model (None: nothing remembered).
        self._memory = memory
        # Planned questions per session (kept in memory: after a restart the usual choice).
        self._plans: dict[int, tuple[str, ...]] = {}
        # Written questions per running session; once asked, a turn's prompt keeps the text.
        self._written: dict[int, dict[str, Question]] = {}

    # ---- lookups -------------------------------------------------------------------

    async def session(self, session_id: int) -> Session:
        """Return a session or raise SessionNotFound."""
        session = await self._store.get_session(session_id)
        if session is None:
            raise SessionNotFound(key="interview.gone")
        return session

    async def active_session(self, user_id: int, guild_id: int | None) -> Session | None:
        """Return the user's active session in this server, if any."""
        return await self._store.active_session(user_id, guild_id)

    async def session_in_channel(self, channel_id: int) -> Session | None:
        """Return the active session bound to a channel or thread, if any."""
        return await self._store.session_in_channel(channel_id)

    async def history(
        self, user_id: int, guild_id: int | None, limit: int = 10
    ) -> list[SessionOverview]:
        """Return the user's recent sessions, newest first, counted as their summaries are.

        "Answered" is questions answered (a follow-up reply is part of its question) and the
        average is over question grades, so history and the summary always agree.
        """
        rows = await self._store.history(user_id, guild_id, limit)
        out = []
        for row in rows:
            session = await self._store.get_session(row.session_id)
            if session is None:
                out.append(row)
                continue
            summary = self.summarise(session)
            out.append(replace(row, answered=summary.answered, average_score=summary.average_score))
        return out

    async def sessions_awaiting_grade(self) -> list[int]:
        """Return sessions interrupted between saving an answer (or a retry) and grading it."""
        return await self._store.sessions_awaiting_grade()

    async def sessions_awaiting_answer(self) -> list[int]:
        """Return sessions whose prompt (or rewound question) waits for the candidate."""
        return await self._store.sessions_awaiting_answer()

    def question_for(self, turn: Turn) -> Question:
        """Return the question a turn belongs to (from the bank, or written for it)."""
        question = self._lookup(turn.question_id)
        if question is None:
            question = next(
                (w[turn.question_id] for w in self._written.values() if turn.question_id in w),
                None,
            ) or custom_question(turn.question_id, turn.prompt, turn.level, _WRITTEN_HINT)
        if question is None:
            raise SessionNotFound(key="interview.question_gone")
        return question

    # ---- lifecycle -----------------------------------------------------------------

    async def start(
        self,
        options: StartOptions,
        *,
        open_channel: Callable[[], Awaitable[int | None]] | None = None,
    ) -> tuple[Session, list[Event]]:
        """Create a session and ask its first question.

        ``open_channel`` opens the place where the interview will run and returns its id; it
        is called only once no other interview of the user runs here, so a refused start
        leaves no empty thread behind. Starts of one user in one server run one at a time,
        so two at the same moment give one interview and one SessionAlreadyActive.
        """
        async with self._starting(options.user_id, options.guild_id):
            await self._refuse_second(options)
            if open_channel is not None:
                options = replace(options, channel_id=await open_channel())
            try:
                session = await self._store.create_session(self._new_session(options))
            except Exception:
                # Another process may have inserted one meanwhile (the store refuses a
                # second active interview): say so rather than apologise.
                await self._refuse_second(options)
                raise
        assert session.id is not None
        if options.question_ids:
            self._plans[session.id] = options.question_ids
        if options.questions:
            self._written[session.id] = {q.id: q for q in options.questions}
        async with self._lock(session.id):
            events = await self._advance(session, await self._notify_started(session))
        log.info("Started session %s for user %s", session.id, options.user_id)
        return session, events

    async def _refuse_second(self, options: StartOptions) -> None:
        """Raise SessionAlreadyActive when the user already runs an interview here."""
        existing = await self._store.active_session(options.user_id, options.guild_id)
        if existing is not None and existing.id is not None:
            raise SessionAlreadyActive(
                session_id=existing.id,
                key="interview.already_running_plain",
                language=options.language,
                running=existing,
            )

    @asynccontextmanager
    async def _starting(self, user_id: int, guild_id: int | None) -> AsyncIterator[None]:
        """Hold the start lock of one user in one server (no server and server 0 are one)."""
        key = (user_id, guild_id or 0)
        entry = self._starts.setdefault(key, _KeyLock())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._starts[key]

    def _new_session(self, options: StartOptions) -> Session:
        """Return the unsaved session a start creates."""
        return Session(
            user_id=options.user_id,
            guild_id=options.guild_id,
            kind=options.kind,
            level=options.level,
            start_level=options.level,
            question_count=max(1, min(MAX_QUESTIONS, options.count)),
            language=options.language,
            role=options.role,
            channel_id=options.channel_id,
            created_at=self._clock.now(),
        )

    async def bind_channel(self, session_id: int, channel_id: int) -> None:
        """Bind a session to the thread or channel where it runs."""
        async with self._lock(session_id):
            session = await self.session(session_id)
            session.channel_id = channel_id
            await self._store.update_session(session)

    async def answer(
        self,
        session_id: int,
        text: str,
        words: Sequence[Word] = (),
        spoken: bool = False,
        *,
        on_section: SectionCallback | None = None,
        on_saved: SavedCallback | None = None,
        deliver: Deliver | None = None,
    ) -> list[Event]:
        """Save an answer to the current prompt, grade it, then follow up, move on or finish.

        The answer is saved before anything else happens; ``on_saved`` is called right after
        (an exception raised before it means the answer was not saved). ``on_section``
        receives each finished section of a model's feedback as it streams. ``deliver``, if
        given, shows the events before the interview is released.
        """
        cleaned = text.strip()
        async with self._lock(session_id):
            session = await self.session(session_id)
            _check_answer(cleaned, session.language)
            answer = Answer(cleaned, tuple(words), spoken)
            if session.rewind_turn is not None:
                # A rewind is pending: this answer is the retry, whatever the session's status.
                events = await self._retry(
                    session, answer, on_section=on_section, on_saved=on_saved
                )
            else:
                _ensure_active(session)
                turn = session.current_turn
                if turn is None or turn.status is not TurnStatus.ASKED:
                    # A duplicate delivery or a race with Skip: nothing waits for an answer.
                    return []
                turn.answer = cleaned
                turn.status = TurnStatus.ANSWERED
                # Saved first, so a crash, a refused typing indicator or a failing grader
                # loses nothing.
                await self._store.save_turn(session_id, turn)
                await _saved(on_saved, session_id)
                events = await self._grade_and_advance(session, turn, answer, on_section=on_section)
            if deliver is not None:
                await deliver(events)
            return events

    async def skip(self, session_id: int, prompt: int | None = None) -> list[Event]:
        """Skip the current prompt; a skipped follow-up moves to the next question.

        ``prompt`` (turn index + 1) names the prompt the candidate meant: when another one is
        current by now, nothing is skipped (an old Skip button must not skip a newer prompt).
        """
        async with self._lock(session_id):
            session = await self._active(session_id)
            turn = session.current_turn
            if turn is None or turn.status is not TurnStatus.ASKED:
                return []
            if prompt is not None and turn.index + 1 != prompt:
                return []
            turn.status = TurnStatus.SKIPPED
            await self._store.save_turn(session_id, turn)
            return await self._advance(session, [])

    def hint(self, session: Session) -> str:
        """Return a hint for the current prompt."""
        turn = session.current_turn
        if turn is None:
            raise SessionNotFound(key="interview.no_hint_question", language=session.language)
        return self.question_for(turn).hint

    async def finish(self, session_id: int, stopped: bool = False) -> list[Event]:
        """End the session early and summarise what was answered."""
        async with self._lock(session_id):
            session = await self._active(session_id)
            return [await self._end(session, stopped=stopped)]

    async def resume(
        self, session_id: int, *, on_section: SectionCallback | None = None
    ) -> list[Event]:
        """Pick a session up where it stopped: grade what was saved but not graded (a
        retry too, whatever the session's status), or re-ask."""
        async with self._lock(session_id):
            session = await self.session(session_id)
            if session.rewind_answer is not None and session.rewind_turn is not None:
                log.info("Grading the interrupted retry of session %s", session_id)
                return await self._retry(
                    session, Answer(session.rewind_answer), on_section=on_section, saved=True
                )
            _ensure_active(session)
            turn = session.current_turn
            if turn is None:
                return await self._advance(session, [])
            if turn.status is TurnStatus.ANSWERED and turn.answer:
                log.info("Re-grading interrupted turn %s of session %s", turn.id, session_id)
                return await self._grade_and_advance(
                    session, turn, Answer(turn.answer), on_section=on_section
                )
            if turn.status is TurnStatus.ASKED:
                return [self._asked_event(session, turn, resumed=True)]
            return await self._advance(session, [])

    def summarise(self, session: Session) -> Summary:
        """Return the figures of a session so far: one grade per question asked."""
        # A question's grade is its latest evaluation: a reply to a follow-up is graded with
        # what came before it and can only raise it, so follow-ups never drag an average down.
        graded: list[tuple[Turn, Evaluation]] = []
        for main in session.main_turns:
            grade = session.question_grade(main)
            if grade is not None:
                graded.append((main, grade))
        scores = tuple(e.score for _, e in graded)
        dims: dict[Dimension, float] = {}
        for dim in Dimension:
            values = [e.dimensions[dim] for _, e in graded if dim in e.dimensions]
            if values:
                dims[dim] = sum(values) / len(values)
        counts: Counter[str] = Counter()
        fixes: dict[str, str] = {}
        for _, evaluation in graded:
            for f in {f.rule_id: f for f in evaluation.problems}.values():
                counts[f.rule_id] += 1
                fixes.setdefault(f.rule_id, f.fix)
        recurring = tuple(RecurringIssue(rule, n, fixes[rule]) for rule, n in counts.most_common(3))
        by_score = sorted(graded, key=lambda pair: pair[1].score)
        return Summary(
            session=session,
            answered=len(graded),
            skipped=sum(1 for t in session.main_turns if t.status is TurnStatus.SKIPPED),
            average_score=sum(scores) / len(scores) if scores else None,
            dimensions=dims,
            recurring=recurring,
            # With one graded question there is nothing to compare: no "strongest" answer.
            best=by_score[-1][0] if len(graded) > 1 else None,
            weakest=by_score[0][0] if len(graded) > 1 else None,
            scores=scores,
        )

    # ---- rewind and re-evaluation ---------------------------------------------------

    async def latest_session(self, user_id: int, guild_id: int | None) -> Session | None:
        """Return the user's active session here, else their newest one, else None."""
        active = await self._store.active_session(user_id, guild_id)
        if active is not None:
            return active
        return await self._store.latest_session(user_id, guild_id)

    async def rewind_in_channel(self, channel_id: int) -> Session | None:
        """Return the session in a channel that waits for a rewind retry (any status)."""
        return await self._store.rewind_in_channel(channel_id)

    async def turn(self, turn_id: int) -> tuple[Session, Turn]:
        """Return a turn by id with its session, or raise SessionNotFound."""
        session_id = await self._store.turn_owner(turn_id)
        if session_id is not None:
            session = await self.session(session_id)
            for turn in session.turns:
                if turn.id == turn_id:
                    return session, turn
        raise SessionNotFound(key="interview.answer_gone")

    async def attempts(self, turn_id: int) -> list[Attempt]:
        """Return the retries of a turn, oldest first."""
        return await self._store.attempts(turn_id)

    async def attempt_evaluation(self, turn: Turn, attempt: int) -> Evaluation | None:
        """Return the feedback of attempt ``attempt`` of a turn (1 is the first answer)."""
        if attempt <= 1:
            return turn.evaluation
        if turn.id is None:
            return None
        retries = await self._store.attempts(turn.id)
        return retries[attempt - 2].evaluation if attempt - 2 < len(retries) else None

    async def rewind(self, session_id: int, number: int) -> RewindAsked:
        """Make the candidate's next answer a retry of main question ``number`` (1-based).

        The session's current question, level and summary are untouched: the retry is
        stored as an extra attempt of the old turn, never as a new turn.
        """
        async with self._lock(session_id):
            session = await self.session(session_id)
            language = session.language
            main = session.main_turns
            if not main:
                raise CoachError(key="interview.rewind.no_questions", language=language)
            if not 1 <= number <= len(main):
                pick = (
                    copy_text("interview.rewind.only_first", language)
                    if len(main) == 1
                    else copy_text("interview.rewind.pick", language, count=len(main))
                )
                raise CoachError(
                    key="interview.rewind.out_of_range", language=language, number=number, pick=pick
                )
            turn = main[number - 1]
            if turn.status is TurnStatus.SKIPPED:
                raise CoachError(key="interview.rewind.skipped", language=language, number=number)
            if turn.status is TurnStatus.ASKED:
                raise CoachError(
                    key="interview.rewind.not_answered", language=language, number=number
                )
            if turn.evaluation is None or turn.id is None:
                raise CoachError(key="interview.rewind.grading", language=language, number=number)
            if session.rewind_answer is not None:
                # A saved retry not graded yet (the bot stopped): a new rewind would drop it.
                raise CoachError(key="interview.rewind.retry_waiting", language=language)
            session.rewind_turn_id = turn.id
            assert session.id is not None
            await self._store.set_rewind(session.id, turn.id)
            earlier = await self._store.attempts(turn.id)
            log.info("Session %s rewinds to question %d", session.id, number)
            return RewindAsked(
                session_id=session.id,
                turn=turn,
                question=self.question_for(turn),
                number=number,
                attempts=len(earlier) + 1,
                session_active=session.status is SessionStatus.ACTIVE,
            )

    async def cancel_rewind(self, session_id: int) -> bool:
        """Drop a pending rewind; return whether there was one."""
        async with self._lock(session_id):
            session = await self.session(session_id)
            if session.rewind_turn_id is None:
                return False
            await self._store.set_rewind(session_id, None)
            return True

    async def reevaluate(self, session_id: int) -> Reevaluation:
        """Grade again, with the model, every answer the model could not grade at the time."""
        async with self._lock(session_id):
            session = await self.session(session_id)
            todo = [
                t
                for t in session.turns
                if t.answer and t.evaluation is not None and t.evaluation.model_missing
            ]
            regraded: list[Regraded] = []
            for i, turn in enumerate(todo):
                assert turn.evaluation is not None and turn.answer is not None
                fresh = await self._grade(session, turn, Answer(turn.answer))
                why = _model_missing(fresh)
                if why is not None:
                    return Reevaluation(
                        session_id,
                        tuple(regraded),
                        remaining=len(todo) - i,
                        stopped=why,
                        note=fresh.fallback.note if fresh.fallback else None,
                    )
                before = turn.evaluation
                turn.evaluation = fresh
                await self._store.save_turn(session_id, turn)
                regraded.append(
                    Regraded(turn, session.question_number(turn), Comparison.of(before, fresh))
                )
            if regraded:
                log.info("Re-graded %d answer(s) of session %s", len(regraded), session_id)
            offline_only = sum(
                1
                for t in session.turns
                if t.evaluation is not None
                and t not in todo
                and _model_missing(t.evaluation) == "no_model"
            )
            return Reevaluation(session_id, tuple(regraded), offline_only=offline_only)

    # ---- internals -----------------------------------------------------------------

    def _context(
        self,
        session: Session,
        turn: Turn,
        *,
        on_section: SectionCallback | None = None,
        probe: Probe | None = None,
        memory: tuple[str, ...] = (),
    ) -> GradingContext:
        """Return everything a grader needs to know about grading ``turn``'s answer."""
        main = session.question_turns(turn)[0]
        return GradingContext(
            level=turn.level,
            language=session.language,
            session_id=session.id,
            user_id=session.user_id,
            guild_id=session.guild_id,
            asked=main.prompt,
            history=tuple(
                PriorTurn(
                    index=t.index,
                    prompt=t.prompt,
                    answer=t.answer,
                    follow_up=t.is_follow_up,
                    score=t.evaluation.score if t.evaluation is not None else None,
                    skipped=t.status is TurnStatus.SKIPPED,
                )
                for t in session.turns
                if t.index < main.index
            ),
            probe=probe,
            ab_key=str(session.id) if session.id is not None else None,
            on_section=on_section,
            memory=memory,
        )

    async def _grade(
        self,
        session: Session,
        turn: Turn,
        answer: Answer,
        *,
        on_section: SectionCallback | None = None,
    ) -> Evaluation:
        """Grade a turn's answer: a main answer alone, a follow-up reply with its question."""
        question = self.question_for(turn)
        memory = await self._recall(session)
        if not turn.is_follow_up:
            return await self._evaluator.evaluate(
                answer,
                question,
                self._context(session, turn, on_section=on_section, memory=memory),
            )
        chain = session.question_turns(turn)
        earlier = [t for t in chain if t.index < turn.index]
        before = next((t.evaluation for t in reversed(earlier) if t.evaluation is not None), None)
        said = [t.answer or "" for t in earlier if t.status is not TurnStatus.SKIPPED]
        probe = Probe(turn.prompt, turn.probe_rule)
        context = self._context(session, turn, on_section=on_section, probe=probe, memory=memory)
        if before is not None and reply_in_other_language(said, answer, session.language):
            # One rubric cannot read two languages at once: grade the reply by its own.
            alone = await self._evaluator.evaluate(answer, question, context)
            return reply_evaluation(alone, 0, answer, before, probe, alone=True)
        combined, start = combined_answer(said, answer)
        evaluation = await self._evaluator.evaluate(combined, question, context)
        if before is None:
            return evaluation
        return reply_evaluation(evaluation, start, answer, before, probe)

    async def _retry(
        self,
        session: Session,
        answer: Answer,
        *,
        on_section: SectionCallback | None = None,
        on_saved: SavedCallback | None = None,
        saved: bool = False,
    ) -> list[Event]:
        """Save a rewind retry, grade it against the previous attempt, store it as an attempt.

        ``saved`` says the retry was saved earlier (a restart grades it now).
        """
        assert session.id is not None
        turn = session.rewind_turn
        assert turn is not None and turn.id is not None and turn.evaluation is not None
        if not saved:
            # Saved before grading: a crash mid-grade leaves it to grade after the restart.
            await self._store.save_rewind_answer(session.id, answer.text)
            session.rewind_answer = answer.text
            await _saved(on_saved, session.id)
        earlier = await self._store.attempts(turn.id)
        before = earlier[-1].evaluation if earlier else turn.evaluation
        memory = await self._recall(session)
        evaluation = await self._evaluator.evaluate(
            answer,
            self.question_for(turn),
            self._context(session, turn, on_section=on_section, memory=memory),
        )
        async with self._still_stored(session):
            # Clears the waiting rewind and its saved answer in the same write.
            attempt = await self._store.save_attempt(
                Attempt(turn.id, answer.text, evaluation, self._clock.now())
            )
        session.rewind_turn_id, session.rewind_answer = None, None
        notes = await self._notify_graded(
            GradedAnswer(session, turn, self.question_for(turn), answer, evaluation, retry=True)
        )
        current = session.current_turn
        pending = (
            current
            if session.status is SessionStatus.ACTIVE
            and current is not None
            and current.status is TurnStatus.ASKED
            else None
        )
        retried = RetryGraded(
            turn=turn,
            question=self.question_for(turn),
            number=session.question_number(turn),
            attempt=attempt,
            attempt_number=len(earlier) + 2,
            comparison=Comparison.of(before, evaluation),
            pending=pending,
        )
        return [retried, *notes]

    async def _recall(self, session: Session) -> tuple[str, ...]:
        """Return what memory holds for the grader; a failing memory never breaks grading."""
        if self._memory is None:
            return ()
        try:
            return tuple(await self._memory.recall(session))
        except Exception:
            log.exception("Memory failed for session %s", session.id)
            return ()

    def _lookup(self, question_id: str) -> Question | None:
        """Return a question of the bank, else of the servers' own sets."""
        found = self._bank.get(question_id)
        if found is None and self._extra is not None:
            found = self._extra.get(question_id)
        return found

    def _planned(self, session: Session) -> Question | None:
        """Return the next planned question not yet asked, if the session has a plan."""
        asked = session.asked_question_ids
        written = self._written.get(session.id or 0, {})
        for question_id in self._plans.get(session.id or 0, ()):
            question = self._lookup(question_id) or written.get(question_id)
            if question is not None and question_id not in asked:
                return question
        return None

    async def _notify_started(self, session: Session) -> list[Event]:
        """Let observers see a new interview; their notes lead its first question."""
        notes: list[Event] = []
        for observer in self._observers:
            try:
                notes += await observer.started(session)
            except Exception:
                log.exception("Observer %s failed on start of session %s", observer, session.id)
        return notes

    async def _notify_graded(self, graded: GradedAnswer) -> list[Event]:
        """Let observers learn from a graded answer; a failing one never breaks grading."""
        notes: list[Event] = []
        for observer in self._observers:
            try:
                notes += await observer.graded(graded)
            except Exception:
                log.exception(
                    "Observer %s failed on turn %s of session %s",
                    observer,
                    graded.turn.id,
                    graded.session.id,
                )
        return notes

    def _lock(self, session_id: int) -> asyncio.Lock:
        return self._locks.setdefault(session_id, asyncio.Lock())

    @asynccontextmanager
    async def _still_stored(self, session: Session) -> AsyncIterator[None]:
        """Turn a failed write into "deleted meanwhile" when the session is gone.

        ``/privacy delete`` can erase an interview while one of its answers is graded (a
        retry of a finished interview is not stopped first): the candidate must then hear
        that the answer was not kept, not that it is saved.
        """
        try:
            yield
        except CoachError:
            raise
        except Exception as exc:
            if session.id is not None and await self._gone(session.id):
                log.info("Session %s was deleted while an answer was graded", session.id)
                raise SessionNotFound(
                    key="interview.deleted_meanwhile", language=session.language
                ) from exc
            raise

    async def _gone(self, session_id: int) -> bool:
        """Tell whether a session is no longer stored (False when that cannot be told)."""
        try:
            return await self._store.get_session(session_id) is None
        except Exception:
            log.warning("Could not tell whether session %s still exists", session_id)
            return False

    async def _active(self, session_id: int) -> Session:
        session = await self.session(session_id)
        _ensure_active(session)
        return session

    async def _grade_and_advance(
        self,
        session: Session,
        turn: Turn,
        answer: Answer,
        *,
        on_section: SectionCallback | None = None,
    ) -> list[Event]:
        assert session.id is not None
        evaluation = await self._grade(session, turn, answer, on_section=on_section)
        async with self._still_stored(session):
            return await self._record_and_advance(session, turn, answer, evaluation)

    async def _record_and_advance(
        self, session: Session, turn: Turn, answer: Answer, evaluation: Evaluation
    ) -> list[Event]:
        """Save a grade, then ask a follow-up or the next question, or end."""
        assert session.id is not None
        turn.evaluation = evaluation
        turn.status = TurnStatus.EVALUATED
        await self._store.save_turn(session.id, turn)
        events: list[Event] = [
            FeedbackGiven(turn, evaluation, number=session.question_number(turn))
        ]
        question = self.question_for(turn)
        events += await self._notify_graded(
            GradedAnswer(session, turn, question, answer, evaluation)
        )
        same_question = session.question_turns(turn)
        follow_up = pick_follow_up(
            same_question,
            evaluation,
            {
                f.rule_id: self._bank.follow_ups(f.rule_id, session.language, session.kind)
                for f in evaluation.problems
            },
            self._bank.generic_follow_ups(session.language, session.kind),
            model_probe=evaluation.model_follow_up,
        )
        if follow_up is not None:
            text, rule = follow_up
            new = Turn(
                index=len(session.turns),
                question_id=turn.question_id,
                prompt=text,
                level=turn.level,
                follow_up=sum(1 for t in same_question if t.is_follow_up) + 1,
                probe_rule=rule,
            )
            session.turns.append(new)
            await self._store.save_turn(session.id, new)
            events.append(FollowUpAsked(new, question, rule))
            return events
        return await self._advance(session, events)

    async def _advance(self, session: Session, events: list[Event]) -> list[Event]:
        """Ask the next main question, or end the session when none is left."""
        assert session.id is not None
        if session.questions_asked >= session.question_count:
            events.append(await self._end(session))
            return events
        decision = next_level(session)
        if decision.level is not session.level:
            events.append(LevelChanged(session.level, decision.level, decision.reason or ""))
            session.level = decision.level
            await self._store.update_session(session)
        pool = self._bank.questions(session.kind, session.language)
        own = (
            self._extra.questions(session.guild_id, session.kind, session.language)
            if self._extra is not None
            else []
        )
        pool = [*own, *pool]
        question = self._planned(session) or pick_question(
            session, pool, session.level, favoured={q.id for q in own}
        )
        if question is None:
            events.append(await self._end(session))
            return events
        turn = Turn(
            index=len(session.turns),
            question_id=question.id,
            prompt=question.text,
            level=session.level,
        )
        session.turns.append(turn)
        await self._store.save_turn(session.id, turn)
        events.append(self._asked_event(session, turn))
        return events

    def _asked_event(self, session: Session, turn: Turn, resumed: bool = False) -> Event:
        question = self.question_for(turn)
        if turn.is_follow_up:
            return FollowUpAsked(turn, question, None, resumed=resumed)
        number = sum(1 for t in session.main_turns if t.index <= turn.index)
        return QuestionAsked(turn, question, number, session.question_count, resumed=resumed)

    async def _end(self, session: Session, stopped: bool = False) -> SessionEnded:
        session.status = SessionStatus.STOPPED if stopped else SessionStatus.FINISHED
        await self._store.update_session(session)
        self._plans.pop(session.id or 0, None)
        self._written.pop(session.id or 0, None)
        log.info("Session %s ended (%s)", session.id, session.status.value)
        return SessionEnded(self.summarise(session), stopped=stopped)


async def _saved(on_saved: SavedCallback | None, session_id: int) -> None:
    """Tell the caller the answer is saved; its failure must not stop the grading."""
    if on_saved is None:
        return
    try:
        await on_saved()
    except Exception:
        log.exception("on_saved callback failed for session %s", session_id)


def _check_answer(cleaned: str, language: Language) -> None:
    """Raise InvalidAnswer, in the session's language, for an empty or oversized answer."""
    if not cleaned:
        raise InvalidAnswer(key="interview.answer_empty", language=language)
    if len(cleaned) > MAX_ANSWER_CHARS:
        raise InvalidAnswer(
            key="interview.answer_too_long",
            language=language,
            length=f"{len(cleaned):,}",
            limit=f"{MAX_ANSWER_CHARS:,}",
        )


def _ensure_active(session: Session) -> None:
    """Raise SessionNotFound unless the session is still running."""
    if session.status is not SessionStatus.ACTIVE:
        raise SessionNotFound(key="interview.ended", language=session.language)


def _model_missing(evaluation: Evaluation) -> str | None:
    """Return why an evaluation is not the model's ("budget", "unavailable", "no_model")."""
    if evaluation.budget_exhausted:
        return "budget"
    if evaluation.model_missing:
        return "unavailable"
    if evaluation.source != "llm":
        return "no_model"
    return None

"""Answers are saved before anything can fail; starts are atomic; a deletion is told truly.

Each test runs on the in-memory store and on the real SQLite store (``store`` fixture).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.catalog import Question
from bot.coaching.answer import Answer
from bot.coaching.grading import GradingContext
from bot.coaching.models import Evaluation
from bot.errors import CoachError, SessionAlreadyActive, SessionNotFound
from bot.interview.engine import InterviewEngine
from bot.interview.events import Event, FeedbackGiven, RetryGraded
from bot.interview.inbox import AnswerInbox, Delivery
from bot.interview.models import SessionStatus, TurnStatus
from bot.interview.ports import SessionStore
from storage.db import Database
from storage.privacy import sqlite_privacy_registry
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.fakes.sessions import InMemorySessionStore
from tests.interview.helpers import GUILD, USER, opts


class GatedEvaluator(ScriptedEvaluator):
    """Grade like the scripted evaluator, but only once ``release`` is set (when gated)."""

    def __init__(self) -> None:
        super().__init__()
        self.gated = False
        self.grading = asyncio.Event()
        self.release = asyncio.Event()

    async def evaluate(
        self, answer: Answer, question: Question, context: GradingContext
    ) -> Evaluation:
        if self.gated:
            self.grading.set()
            await self.release.wait()
        return await super().evaluate(answer, question, context)


@pytest.fixture(params=["memory", "sqlite"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SessionStore]:
    if request.param == "memory":
        yield InMemorySessionStore()
        return
    async with Database(tmp_path / "first.sqlite3") as db:
        yield SqliteSessionStore(db)


@pytest.fixture
def grader() -> GatedEvaluator:
    return GatedEvaluator()


@pytest.fixture
def engine(store: SessionStore, grader: GatedEvaluator) -> InterviewEngine:
    return InterviewEngine(store, make_bank(), grader)


async def test_the_answer_is_saved_before_grading_starts(
    engine: InterviewEngine, grader: GatedEvaluator
) -> None:
    session, _ = await engine.start(opts())
    assert session.id is not None
    seen: list[TurnStatus] = []

    async def on_saved() -> None:
        # Whatever runs here (a typing indicator) runs after the save and before grading.
        saved = await engine.session(session.id or 0)
        seen.append(saved.turns[0].status)
        assert grader.calls == []

    grader.fail_next = True
    with pytest.raises(RuntimeError, match="grader crashed"):
        await engine.answer(session.id, "plain answer", on_saved=on_saved)
    assert seen == [TurnStatus.ANSWERED]
    stored = await engine.session(session.id)
    assert (stored.turns[0].status, stored.turns[0].answer) == (TurnStatus.ANSWERED, "plain answer")
    assert await engine.sessions_awaiting_grade() == [session.id]


async def test_on_saved_is_not_called_when_the_save_fails(
    store: SessionStore, grader: GatedEvaluator
) -> None:
    class LockedStore:
        """The store with its turn writes refused, as by a database locked for 5 s."""

        def __init__(self, inner: SessionStore) -> None:
            self.inner = inner
            self.locked = False

        def __getattr__(self, name: str) -> object:
            return getattr(self.inner, name)

        async def save_turn(self, session_id: int, turn: object) -> object:
            if self.locked:
                raise OSError("database is locked")
            return await self.inner.save_turn(session_id, turn)  # type: ignore[arg-type]

    locked = LockedStore(store)
    engine = InterviewEngine(locked, make_bank(), grader)  # type: ignore[arg-type]
    session, _ = await engine.start(opts())
    assert session.id is not None
    called: list[bool] = []

    async def on_saved() -> None:
        called.append(True)

    locked.locked = True
    with pytest.raises(OSError, match="locked"):
        await engine.answer(session.id, "plain answer", on_saved=on_saved)
    assert called == [] and grader.calls == []
    assert (await engine.session(session.id)).turns[0].status is TurnStatus.ASKED


async def test_deliver_shows_the_outcome_before_a_stop_can_act(
    engine: InterviewEngine, grader: GatedEvaluator
) -> None:
    session, _ = await engine.start(opts())
    assert session.id is not None
    order: list[str] = []

    async def deliver(events: list[Event]) -> None:
        await asyncio.sleep(0)  # posting to Discord yields to other tasks
        order.append("shown " + type(events[0]).__name__)

    grader.gated = True
    answering = asyncio.create_task(engine.answer(session.id, "great answer", deliver=deliver))
    await grader.grading.wait()
    stopping = asyncio.create_task(engine.finish(session.id, stopped=True))
    await asyncio.sleep(0.01)
    assert not stopping.done()  # /privacy delete and /interview stop wait for the grade
    grader.release.set()
    await answering
    await stopping
    order.append("stopped")
    assert order == ["shown FeedbackGiven", "stopped"]


async def test_a_retry_is_saved_before_grading_and_graded_after_a_restart(
    store: SessionStore, grader: GatedEvaluator
) -> None:
    engine = InterviewEngine(store, make_bank(), grader)
    session, _ = await engine.start(opts(count=2))
    assert session.id is not None
    await engine.answer(session.id, "plain first")
    await engine.rewind(session.id, 1)
    grader.fail_next = True  # the bot dies mid-grade
    with pytest.raises(RuntimeError):
        await engine.answer(session.id, "great retry")
    waiting = await engine.session(session.id)
    assert waiting.rewind_answer == "great retry" and waiting.rewind_turn_id is not None
    assert await engine.sessions_awaiting_grade() == [session.id]

    # After the restart: a new engine and inbox on the same store grade it.
    restarted = InterviewEngine(store, make_bank(), grader)
    inbox = AnswerInbox(restarted)
    recovered = [events async for _, events in inbox.recover_all()]
    assert len(recovered) == 1 and isinstance(recovered[0][0], RetryGraded)
    assert recovered[0][0].attempt.answer == "great retry"
    after = await restarted.session(session.id)
    assert after.rewind_turn_id is None and after.rewind_answer is None
    assert [a.answer for a in await restarted.attempts(after.turns[0].id or 0)] == ["great retry"]
    assert await restarted.sessions_awaiting_grade() == []


async def test_a_saved_retry_is_recovered_by_the_next_message_not_replaced(
    engine: InterviewEngine, grader: GatedEvaluator
) -> None:
    session, _ = await engine.start(opts(count=2))
    assert session.id is not None
    await engine.answer(session.id, "plain first")
    await engine.finish(session.id)  # a finished interview can still take a retry
    await engine.rewind(session.id, 1)
    stored = await engine.session(session.id)
    assert stored.status is SessionStatus.FINISHED
    assert session.id in await engine.sessions_awaiting_answer()
    grader.fail_next = True
    with pytest.raises(RuntimeError):
        await engine.answer(session.id, "great retry")
    with pytest.raises(CoachError, match="not graded yet"):
        await engine.rewind(session.id, 1)  # a new rewind would drop the saved retry
    events = await engine.resume(session.id)  # resume works on a finished interview here
    assert isinstance(events[0], RetryGraded) and events[0].attempt.answer == "great retry"


async def test_the_inbox_recovers_a_saved_retry_before_taking_a_new_message(
    store: SessionStore, grader: GatedEvaluator
) -> None:
    engine = InterviewEngine(store, make_bank(), grader)
    session, _ = await engine.start(replace(opts(count=2), channel_id=55))
    assert session.id is not None
    await engine.answer(session.id, "plain first")
    await engine.rewind(session.id, 1)
    inbox = AnswerInbox(engine)
    async with inbox.receive(55, USER) as inbound:
        assert inbound.delivery is Delivery.ANSWER
    grader.fail_next = True
    with pytest.raises(RuntimeError):
        await engine.answer(session.id, "great retry")
    async with inbox.receive(55, USER) as inbound:
        assert inbound.delivery is Delivery.RECOVER


async def test_two_starts_at_the_same_moment_give_one_interview_and_one_place(
    engine: InterviewEngine,
) -> None:
    opened: list[int] = []

    async def open_channel() -> int:
        await asyncio.sleep(0.01)  # creating a thread takes a round trip to Discord
        opened.append(len(opened) + 100)
        return opened[-1]

    results = await asyncio.gather(
        engine.start(opts(), open_channel=open_channel),
        engine.start(opts(), open_channel=open_channel),
        return_exceptions=True,
    )
    started = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(started) == 1 and len(refused) == 1
    assert isinstance(refused[0], SessionAlreadyActive)
    assert opened == [100]  # no empty second thread
    running = await engine.active_session(USER, GUILD)
    assert running is not None and running.channel_id == 100
    # Different users, or the same user in another server, never wait on each other.
    other, _ = await engine.start(replace(opts(), user_id=USER + 1))
    elsewhere, _ = await engine.start(replace(opts(), guild_id=GUILD + 1))
    assert other.id is not None and elsewhere.id is not None


async def test_a_store_refusing_a_second_active_interview_is_told_as_already_running(
    grader: GatedEvaluator,
) -> None:
    """Another process won the race: the store's unique rule refuses the insert."""
    store = InMemorySessionStore()
    engine = InterviewEngine(store, make_bank(), grader)

    async def open_channel() -> int:
        # Meanwhile another process starts an interview for the same user and server.
        await InterviewEngine(store, make_bank(), grader).start(opts())
        return 7

    with pytest.raises(SessionAlreadyActive):
        await engine.start(opts(), open_channel=open_channel)


async def test_a_retry_deleted_by_privacy_while_graded_says_it_was_not_kept(
    tmp_path: Path, grader: GatedEvaluator
) -> None:
    async with Database(tmp_path / "privacy.sqlite3") as db:
        engine = InterviewEngine(SqliteSessionStore(db), make_bank(), grader)
        session, _ = await engine.start(opts(count=1))
        assert session.id is not None
        await engine.answer(session.id, "plain only")  # the interview finishes
        await engine.rewind(session.id, 1)
        grader.gated = True
        retry = asyncio.create_task(engine.answer(session.id, "great retry"))
        await grader.grading.wait()
        # /privacy delete does not stop finished interviews: it erases at once.
        await sqlite_privacy_registry(db).erase(USER)
        grader.release.set()
        with pytest.raises(SessionNotFound) as caught:
            await retry
        assert caught.value.key == "interview.deleted_meanwhile"
        assert "not kept" in caught.value.user_message


async def test_an_answer_whose_session_vanished_mid_grade_is_not_called_saved(
    grader: GatedEvaluator,
) -> None:
    store = InMemorySessionStore()
    engine = InterviewEngine(store, make_bank(), grader)
    session, _ = await engine.start(opts())
    assert session.id is not None
    grader.gated = True
    answering = asyncio.create_task(engine.answer(session.id, "great answer"))
    await grader.grading.wait()
    await store.prune(store.updated_at[session.id].replace(year=2100))  # erased underneath
    grader.release.set()
    with pytest.raises(SessionNotFound) as caught:
        await answering
    assert caught.value.key == "interview.deleted_meanwhile"


async def test_sessions_awaiting_an_answer(engine: InterviewEngine) -> None:
    session, _ = await engine.start(opts(count=2))
    assert session.id is not None
    assert await engine.sessions_awaiting_answer() == [session.id]
    events = await engine.answer(session.id, "great one")
    assert isinstance(events[0], FeedbackGiven)
    assert await engine.sessions_awaiting_answer() == [session.id]  # the next question
    await engine.finish(session.id)
    assert await engine.sessions_awaiting_answer() == []
    await engine.rewind(session.id, 1)
    assert await engine.sessions_awaiting_answer() == [session.id]


async def test_a_saved_retry_is_in_the_users_export(tmp_path: Path, grader: GatedEvaluator) -> None:
    async with Database(tmp_path / "export.sqlite3") as db:
        engine = InterviewEngine(SqliteSessionStore(db), make_bank(), grader)
        session, _ = await engine.start(opts(count=2))
        assert session.id is not None
        await engine.answer(session.id, "plain first")
        await engine.rewind(session.id, 1)
        grader.fail_next = True
        with pytest.raises(RuntimeError):
            await engine.answer(session.id, "great retry")
        export = await sqlite_privacy_registry(db).export(USER)
        [stored] = export.document["sessions"]
        assert stored["rewind_pending_answer"] == "great retry"

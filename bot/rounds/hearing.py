"""Waiting in a round: for the first consent, and for each participant's answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.coaching.answer import Answer
from bot.rounds.model import Participant
from bot.rounds.notices import Ending, Line, LineKind, Note, NoteKind
from bot.rounds.run import Command, CommandKind, RoundRun

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RoundTimings:
    """How long a round waits: for an answer, for anything at all, for a stop to finish."""

    turn_timeout_s: float = 120.0
    idle_timeout_s: float = 600.0
    stop_wait_s: float = 30.0
    # Once someone consents, how long the first turn waits for the people who go first (a
    # schedule's RSVPs) to consent too; whoever is there after that starts.
    priority_wait_s: float = 60.0


class Hearing:
    """Say things to the room and wait for consents and answers, unless a command comes first."""

    def __init__(self, timings: RoundTimings, monotonic: Callable[[], float]) -> None:
        self.timings = timings
        self._monotonic = monotonic

    def idle(self, run: RoundRun) -> bool:
        """Tell whether nothing has happened in the round for too long."""
        return self._monotonic() - run.last_activity > self.timings.idle_timeout_s

    def touch(self, run: RoundRun) -> None:
        """Note that something happened in the round now."""
        run.last_activity = self._monotonic()

    async def say(self, run: RoundRun, line: Line) -> bool:
        """Say a line; return False if it was cut short, failed or a command is waiting."""
        if run.ending is not None or run.wake.is_set():
            # A stop (or next/skip) is waiting: real speech takes seconds, so don't start it.
            return False
        try:
            return await run.channel.say(line)
        except Exception:
            # A failed voice must not end the round: everything is also posted.
            log.warning("Could not speak in round %s", run.id, exc_info=True)
            return False

    async def wait_for_consent(self, run: RoundRun) -> bool:
        """Wait until someone consents; False if the round ended or idled first."""
        while not run.round.participants:
            run.apply(run.pop())
            if run.ending is not None:
                return False
            remaining = self.timings.idle_timeout_s - (self._monotonic() - run.last_activity)
            if remaining <= 0:
                run.ending = Ending.IDLE
                return False
            consent = asyncio.create_task(run.consented.wait(), name=f"mb-round-consent-{run.id}")
            wake = asyncio.create_task(run.wake.wait(), name=f"mb-round-wake-{run.id}")
            run.awaiting_consent = True
            try:
                await asyncio.wait(
                    {consent, wake}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                run.awaiting_consent = False
                consent.cancel()
                wake.cancel()
        return await self._wait_for_priority(run)

    async def _wait_for_priority(self, run: RoundRun) -> bool:
        """Give the people who go first a moment to consent before the first turn."""
        deadline = self._monotonic() + self.timings.priority_wait_s
        while self._missing_priority(run):
            run.apply(run.pop())
            if run.ending is not None:
                return False
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                break
            run.consented.clear()
            consent = asyncio.create_task(run.consented.wait(), name=f"mb-round-consent-{run.id}")
            wake = asyncio.create_task(run.wake.wait(), name=f"mb-round-wake-{run.id}")
            run.awaiting_consent = True
            try:
                await asyncio.wait(
                    {consent, wake}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                run.awaiting_consent = False
                consent.cancel()
                wake.cancel()
        return True

    @staticmethod
    def _missing_priority(run: RoundRun) -> bool:
        round_ = run.round
        return any(not round_.has_consented(user_id) for user_id in round_.priority)

    async def hear(self, run: RoundRun, participant: Participant) -> Answer | Command | None:
        """Return the participant's answer, a command, or None after two silences."""
        name = run.presenter.name_of(participant.user_id)
        prompted = False
        while True:
            if run.ending is not None:
                return Command(CommandKind.STOP)
            got = await self._wait_answer(run, participant.user_id)
            if isinstance(got, Command):
                return got
            if got is None:
                if not self._connected(run):
                    # The connection was lost without anyone telling the round.
                    run.ending = run.ending or Ending.DISCONNECTED
                    return Command(CommandKind.DISCONNECTED)
                if prompted or self.idle(run):
                    return None
                prompted = True
                await run.presenter.note(Note(NoteKind.GENTLE, name))
                await self.say(run, Line(LineKind.GENTLE, name))
                continue
            if not got.text.strip():
                # Speaking clears answers that ended before it: take one already waiting (the
                # real answer right after a cough) before asking again.
                waiting = await self._waiting_answer(run, participant.user_id)
                if waiting is not None:
                    self.touch(run)
                    return waiting
                await run.presenter.note(Note(NoteKind.NOT_CAUGHT, name))
                await self.say(run, Line(LineKind.NOT_CAUGHT, name))
                continue
            self.touch(run)
            return got

    async def _wait_answer(self, run: RoundRun, user_id: int) -> Answer | Command | None:
        """Wait for the user's next answer, unless a command arrives first."""
        command = run.apply(run.pop())
        if command is not None:
            return command
        timeout = run.turn_timeout_s or self.timings.turn_timeout_s
        answer = asyncio.create_task(
            run.channel.next_answer(user_id, timeout),
            name=f"mb-round-turn-{run.id}",
        )
        wake = asyncio.create_task(run.wake.wait(), name=f"mb-round-wake-{run.id}")
        done, _ = await asyncio.wait({answer, wake}, return_when=asyncio.FIRST_COMPLETED)
        if answer in done:
            wake.cancel()
            return answer.result()
        answer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await answer
        return run.apply(run.pop())

    async def _waiting_answer(self, run: RoundRun, user_id: int) -> Answer | None:
        """Return a non-empty answer of the user that is already waiting, without waiting."""
        try:
            answer = await run.channel.next_answer(user_id, 0)
        except Exception:
            log.warning("Could not look for a waiting answer in round %s", run.id, exc_info=True)
            return None
        return answer if answer is not None and answer.text.strip() else None

    def _connected(self, run: RoundRun) -> bool:
        try:
            return run.channel.connected()
        except Exception:
            log.warning("Could not check the connection of round %s", run.id, exc_info=True)
            return True

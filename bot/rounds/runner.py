"""The round's loop: consent notice, then a solo interview or round-robin turns, then wrap-up."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence

from bot.coaching.answer import Answer
from bot.errors import CoachError, SessionNotFound
from bot.interview.events import Event, FeedbackGiven, FollowUpAsked, QuestionAsked, SessionEnded
from bot.rounds.hearing import Hearing
from bot.rounds.model import Participant, RoundMode
from bot.rounds.notices import Ending, Line, LineKind, Note, NoteKind
from bot.rounds.ports import Clock, Interviews, RoundStore
from bot.rounds.run import Command, CommandKind, RoundRun
from bot.rounds.summary import AnswerRecord, summarise

log = logging.getLogger(__name__)


class RoundRunner:
    """Drive one round from its consent notice to its summary."""

    def __init__(
        self, interviews: Interviews, store: RoundStore, clock: Clock, hearing: Hearing
    ) -> None:
        self.interviews = interviews
        self.store = store
        self.clock = clock
        self.hearing = hearing

    async def run(self, run: RoundRun) -> None:
        """Run the round to its end; whatever happens, wrap it up."""
        try:
            await run.presenter.consent_notice(run.round)
            await run.presenter.listening(())
            run.notice_playing = True
            try:
                await self.hearing.say(run, Line(LineKind.CONSENT))
            finally:
                run.notice_playing = False
            if await self.hearing.wait_for_consent(run):
                if run.round.mode is RoundMode.SOLO:
                    await self._solo(run)
                else:
                    await self._group(run)
        except CoachError as exc:
            # E.g. the candidate ended the same interview with /interview stop meanwhile.
            log.info("Round %s ended early: %s", run.id, exc.user_message)
            await run.presenter.error(exc.user_message)
            run.ending = run.ending or Ending.STOP
        except Exception:
            log.exception("Round %s failed", run.id)
            run.ending = run.ending or Ending.ERROR
        finally:
            await self._wrap_up(run)

    # ---- solo ----------------------------------------------------------------------

    async def _solo(self, run: RoundRun) -> None:
        participant = run.round.participants[0]
        user_id = participant.user_id
        run.round.begin_turn(user_id)
        await self._listen(run, {user_id})
        events = run.pending.pop(user_id, [])
        while True:
            if events:
                await self._present(run, user_id, events)
                if any(isinstance(e, SessionEnded) for e in events):
                    participant.done = True
                    return
            events = []
            got = await self.hearing.hear(run, participant)
            if isinstance(got, Command):
                if got.kind is CommandKind.LEFT:
                    run.ending = run.ending or Ending.LEFT
                if run.ending is not None:
                    return
                continue  # round-only commands mean nothing in a one-to-one interview
            if got is None:
                run.ending = Ending.SILENCE
                return
            events, _ = await self._answer(run, participant, got)
            participant.answered += 1

    # ---- group ---------------------------------------------------------------------

    async def _group(self, run: RoundRun) -> None:
        round_ = run.round
        while run.ending is None:
            # Commands aimed at a finished turn (a late Next, say) are stale now.
            while (stale := run.pop()) is not None:
                run.apply(stale)
            if run.ending is not None:
                return
            if self.hearing.idle(run):
                run.ending = Ending.IDLE
                return
            participant = round_.next_speaker()
            if participant is None:
                return
            await self._group_turn(run, participant)
            await self.store.save_participant(run.id, participant)

    async def _group_turn(self, run: RoundRun, participant: Participant) -> None:
        round_ = run.round
        user_id = participant.user_id
        round_.begin_turn(user_id)
        await self._listen(run, {user_id})
        events = run.pending.get(user_id)
        if not events and participant.session_id is not None:
            events = prompts(await self.interviews.resume(participant.session_id))
            run.pending[user_id] = events
        await self._present(run, user_id, events or [])
        got = await self.hearing.hear(run, participant)
        name = run.presenter.name_of(user_id)
        if isinstance(got, Command):
            if run.ending is not None:
                round_.current = None
                return
            if got.kind is CommandKind.SKIP:
                run.pending[user_id] = await self._skip_question(participant)
                await run.presenter.note(Note(NoteKind.SKIPPED, name))
            elif got.kind is CommandKind.LEFT:
                await run.presenter.note(Note(NoteKind.LEFT, name))
            else:
                await run.presenter.note(Note(NoteKind.MOVED_ON, name))
            round_.end_turn(answered=False)
        elif got is None:
            await run.presenter.note(Note(NoteKind.NO_ANSWER, name))
            round_.end_turn(answered=False)
        else:
            await self._listen(run, set())
            events, record = await self._answer(run, participant, got)
            await run.presenter.events(user_id, [e for e in events if is_feedback(e)], True)
            run.pending[user_id] = prompts(events)
            if any(isinstance(e, SessionEnded) for e in events):
                participant.done = True
            round_.end_turn(answered=True)
            if record is not None and len(round_.participants) > 1:
                await run.presenter.rating_request(record)

    async def _skip_question(self, participant: Participant) -> list[Event]:
        if participant.session_id is None:
            return []
        events = await self.interviews.skip(participant.session_id)
        if any(isinstance(e, SessionEnded) for e in events):
            participant.done = True
        return prompts(events)

    # ---- shared steps --------------------------------------------------------------

    async def _present(self, run: RoundRun, user_id: int, events: Sequence[Event]) -> None:
        group = run.round.mode is RoundMode.GROUP
        await run.presenter.events(user_id, events, group)
        for event in events:
            if isinstance(event, QuestionAsked | FollowUpAsked):
                name = run.presenter.name_of(user_id) if group else ""
                line = Line(LineKind.PROMPT, name=name, prompt=event.turn.prompt)
                if not await self.hearing.say(run, line):
                    # Cut short: the candidate is already answering (or the round is
                    # ending); more speech would throw that answer away.
                    break

    async def _listen(self, run: RoundRun, user_ids: set[int]) -> None:
        run.channel.listen_to(user_ids)
        await run.presenter.listening(sorted(user_ids))

    async def _answer(
        self, run: RoundRun, participant: Participant, answer: Answer
    ) -> tuple[list[Event], AnswerRecord | None]:
        assert participant.session_id is not None
        # The engine grades with the session's own server, user and ids (logs keep them).
        events = await self.interviews.answer(
            participant.session_id, answer.text, answer.words, spoken=answer.spoken
        )
        graded = next((e for e in events if isinstance(e, FeedbackGiven)), None)
        record = None
        if graded is not None:
            record = await self.store.record_answer(
                run.id,
                participant.user_id,
                participant.session_id,
                graded.turn.id,
                graded.turn.index,
                graded.evaluation.score,
                self.clock.now(),
            )
        return events, record

    async def _wrap_up(self, run: RoundRun) -> None:
        round_ = run.round
        ending = run.ending
        stopped = ending is not None
        try:
            with contextlib.suppress(Exception):
                run.channel.listen_to(set())
                run.channel.interrupt()
            for participant in round_.participants:
                if participant.session_id is None or participant.done:
                    continue
                try:
                    events = await self.interviews.finish(participant.session_id, stopped=stopped)
                except SessionNotFound:
                    continue
                participant.done = True
                if round_.mode is RoundMode.SOLO:
                    await run.presenter.events(participant.user_id, events, False)
            round_.finish(self.clock.now(), stopped=stopped)
            await self.store.save_round(round_)
            if round_.mode is RoundMode.GROUP:
                summary = summarise(
                    round_, await self.store.answers(run.id), await self.store.ratings(run.id)
                )
                await run.presenter.round_summary(summary, ending, run.ended_by)
            elif ending is not None:
                await run.presenter.ended(ending, run.ended_by)
            await run.presenter.listening(())
        except Exception:
            log.exception("Could not wrap up round %s", run.id)
        finally:
            try:
                await run.channel.close()
            except Exception:
                log.warning("Closing the channel of round %s failed", run.id, exc_info=True)
            log.info("Round %s ended (%s)", run.id, ending.value if ending else "finished")


def prompts(events: Sequence[Event]) -> list[Event]:
    """Return the questions and follow-ups among ``events``."""
    return [e for e in events if isinstance(e, QuestionAsked | FollowUpAsked)]


def is_feedback(event: Event) -> bool:
    """Tell whether ``event`` is feedback rather than a prompt or the end."""
    return not isinstance(event, QuestionAsked | FollowUpAsked | SessionEnded)

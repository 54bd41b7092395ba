"""Run a voice interview or a study-group round over a VoiceLink and the interview engine."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.catalog import Kind, Language, Level
from bot.errors import CoachError, SessionNotFound
from bot.interview.engine import InterviewEngine, StartOptions, SystemClock
from bot.interview.events import (
    Event,
    FeedbackGiven,
    FollowUpAsked,
    QuestionAsked,
    SessionEnded,
)
from bot.interview.ports import Clock
from bot.interview.rounds import (
    AnswerRecord,
    Participant,
    Rating,
    Round,
    RoundMode,
    RoundStore,
    RoundSummary,
    summarise,
)
from bot.voice.types import VoiceConnector, VoiceDiagnostics, VoiceLink, VoiceTurn

log = logging.getLogger(__name__)

CONSENT_NOTICE = (
    "Before we start: I only listen to people who press Consent, and only while it is their "
    "turn. I turn speech into text to coach the answers; the audio itself is never stored. "
    "Anyone can leave the channel at any time, and /voice stop ends the session."
)
GENTLE_PROMPT = "{name}, take your time. I'm listening whenever you're ready."
NOT_CAUGHT = "Sorry {name}, I didn't catch that. Could you say it again?"
# What the bot says aloud, in the session's language (the thread keeps the English notes).
SPOKEN: dict[str, dict[str, str]] = {
    "en": {"consent": CONSENT_NOTICE, "gentle": GENTLE_PROMPT, "not_caught": NOT_CAUGHT},
    "ko": {
        "consent": (
            "시작하기 전에 안내드립니다. 동의 버튼을 누른 분의 말만, 그분의 차례에만 듣습니다. "
            "답변을 코칭하기 위해 말을 글로 바꾸지만 음성 자체는 저장하지 않습니다. 언제든 채널을 "
            "나가실 수 있고, voice stop 명령으로 세션을 끝낼 수 있습니다."
        ),
        "gentle": "{name}님, 천천히 하셔도 됩니다. 준비되시면 말씀해 주세요.",
        "not_caught": "죄송해요 {name}님, 잘 듣지 못했어요. 다시 말씀해 주시겠어요?",
    },
}


def spoken(language: str, key: str, **values: str) -> str:
    """Return the fixed sentence ``key`` to say aloud in ``language`` (English otherwise)."""
    lines = SPOKEN.get(language, SPOKEN["en"])
    return lines[key].format(**values)


REASONS = {
    "stop": "The session was stopped.",
    "empty": "Everyone left the voice channel, so I stopped listening.",
    "disconnected": "I was disconnected from the voice channel, so I stopped listening.",
    "idle": "Nothing happened for a while, so I stopped listening.",
    "silence": "I didn't hear an answer, so I ended the interview here.",
    "left": "You left the voice channel, so I ended the interview here.",
    "error": "Something went wrong on my side, so I stopped listening. Your answers are saved.",
}
END_COMMANDS = frozenset({"stop", "empty", "disconnected"})


class VoicePresenter(Protocol):
    """Shows what a voice session does; the Discord cog implements it over a thread."""

    def name_of(self, user_id: int) -> str:
        """Return a display name for speaking and showing."""
        ...

    async def consent_notice(self, voice_id: int, mode: RoundMode, text: str) -> None:
        """Post the consent notice with its Consent button."""
        ...

    async def listening(self, user_ids: Sequence[int]) -> None:
        """Show whom the bot is listening to now (empty: nobody)."""
        ...

    async def events(self, user_id: int, events: Sequence[Event], group: bool) -> None:
        """Show engine events (questions, feedback, a summary) for one candidate."""
        ...

    async def note(self, text: str) -> None:
        """Post a short plain message."""
        ...

    async def rating_request(self, answer: AnswerRecord) -> None:
        """Ask the other participants to rate one answer."""
        ...

    async def round_summary(self, summary: RoundSummary, reason: str | None) -> None:
        """Post the end-of-round summary."""
        ...


@dataclass(frozen=True, slots=True)
class VoiceRequest:
    """What `/voice interview` or `/round start` asked for."""

    guild_id: int
    channel_id: int
    host_id: int
    mode: RoundMode
    kind: Kind
    level: Level
    language: Language
    turns_each: int


@dataclass(frozen=True, slots=True)
class Command:
    """A request from outside the run loop: stop, next, skip, someone left."""

    kind: str
    user_id: int | None = None


class VoiceRun:
    """One live voice session in one server."""

    def __init__(
        self, round_: Round, link: VoiceLink, presenter: VoicePresenter, now: float
    ) -> None:
        self.round = round_
        self.link = link
        self.presenter = presenter
        self.task: asyncio.Task[None] | None = None
        self.ending: str | None = None
        self.ended_by: int | None = None
        self.awaiting_consent = False
        self.notice_playing = False
        self.last_activity = now
        self.pending: dict[int, list[Event]] = {}
        self.wake = asyncio.Event()
        self.consented = asyncio.Event()
        self._commands: deque[Command] = deque()

    @property
    def id(self) -> int:
        """Return the voice session id (the round's id)."""
        assert self.round.id is not None
        return self.round.id

    @property
    def done(self) -> bool:
        """Tell whether the run loop has finished."""
        return self.task is not None and self.task.done()

    def push(self, command: Command) -> None:
        """Queue a command for the run loop and wake it."""
        self._commands.append(command)
        self.wake.set()

    def pop(self) -> Command | None:
        """Take the oldest queued command, if any."""
        command = self._commands.popleft() if self._commands else None
        if not self._commands:
            self.wake.clear()
        return command


class VoiceCoach:
    """Start, steer and stop live voice sessions, one per server."""

    def __init__(
        self,
        engine: InterviewEngine,
        connector: VoiceConnector,
        store: RoundStore,
        *,
        turn_timeout_s: float = 120.0,
        idle_timeout_s: float = 600.0,
        stop_wait_s: float = 30.0,
        clock: Clock | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engine = engine
        self.connector = connector
        self.store = store
        self.turn_timeout_s = turn_timeout_s
        self.idle_timeout_s = idle_timeout_s
        self.stop_wait_s = stop_wait_s
        self._clock = clock or SystemClock()
        self._monotonic = monotonic
        self._runs: dict[int, VoiceRun] = {}
        self._connecting: set[int] = set()

    # ---- lookups -------------------------------------------------------------------

    def active(self, guild_id: int) -> VoiceRun | None:
        """Return the live run of a server, if any."""
        run = self._runs.get(guild_id)
        return run if run is not None and not run.done else None

    def run_by_id(self, voice_id: int) -> VoiceRun | None:
        """Return a live run by its voice session id."""
        return next((r for r in self._runs.values() if r.round.id == voice_id and not r.done), None)

    def diagnostics(self, guild_id: int) -> tuple[VoiceDiagnostics, Round] | None:
        """Return the link's diagnostics and the round, or None without a connection."""
        run = self.active(guild_id)
        if run is None:
            return None
        return run.link.diagnostics(), run.round

    # ---- starting ------------------------------------------------------------------

    def check_free(self, guild_id: int, channel_id: int) -> None:
        """Raise a friendly error if the bot is already busy in this server."""
        run = self.active(guild_id)
        if guild_id in self._connecting or run is not None:
            where = f"<#{run.round.voice_channel_id}>" if run is not None else "another channel"
            if run is not None and run.round.voice_channel_id == channel_id:
                raise CoachError(
                    "A voice session is already running in this channel. Press **Consent** "
                    "on its notice to join, or end it with `/voice stop`."
                )
            raise CoachError(
                f"I'm already busy in {where} in this server. I can run one voice session per "
                "server at a time; end it with `/voice stop` first."
            )

    async def connect(self, guild_id: int, channel_id: int) -> VoiceLink:
        """Join a voice channel unless this server already has a session."""
        self.check_free(guild_id, channel_id)
        self._connecting.add(guild_id)
        try:
            return await self.connector.connect(guild_id, channel_id)
        finally:
            self._connecting.discard(guild_id)

    async def precheck_candidate(self, user_id: int, guild_id: int) -> None:
        """Raise a friendly error if the user has a text interview running in this server."""
        existing = await self.engine.active_session(user_id, guild_id)
        if existing is not None:
            raise CoachError(
                "You have a text interview running in this server. Finish it, or end it with "
                "`/interview stop` (your answers are kept), then try again: each person has "
                "one interview at a time."
            )

    async def begin(
        self,
        request: VoiceRequest,
        link: VoiceLink,
        presenter: VoicePresenter,
        thread_id: int | None,
    ) -> VoiceRun:
        """Record the session, post and say the consent notice, and start the run loop."""
        if self.active(request.guild_id) is not None:
            raise CoachError("Another voice session started here a moment ago.")
        # Nobody is decoded before they consent.
        link.listen_to(set())
        round_ = await self.store.create_round(
            Round(
                guild_id=request.guild_id,
                voice_channel_id=request.channel_id,
                host_id=request.host_id,
                kind=request.kind,
                level=request.level,
                language=request.language,
                turns_each=request.turns_each,
                created_at=self._clock.now(),
                mode=request.mode,
                thread_id=thread_id,
            )
        )
        run = VoiceRun(round_, link, presenter, self._monotonic())
        self._runs[request.guild_id] = run
        run.task = asyncio.create_task(self._run(run), name=f"mb-voice-run-{run.id}")
        log.info(
            "Voice session %s (%s) started in guild %s channel %s",
            run.id,
            request.mode.value,
            request.guild_id,
            request.channel_id,
        )
        return run

    # ---- steering ------------------------------------------------------------------

    async def consent(self, voice_id: int, user_id: int) -> str:
        """Record a user's opt-in; return what to tell them."""
        run = self.run_by_id(voice_id)
        if run is None or not run.round.status.live or run.ending is not None:
            raise CoachError(
                "That voice session has ended. Start a new one with `/voice interview` or "
                "`/round start`."
            )
        round_ = run.round
        existing = round_.participant(user_id)
        if existing is not None and not existing.left:
            return "You already consented: I'll listen to you when it's your turn."
        if round_.mode is RoundMode.SOLO and user_id != round_.host_id:
            raise CoachError(
                "This is someone else's one-to-one voice interview; only they can consent. "
                "Start a study group with `/round start` to practise together."
            )
        if user_id not in run.link.member_ids():
            raise CoachError(
                f"Join <#{round_.voice_channel_id}> first, then press Consent to take part."
            )
        started: tuple[int, list[Event]] | None = None
        if existing is None or existing.session_id is None:
            if existing is None:
                await self.precheck_candidate(user_id, round_.guild_id)
            # The interview starts before the person joins the queue: the run loop takes
            # anyone in the queue at once (the spoken notice may end right now), and must
            # find their first question waiting.
            session, events = await self.engine.start(
                StartOptions(
                    user_id=user_id,
                    guild_id=round_.guild_id,
                    kind=round_.kind,
                    level=round_.level,
                    count=round_.turns_each,
                    language=round_.language,
                    # Voice sessions are not bound to the thread, so typed messages there
                    # are never mistaken for answers by the text cog.
                    channel_id=None,
                )
            )
            assert session.id is not None
            started = (session.id, _prompts(events))
            if run.done or run.ending is not None or not round_.status.live:
                await self.engine.finish(session.id, stopped=True)
                raise CoachError("That voice session has just ended.")
        participant, _ = round_.join(user_id, self._clock.now())
        if participant.session_id is None and started is not None:
            participant.session_id, run.pending[user_id] = started
        await self.store.save_participant(self._round_id(run), participant)
        run.last_activity = self._monotonic()
        run.consented.set()
        log.info("User %s consented in voice session %s", user_id, run.id)
        if round_.mode is RoundMode.SOLO and run.notice_playing:
            # The candidate has read the notice: the first question should not wait for the
            # rest of it. In a round the others may still be listening to it.
            run.link.stop_speaking()
        if round_.mode is RoundMode.SOLO:
            return "Thanks. I'm listening to you now; the first question is coming."
        return "Thanks, you're in the queue. I'll call your name when it's your turn."

    def _authorise(self, run: VoiceRun, user_id: int, is_manager: bool) -> None:
        if not (is_manager or run.round.is_host(user_id)):
            raise CoachError(
                "Only the host who started this session, or someone with the Manage Server "
                "permission, can do that."
            )

    def _require(self, guild_id: int) -> VoiceRun:
        run = self.active(guild_id)
        if run is None:
            raise CoachError("Nothing is running in voice in this server right now.")
        return run

    def _require_round(self, guild_id: int) -> VoiceRun:
        run = self._require(guild_id)
        if run.round.mode is not RoundMode.GROUP:
            raise CoachError("That works in a study-group round (`/round start`).")
        return run

    async def next(self, guild_id: int, user_id: int, is_manager: bool) -> str:
        """Move on to the next person now (host only)."""
        run = self._require_round(guild_id)
        self._authorise(run, user_id, is_manager)
        if run.round.current is None:
            return "Nobody is answering right now."
        run.push(Command("next"))
        return "Moving on to the next person."

    async def skip(self, guild_id: int, target_id: int, user_id: int, is_manager: bool) -> str:
        """Pass a participant's turn (the current one, or their next) (host only)."""
        run = self._require_round(guild_id)
        self._authorise(run, user_id, is_manager)
        name = run.presenter.name_of(target_id)
        participant = run.round.participant(target_id)
        if participant is None:
            raise CoachError(f"{name} hasn't consented to this round, so there is no turn to skip.")
        if run.round.current == target_id:
            run.push(Command("skip", target_id))
            return f"Skipping {name}'s turn."
        if not run.round.skip(target_id):
            raise CoachError(f"{name} has no turns left in this round.")
        await self.store.save_participant(self._round_id(run), participant)
        return f"{name}'s next turn will be skipped."

    async def stop(self, guild_id: int, user_id: int, is_manager: bool) -> None:
        """End whatever runs in voice in this server and wait for its summary."""
        run = self._require(guild_id)
        self._authorise(run, user_id, is_manager)
        run.ended_by = user_id
        await self._end(run, "stop")

    async def member_left(self, guild_id: int, user_id: int, channel_id: int) -> None:
        """React to someone leaving a voice channel: drop them; end when nobody is left."""
        run = self.active(guild_id)
        if run is None or channel_id != run.round.voice_channel_id:
            return
        participant = run.round.participant(user_id)
        if run.round.leave(user_id) and participant is not None:
            await self.store.save_participant(self._round_id(run), participant)
            if run.round.current == user_id:
                run.push(Command("left", user_id))
        if not run.link.member_ids():
            run.push(Command("empty"))

    async def disconnected(self, guild_id: int) -> None:
        """React to the bot being disconnected or moved out of the session's channel."""
        run = self.active(guild_id)
        if run is not None:
            run.push(Command("disconnected"))

    async def rate(self, answer_id: int, rater_id: int, rating: Rating) -> str:
        """Store a peer's rating of an answer; return what to tell them."""
        answer = await self.store.get_answer(answer_id)
        if answer is None:
            raise CoachError("That answer is no longer available to rate.")
        if answer.user_id == rater_id:
            raise CoachError("You can't rate your own answer; the others in the round will.")
        live = self.run_by_id(answer.round_id)
        round_ = live.round if live is not None else await self.store.get_round(answer.round_id)
        if round_ is None or not round_.has_consented(rater_id):
            raise CoachError("Only people who consented to this round can rate its answers.")
        changed = await self.store.rate(answer_id, rater_id, rating, self._clock.now())
        if changed:
            return f"Changed your rating to **{rating.value}**."
        return f"Thanks, you rated it **{rating.value}**."

    async def recover(self) -> int:
        """Mark sessions a restart left live as stopped (their links are gone)."""
        live = {r.id for r in self._runs.values() if not r.done}
        return await self.store.end_unfinished(self._clock.now(), keep=live)

    async def shutdown(self) -> None:
        """Stop every run (the bot is closing)."""
        for run in list(self._runs.values()):
            if not run.done:
                await self._end(run, "disconnected")

    # ---- the run loop --------------------------------------------------------------

    async def _end(self, run: VoiceRun, kind: str) -> None:
        run.link.stop_speaking()
        run.push(Command(kind))
        if run.task is not None and not run.task.done():
            try:
                await asyncio.wait_for(asyncio.shield(run.task), self.stop_wait_s)
            except TimeoutError:
                log.warning("Voice session %s did not stop in time; cancelling it", run.id)
                run.task.cancel()

    def _round_id(self, run: VoiceRun) -> int:
        return run.id

    def _idle(self, run: VoiceRun) -> bool:
        return self._monotonic() - run.last_activity > self.idle_timeout_s

    async def _say(self, run: VoiceRun, text: str) -> bool:
        """Speak in the session's language; return False if it was cut short or failed."""
        if run.ending is not None or run.wake.is_set():
            # A stop (or next/skip) is waiting: real speech takes seconds, so don't start it.
            return False
        try:
            return await run.link.speak(text, run.round.language.value)
        except Exception:
            # A failed voice must not end the session: everything is also in the thread.
            log.warning("Could not speak in voice session %s", run.id, exc_info=True)
            return False

    def _apply(self, run: VoiceRun, command: Command | None) -> Command | None:
        """Record an ending command; return the command for turn-level handling."""
        if command is not None and command.kind in END_COMMANDS and run.ending is None:
            run.ending = command.kind
        return command

    async def _run(self, run: VoiceRun) -> None:
        try:
            await run.presenter.consent_notice(run.id, run.round.mode, CONSENT_NOTICE)
            await run.presenter.listening(())
            run.notice_playing = True
            try:
                await self._say(run, spoken(run.round.language.value, "consent"))
            finally:
                run.notice_playing = False
            if await self._wait_for_consent(run):
                if run.round.mode is RoundMode.SOLO:
                    await self._solo(run)
                else:
                    await self._group(run)
        except CoachError as exc:
            # E.g. the candidate ended the same session with /interview stop meanwhile.
            log.info("Voice session %s ended early: %s", run.id, exc.user_message)
            await run.presenter.note(exc.user_message)
            run.ending = run.ending or "stop"
        except Exception:
            log.exception("Voice session %s failed", run.id)
            run.ending = run.ending or "error"
        finally:
            await self._wrap_up(run)

    async def _wait_for_consent(self, run: VoiceRun) -> bool:
        while not run.round.participants:
            self._apply(run, run.pop())
            if run.ending is not None:
                return False
            remaining = self.idle_timeout_s - (self._monotonic() - run.last_activity)
            if remaining <= 0:
                run.ending = "idle"
                return False
            consent = asyncio.create_task(run.consented.wait(), name=f"mb-voice-consent-{run.id}")
            wake = asyncio.create_task(run.wake.wait(), name=f"mb-voice-wake-{run.id}")
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

    async def _wait_turn(self, run: VoiceRun, user_id: int) -> VoiceTurn | Command | None:
        """Wait for the user's next turn, unless a command arrives first."""
        command = self._apply(run, run.pop())
        if command is not None:
            return command
        turn_task = asyncio.create_task(
            run.link.next_turn(user_id, self.turn_timeout_s), name=f"mb-voice-turn-{run.id}"
        )
        wake = asyncio.create_task(run.wake.wait(), name=f"mb-voice-wake-{run.id}")
        done, _ = await asyncio.wait({turn_task, wake}, return_when=asyncio.FIRST_COMPLETED)
        if turn_task in done:
            wake.cancel()
            return turn_task.result()
        turn_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await turn_task
        return self._apply(run, run.pop())

    async def _hear(self, run: VoiceRun, participant: Participant) -> VoiceTurn | Command | None:
        """Return the participant's answer, a command, or None after two silences."""
        name = run.presenter.name_of(participant.user_id)
        prompted = False
        while True:
            if run.ending is not None:
                return Command(run.ending)
            got = await self._wait_turn(run, participant.user_id)
            if isinstance(got, Command):
                return got
            if got is None:
                if not self._connected(run):
                    # py-cord gave up on the connection without a voice-state event.
                    run.ending = run.ending or "disconnected"
                    return Command(run.ending)
                if prompted or self._idle(run):
                    return None
                prompted = True
                await run.presenter.note(GENTLE_PROMPT.format(name=name))
                await self._say(run, spoken(run.round.language.value, "gentle", name=name))
                continue
            if got.transcript.empty:
                # Speaking clears turns that ended before it: take one already waiting (the
                # real answer right after a cough) before asking again.
                waiting = await self._waiting_turn(run, participant.user_id)
                if waiting is not None:
                    run.last_activity = self._monotonic()
                    return waiting
                text = NOT_CAUGHT.format(name=name)
                await run.presenter.note(text + " The question is still open.")
                await self._say(run, spoken(run.round.language.value, "not_caught", name=name))
                continue
            run.last_activity = self._monotonic()
            return got

    async def _waiting_turn(self, run: VoiceRun, user_id: int) -> VoiceTurn | None:
        """Return a non-empty turn of the user that is already waiting, without waiting."""
        try:
            turn = await run.link.next_turn(user_id, 0)
        except Exception:
            log.warning("Could not look for a waiting turn in session %s", run.id, exc_info=True)
            return None
        return turn if turn is not None and not turn.transcript.empty else None

    def _connected(self, run: VoiceRun) -> bool:
        try:
            return run.link.diagnostics().connected
        except Exception:
            log.warning("Voice diagnostics failed in session %s", run.id, exc_info=True)
            return True

    async def _present(self, run: VoiceRun, user_id: int, events: Sequence[Event]) -> None:
        group = run.round.mode is RoundMode.GROUP
        await run.presenter.events(user_id, events, group)
        for event in events:
            if isinstance(event, QuestionAsked | FollowUpAsked):
                prompt = event.turn.prompt
                if group:
                    prompt = f"{run.presenter.name_of(user_id)}, {prompt}"
                if not await self._say(run, prompt):
                    # Cut short: the candidate is already answering (or the session is
                    # ending); more speech would throw that answer away.
                    break

    async def _listen(self, run: VoiceRun, user_ids: set[int]) -> None:
        run.link.listen_to(user_ids)
        await run.presenter.listening(sorted(user_ids))

    async def _answer(
        self, run: VoiceRun, participant: Participant, turn: VoiceTurn
    ) -> tuple[list[Event], AnswerRecord | None]:
        assert participant.session_id is not None
        answer = turn.transcript.to_answer()
        # The engine grades with the session's own server, user and ids (logs keep them).
        events = await self.engine.answer(
            participant.session_id, answer.text, answer.words, spoken=True
        )
        graded = next((e for e in events if isinstance(e, FeedbackGiven)), None)
        record = None
        if graded is not None:
            record = await self.store.record_answer(
                self._round_id(run),
                participant.user_id,
                participant.session_id,
                graded.turn.id,
                graded.turn.index,
                graded.evaluation.score,
                self._clock.now(),
            )
        return events, record

    async def _solo(self, run: VoiceRun) -> None:
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
            got = await self._hear(run, participant)
            if isinstance(got, Command):
                if got.kind == "left":
                    run.ending = run.ending or "left"
                if run.ending is not None:
                    return
                continue  # round-only commands mean nothing in a one-to-one interview
            if got is None:
                run.ending = "silence"
                return
            events, _ = await self._answer(run, participant, got)
            participant.answered += 1

    async def _group(self, run: VoiceRun) -> None:
        round_ = run.round
        while run.ending is None:
            # Commands aimed at a finished turn (a late Next, say) are stale now.
            while (stale := run.pop()) is not None:
                self._apply(run, stale)
            if run.ending is not None:
                return
            if self._idle(run):
                run.ending = "idle"
                return
            participant = round_.next_speaker()
            if participant is None:
                return
            user_id = participant.user_id
            round_.begin_turn(user_id)
            await self._listen(run, {user_id})
            events = run.pending.get(user_id)
            if not events and participant.session_id is not None:
                events = _prompts(await self.engine.resume(participant.session_id))
                run.pending[user_id] = events
            await self._present(run, user_id, events or [])
            got = await self._hear(run, participant)
            name = run.presenter.name_of(user_id)
            if isinstance(got, Command):
                if run.ending is not None:
                    round_.current = None
                    return
                if got.kind == "skip":
                    run.pending[user_id] = await self._engine_skip(run, participant)
                    await run.presenter.note(f"The host skipped {name}'s turn.")
                elif got.kind == "left":
                    await run.presenter.note(f"{name} left the channel; moving on.")
                else:
                    await run.presenter.note(f"Moving on from {name}.")
                round_.end_turn(answered=False)
            elif got is None:
                await run.presenter.note(f"No answer from {name}; moving on.")
                round_.end_turn(answered=False)
            else:
                await self._listen(run, set())
                events, record = await self._answer(run, participant, got)
                await run.presenter.events(user_id, [e for e in events if _is_feedback(e)], True)
                run.pending[user_id] = _prompts(events)
                if any(isinstance(e, SessionEnded) for e in events):
                    participant.done = True
                round_.end_turn(answered=True)
                if record is not None and len(round_.participants) > 1:
                    await run.presenter.rating_request(record)
            await self.store.save_participant(self._round_id(run), participant)

    async def _engine_skip(self, run: VoiceRun, participant: Participant) -> list[Event]:
        if participant.session_id is None:
            return []
        events = await self.engine.skip(participant.session_id)
        if any(isinstance(e, SessionEnded) for e in events):
            participant.done = True
        return _prompts(events)

    async def _wrap_up(self, run: VoiceRun) -> None:
        round_ = run.round
        reason = run.ending
        stopped = reason is not None
        try:
            with contextlib.suppress(Exception):
                run.link.listen_to(set())
                run.link.stop_speaking()
            for participant in round_.participants:
                if participant.session_id is None or participant.done:
                    continue
                try:
                    events = await self.engine.finish(participant.session_id, stopped=stopped)
                except SessionNotFound:
                    continue
                participant.done = True
                if round_.mode is RoundMode.SOLO:
                    await run.presenter.events(participant.user_id, events, False)
            round_.finish(self._clock.now(), stopped=stopped)
            await self.store.save_round(round_)
            text = REASONS.get(reason) if reason else None
            if reason == "stop" and run.ended_by is not None:
                text = f"Stopped by {run.presenter.name_of(run.ended_by)}."
            if round_.mode is RoundMode.GROUP:
                summary = summarise(
                    round_,
                    await self.store.answers(self._round_id(run)),
                    await self.store.ratings(self._round_id(run)),
                )
                await run.presenter.round_summary(summary, text)
            elif text:
                await run.presenter.note(text)
            await run.presenter.listening(())
        except Exception:
            log.exception("Could not wrap up voice session %s", run.id)
        finally:
            try:
                await run.link.close()
            except Exception:
                log.warning("Closing the voice link of session %s failed", run.id, exc_info=True)
            if self._runs.get(round_.guild_id) is run:
                del self._runs[round_.guild_id]
            log.info("Voice session %s ended (%s)", run.id, reason or "finished")


def _prompts(events: Sequence[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, QuestionAsked | FollowUpAsked)]


def _is_feedback(event: Event) -> bool:
    return not isinstance(event, QuestionAsked | FollowUpAsked | SessionEnded)


__all__ = [
    "CONSENT_NOTICE",
    "Command",
    "VoiceCoach",
    "VoicePresenter",
    "VoiceRequest",
    "VoiceRun",
]

"""One live round: its state, where it asks and shows, and the commands waiting for its loop."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections import deque
from dataclasses import dataclass

from bot.catalog import Kind, Language, Level
from bot.interview.events import Event
from bot.rounds.model import Round, RoundMedium, RoundMode
from bot.rounds.notices import Ending
from bot.rounds.ports import RoundChannel, RoundPresenter

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RoundRequest:
    """What a host asked for: a solo interview or a study-group round, and where."""

    guild_id: int
    channel_id: int
    host_id: int
    mode: RoundMode
    kind: Kind
    level: Level
    language: Language
    turns_each: int
    # A text round runs in a thread of a text channel (``channel_id``); a voice round in voice.
    medium: RoundMedium = RoundMedium.VOICE
    # Who goes first once they consent (a schedule's RSVPs), in this order.
    priority: tuple[int, ...] = ()
    # How long one answer may take before a reminder, and again before moving on (None: the
    # service's default).
    answer_timeout_s: float | None = None


class CommandKind(enum.StrEnum):
    """Requests from outside the run loop."""

    STOP = "stop"
    EMPTY = "empty"
    DISCONNECTED = "disconnected"
    NEXT = "next"
    SKIP = "skip"
    LEFT = "left"


# Commands that end the whole round, and the ending each one records.
ENDINGS = {
    CommandKind.STOP: Ending.STOP,
    CommandKind.EMPTY: Ending.EMPTY,
    CommandKind.DISCONNECTED: Ending.DISCONNECTED,
}


@dataclass(frozen=True, slots=True)
class Command:
    """A request from outside the run loop: stop, next, skip, someone left."""

    kind: CommandKind
    user_id: int | None = None


class RoundRun:
    """One live round in one server, and what its loop is waiting for."""

    def __init__(
        self, round_: Round, channel: RoundChannel, presenter: RoundPresenter, now: float
    ) -> None:
        self.round = round_
        self.channel = channel
        self.presenter = presenter
        self.task: asyncio.Task[None] | None = None
        self.ending: Ending | None = None
        self.ended_by: int | None = None
        self.awaiting_consent = False
        self.notice_playing = False
        self.last_activity = now
        self.pending: dict[int, list[Event]] = {}
        # This round's wait for an answer (None: the service's), see ``RoundRequest``.
        self.turn_timeout_s: float | None = None
        self.wake = asyncio.Event()
        self.consented = asyncio.Event()
        self._commands: deque[Command] = deque()

    @property
    def id(self) -> int:
        """Return the round's id."""
        assert self.round.id is not None
        return self.round.id

    @property
    def language(self) -> Language:
        """Return the round's language."""
        return self.round.language

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

    def apply(self, command: Command | None) -> Command | None:
        """Record an ending command; return the command for turn-level handling."""
        if command is not None and self.ending is None:
            ending = ENDINGS.get(command.kind)
            if ending is not None:
                self.ending = ending
        return command

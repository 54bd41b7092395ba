"""Show streamed text in chat messages: throttled edits, clean splits, a guaranteed final edit.

Discord rate-limits edits and caps a message at 2000 characters, so a streamed reply is
shown by editing one message at most about once a second, and continues in a new message
when it outgrows the current one. Written against a tiny Protocol so it runs without
Discord; ``cogs/_stream_target.py`` adapts py-cord channels and interaction follow-ups.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

DISCORD_LIMIT = 2000
FENCE = "```"
# Do not cut below this share of the limit just to land on a nicer boundary.
_MIN_FILL = 0.5
_BOUNDARIES = ("\n\n", "\n", ". ", "! ", "? ", "。", " ")

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class MessageHandle(Protocol):
    """A message already sent that can be edited."""

    async def edit(self, text: str) -> None:
        """Replace the message's text."""
        ...


class MessageTarget(Protocol):
    """Somewhere messages can be sent (a channel, a thread, an interaction follow-up)."""

    async def send(self, text: str) -> MessageHandle:
        """Send a new message and return a handle to edit it."""
        ...


def split_message(text: str, limit: int = DISCORD_LIMIT) -> tuple[str, str]:
    """Cut ``text`` at a clean boundary so the head fits ``limit``; return (head, rest)."""
    if len(text) <= limit:
        return text, ""
    # Keep room to close a code fence that the cut would leave open.
    room = limit - (len(FENCE) + 1)
    floor = int(room * _MIN_FILL)
    cut = -1
    for boundary in _BOUNDARIES:
        pos = text.rfind(boundary, floor, room)
        if pos >= 0:
            cut = pos + len(boundary)
            break
    if cut <= 0:
        cut = room
    head, rest = text[:cut].rstrip(), text[cut:].lstrip(" ")
    if rest.startswith("\n"):
        rest = rest.lstrip("\n")
    if head.count(FENCE) % 2 == 1:
        # Close the open block here and reopen it in the next message so both render.
        head += "\n" + FENCE
        rest = FENCE + "\n" + rest
    return head, rest


class StreamingMessageEditor:
    """Append text; edit at most once per ``min_interval``; split past ``limit``; close cleanly.

    Intermediate send/edit failures are logged and retried with the next edit; the last edit
    of each message (on a split and in ``aclose``) is retried once and then raised, because
    it is the text the user keeps.
    """

    def __init__(
        self,
        target: MessageTarget,
        *,
        min_interval: float = 1.0,
        limit: int = DISCORD_LIMIT,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if limit < 50:
            raise ValueError("limit is too small to split cleanly")
        self._target = target
        self._min_interval = min_interval
        self._limit = limit
        self._clock = clock
        self._sleep = sleep
        self._done: list[str] = []
        self._handles: list[MessageHandle] = []
        self._pending = ""
        self._shown: str | None = None
        self._handle: MessageHandle | None = None
        self._last = -math.inf
        self._lock = asyncio.Lock()
        self._timer: asyncio.Task[None] | None = None
        self._closed = False

    @property
    def messages(self) -> list[str]:
        """Return the text of every message so far, the current one last."""
        current = self._pending.rstrip()
        return [*self._done, current] if current else list(self._done)

    @property
    def handles(self) -> list[MessageHandle]:
        """Return the handles of the messages sent so far."""
        return list(self._handles)

    @property
    def text(self) -> str:
        """Return everything appended so far, as it is split across messages."""
        return "\n".join(self.messages)

    async def __aenter__(self) -> StreamingMessageEditor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def append(self, text: str) -> None:
        """Add text; show it now if the last edit is old enough, else soon."""
        if self._closed:
            raise RuntimeError("the editor is closed")
        if not text:
            return
        async with self._lock:
            self._pending += text
            while len(self._pending) > self._limit:
                head, rest = split_message(self._pending, self._limit)
                await self._wait_turn()
                await self._push_hard(head)
                self._finish_message(head)
                self._pending = rest
            if self._due():
                await self._push(self._pending, final=False)
            elif self._pending.rstrip() != (self._shown or ""):
                self._schedule()

    async def aclose(self) -> None:
        """Cancel any pending timer and land the final edit."""
        if self._closed:
            return
        self._closed = True
        timer, self._timer = self._timer, None
        if timer is not None and not timer.done():
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer
        async with self._lock:
            if self._pending.rstrip() != (self._shown or ""):
                await self._wait_turn()
                await self._push_hard(self._pending)

    async def abort(self) -> None:
        """Stop without the final edit (the message is gone or cannot be edited)."""
        self._closed = True
        timer, self._timer = self._timer, None
        if timer is not None and not timer.done():
            timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await timer

    def _due(self) -> bool:
        """Tell whether enough time passed since the last send or edit."""
        return self._clock() - self._last >= self._min_interval

    async def _wait_turn(self) -> None:
        """Sleep until the next send or edit is allowed."""
        delay = self._min_interval - (self._clock() - self._last)
        if delay > 0:
            await self._sleep(delay)

    def _finish_message(self, text: str) -> None:
        """Close the current message and start a fresh one."""
        self._done.append(text)
        self._handle = None
        self._shown = None

    async def _push(self, text: str, *, final: bool) -> None:
        """Send or edit the current message to show ``text``."""
        # Chat clients drop trailing whitespace anyway; comparing without it saves edits.
        text = text.rstrip()
        if not text or text == self._shown:
            return
        try:
            if self._handle is None:
                self._handle = await self._target.send(text)
                self._handles.append(self._handle)
            else:
                await self._handle.edit(text)
        except Exception:
            if final:
                raise
            log.warning("stream edit failed; the next edit will retry", exc_info=True)
            return
        finally:
            self._last = self._clock()
        self._shown = text

    async def _push_hard(self, text: str) -> None:
        """Show ``text`` for good: retry once after the interval, then raise."""
        try:
            await self._push(text, final=True)
        except Exception:
            log.warning("stream edit failed; retrying once", exc_info=True)
            await self._sleep(self._min_interval)
            await self._push(text, final=True)

    def _schedule(self) -> None:
        """Make sure a timer will show the pending text once the interval has passed."""
        if self._timer is None or self._timer.done():
            self._timer = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        """Wait out the interval, then show whatever is pending."""
        while True:
            await self._wait_turn()
            async with self._lock:
                if self._closed:
                    return
                if not self._due():
                    continue
                await self._push(self._pending, final=False)
                return

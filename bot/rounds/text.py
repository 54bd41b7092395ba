"""The round's channel port for a text round: answers are messages handed in by the adapter.

A text round runs in a thread. Nothing is said aloud (the presenter posts every question and
note), and an answer is the next message of the person whose turn it is, typed or a voice
message already transcribed by the adapter; messages from anyone else are not answers.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque

from bot.coaching.answer import Answer
from bot.rounds.notices import Line

log = logging.getLogger(__name__)


class TextRoundChannel:
    """A RoundChannel over a thread: ``offer`` hands in messages, ``next_answer`` takes them."""

    def __init__(self) -> None:
        self._listening: frozenset[int] = frozenset()
        self._answers: dict[int, deque[Answer]] = {}
        self._changed = asyncio.Condition()
        self._closed = False
        # People who wrote an answer in the thread (for ``member_ids``).
        self._seen: set[int] = set()
        # Whose answer ``next_answer`` is waiting for right now (None: nobody's).
        self.waiting_for: int | None = None

    async def say(self, line: Line) -> bool:
        """Say nothing: the presenter posts questions and notes in the thread."""
        return not self._closed

    def interrupt(self) -> None:
        """Stop nothing: a thread has no speech to cut short."""

    def listen_to(self, user_ids: set[int]) -> None:
        """Take answers only from these people; drop what others left waiting."""
        self._listening = frozenset(user_ids)
        for user_id in list(self._answers):
            if user_id not in self._listening:
                del self._answers[user_id]

    def accepts(self, user_id: int) -> bool:
        """Tell whether a message of ``user_id`` would be taken as an answer now."""
        return not self._closed and user_id in self._listening

    async def offer(self, user_id: int, answer: Answer) -> bool:
        """Hand in a message as ``user_id``'s answer; False when it is not their turn."""
        if not self.accepts(user_id):
            return False
        self._seen.add(user_id)
        self._answers.setdefault(user_id, deque()).append(answer)
        async with self._changed:
            self._changed.notify_all()
        return True

    async def next_answer(self, user_id: int, timeout_s: float) -> Answer | None:
        """Return the user's next answer; None after ``timeout_s`` (0: only one waiting)."""
        waiting = self._answers.get(user_id)
        if waiting:
            return waiting.popleft()
        if timeout_s <= 0 or self._closed:
            return None

        def ready() -> bool:
            return self._closed or bool(self._answers.get(user_id))

        self.waiting_for = user_id
        try:
            # asyncio.timeout, not wait_for: no extra task outlives a cancelled wait.
            async with asyncio.timeout(timeout_s), self._changed:
                await self._changed.wait_for(ready)
        except TimeoutError:
            return None
        finally:
            self.waiting_for = None
        waiting = self._answers.get(user_id)
        return waiting.popleft() if waiting else None

    def member_ids(self) -> set[int]:
        """Return the people who answered in the thread so far."""
        return set(self._seen)

    def connected(self) -> bool:
        """Tell whether the thread still takes answers (False once closed)."""
        return not self._closed

    async def close(self) -> None:
        """Stop taking answers and wake whoever waits; safe to call twice."""
        self._closed = True
        self._answers.clear()
        async with self._changed:
            self._changed.notify_all()

"""A scripted VoiceLink / VoiceConnector double: scripted turns, recorded speech and listening."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict, deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.catalog import Language
from bot.coaching.answer import Word
from bot.errors import CoachError
from bot.speech.stt import Transcript
from bot.voice.types import ReceiveStats, VoiceDiagnostics, VoiceTurn

log = logging.getLogger(__name__)


def make_turn(user_id: int, text: str, start_ms: int = 0) -> VoiceTurn:
    """Return a finished turn whose transcript has evenly spaced word timings."""
    words = tuple(
        Word(text=w, start_ms=i * 400, end_ms=i * 400 + 350) for i, w in enumerate(text.split())
    )
    duration = len(words) * 400
    transcript = Transcript(text=text, words=words, language="en", duration_ms=duration)
    return VoiceTurn(user_id, start_ms, start_ms + duration, transcript)


class ScriptedVoiceLink:
    """A VoiceLink whose turns come from a script; it records everything the bot does.

    ``say(user, text)`` queues a turn, ``silence(user)`` queues a timeout (returned at once,
    no real waiting). With nothing queued, ``next_turn`` waits until something is queued,
    the link closes, or the real ``timeout_s`` passes. ``waiting_for`` tells who is awaited.
    """

    def __init__(
        self,
        channel_id: int,
        members: set[int] | None = None,
        *,
        member_source: Callable[[], set[int]] | None = None,
        stats: ReceiveStats | None = None,
        encryption_mode: str = "aead_xchacha20_poly1305_rtpsize",
        dave_status: str = "active",
        dave_protocol_version: int | None = 1,
    ) -> None:
        self._channel_id = channel_id
        self.members: set[int] = set(members or ())
        self.member_source = member_source
        self.stats = stats or ReceiveStats()
        self.encryption_mode = encryption_mode
        self.dave_status = dave_status
        self.dave_protocol_version = dave_protocol_version
        self.spoken: list[str] = []
        self.languages: list[str] = []
        self.cut_short: deque[bool] = deque()
        self.stop_speaking_during: list[str] = []
        self._speaking: str | None = None
        self.hold_speech = False
        self.listen_calls: list[frozenset[int]] = []
        self.listening: frozenset[int] = frozenset()
        self.turn_requests: list[int] = []
        self.unconsented_requests: list[int] = []
        self.stop_speaking_calls = 0
        self.closed = False
        self.connected = True
        self.waiting_for: int | None = None
        self._scripts: dict[int, deque[VoiceTurn | None]] = defaultdict(deque)
        self._changed = asyncio.Condition()

    # ---- scripting -----------------------------------------------------------------

    def say(self, user_id: int, text: str) -> VoiceTurn:
        """Queue a finished turn of ``user_id`` saying ``text``."""
        turn = make_turn(user_id, text)
        self._queue(user_id, turn)
        return turn

    def silence(self, user_id: int, times: int = 1) -> None:
        """Queue ``times`` silent timeouts for ``user_id``."""
        for _ in range(times):
            self._queue(user_id, None)

    def _queue(self, user_id: int, item: VoiceTurn | None) -> None:
        self._scripts[user_id].append(item)
        asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def queued(self, user_id: int) -> int:
        """Return how many scripted items for ``user_id`` are not consumed yet."""
        return len(self._scripts[user_id])

    # ---- the VoiceLink port --------------------------------------------------------

    @property
    def channel_id(self) -> int:
        """Return the voice channel's id."""
        return self._channel_id

    async def speak(self, text: str, language: str = "en") -> bool:
        """Record what would be said; like the real link, drop turns that ended before it.

        ``cut_short`` scripts the results (False: barge-in); with ``hold_speech`` on, speech
        lasts until ``finish_speaking()`` or ``stop_speaking()``.
        """
        self.spoken.append(text)
        self.languages.append(language)
        for script in self._scripts.values():
            # Anything said before the bot started speaking is not an answer to it.
            kept = [item for item in script if item is None]
            script.clear()
            script.extend(kept)
        stopped = False
        if self.hold_speech and not self.closed:
            self._speaking = text
            stop_count = self.stop_speaking_calls
            try:
                async with self._changed:
                    await self._changed.wait_for(
                        lambda: (
                            not self.hold_speech
                            or self.stop_speaking_calls > stop_count
                            or self.closed
                        )
                    )
                stopped = self.stop_speaking_calls > stop_count
            finally:
                self._speaking = None
        if self.cut_short:
            return self.cut_short.popleft() and not self.closed and not stopped
        return not self.closed and not stopped

    def stop_speaking(self) -> None:
        """Count stop requests (and end a held utterance)."""
        self.stop_speaking_calls += 1
        if self._speaking is not None:
            self.stop_speaking_during.append(self._speaking)
            asyncio.get_running_loop().create_task(self._notify())

    @property
    def speaking(self) -> str | None:
        """Return what is being said now (only while ``hold_speech`` holds it)."""
        return self._speaking

    async def finish_speaking(self) -> None:
        """Let held speech end normally (and stop holding)."""
        self.hold_speech = False
        await self._notify()

    def listen_to(self, user_ids: set[int]) -> None:
        """Record whom the bot decodes from now on."""
        self.listening = frozenset(user_ids)
        self.listen_calls.append(self.listening)

    async def next_turn(self, user_id: int, timeout_s: float) -> VoiceTurn | None:
        """Return the next scripted turn of ``user_id`` (None for a scripted silence)."""
        self.turn_requests.append(user_id)
        if user_id not in self.listening:
            # A real receiver would have dropped this user's audio before decoding.
            self.unconsented_requests.append(user_id)
        script = self._scripts[user_id]
        if timeout_s <= 0:
            # A poll: only a turn already there; a scripted silence is time passing.
            if script and script[0] is not None and not self.closed:
                return script.popleft()
            return None
        if not script:
            self.waiting_for = user_id
            try:
                # asyncio.timeout adds no task, so harness.settle() sees only the run's own.
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
        """Return the humans in the channel (live from ``member_source`` when given)."""
        return set(self.member_source()) if self.member_source is not None else set(self.members)

    def diagnostics(self) -> VoiceDiagnostics:
        """Return fixed transport facts and the scripted counters."""
        return VoiceDiagnostics(
            encryption_mode=self.encryption_mode,
            dave_status=self.dave_status,
            dave_protocol_version=self.dave_protocol_version,
            listening_to=tuple(sorted(self.listening)),
            stats=self.stats,
            connected=self.connected and not self.closed,
        )

    async def close(self) -> None:
        """Stop everything and wake whoever waits."""
        self.closed = True
        self.listening = frozenset()
        await self._notify()


class ScriptedConnector:
    """A VoiceConnector handing out ScriptedVoiceLinks (or refusing with a friendly error)."""

    def __init__(self, members_of: Callable[[int], set[int]] | None = None) -> None:
        self.members_of = members_of or (lambda channel_id: set())
        self.links: list[ScriptedVoiceLink] = []
        self.connects: list[tuple[int, int]] = []
        self.languages: list[Language] = []
        self.refuse_with: str | None = None
        self.prepared: ScriptedVoiceLink | None = None

    async def connect(
        self, guild_id: int, channel_id: int, language: Language = Language.EN
    ) -> ScriptedVoiceLink:
        """Return a new link to the channel (the prepared one, if any)."""
        self.connects.append((guild_id, channel_id))
        self.languages.append(language)
        if self.refuse_with is not None:
            raise CoachError(self.refuse_with)
        link = self.prepared or ScriptedVoiceLink(
            channel_id, member_source=lambda: self.members_of(channel_id)
        )
        self.prepared = None
        self.links.append(link)
        return link

    @property
    def link(self) -> ScriptedVoiceLink:
        """Return the most recent link."""
        return self.links[-1]


if TYPE_CHECKING:
    from bot.voice.types import VoiceConnector, VoiceLink

    _link: VoiceLink = ScriptedVoiceLink(1)
    _connector: VoiceConnector = ScriptedConnector()

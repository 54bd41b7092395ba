"""Shared shapes of the live-voice adapter: audio chunks, turns, counters and the link port."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeAlias, runtime_checkable

import numpy as np
import numpy.typing as npt

from bot.catalog import Language
from bot.speech.stt import Transcript

log = logging.getLogger(__name__)

Pcm16k: TypeAlias = npt.NDArray[np.float32]
"""16 kHz mono float32 samples in [-1, 1], the format speech recognition takes."""

SAMPLE_RATE = 16_000
FRAME_MS = 20
FRAME_SAMPLES = SAMPLE_RATE * FRAME_MS // 1000


@dataclass(frozen=True, slots=True)
class AudioChunk:
    """Decoded audio of one speaker, placed on the receiver's timeline.

    ``start_ms`` is milliseconds since the receiver started, derived from the speaker's RTP
    timestamps (so gaps inside a burst are real time, not arrival jitter). ``concealed`` marks
    audio synthesised by loss concealment or silence fill rather than decoded from a packet.
    """

    user_id: int
    ssrc: int
    start_ms: int
    pcm: Pcm16k
    concealed: bool = False

    @property
    def duration_ms(self) -> int:
        """Return the chunk's length in milliseconds."""
        return len(self.pcm) * 1000 // SAMPLE_RATE

    @property
    def end_ms(self) -> int:
        """Return where the chunk ends on the receiver's timeline."""
        return self.start_ms + self.duration_ms


@dataclass(slots=True)
class SpeakerCounters:
    """What happened to one speaker's packets; every field only ever grows."""

    packets: int = 0
    bytes: int = 0
    decoded_frames: int = 0
    concealed_frames: int = 0
    silence_filled_frames: int = 0
    duplicates: int = 0
    late: int = 0
    malformed: int = 0
    transport_failures: int = 0
    dave_failures: int = 0
    dave_passthrough: int = 0
    decode_failures: int = 0
    dropped_no_consent: int = 0
    dropped_unknown_ssrc: int = 0
    silence_frames: int = 0
    padding_only: int = 0
    early_replayed: int = 0

    def as_dict(self) -> dict[str, int]:
        """Return the counters as a plain mapping."""
        return {name: int(getattr(self, name)) for name in self.__slots__}


@dataclass(slots=True)
class ReceiveStats:
    """Counters for a whole receiver: per user id (0 while the SSRC's user is unknown).

    ``keepalives_sent`` counts the 8-byte UDP keepalives sent, ``keepalive_echoes`` the 8-byte
    datagrams that came back, ``dave_recoveries`` the DAVE session re-initialisations after a
    run of decrypt failures, ``early_buffered`` the packets held because their SSRC was not yet
    mapped to a user (op 5 races a speaker's first packets).
    """

    packets: int = 0
    malformed: int = 0
    non_audio: int = 0
    keepalives_sent: int = 0
    keepalive_echoes: int = 0
    dave_recoveries: int = 0
    early_buffered: int = 0
    users: dict[int, SpeakerCounters] = field(default_factory=dict)

    def for_user(self, user_id: int) -> SpeakerCounters:
        """Return (creating on first use) the counters of ``user_id``."""
        counters = self.users.get(user_id)
        if counters is None:
            counters = self.users[user_id] = SpeakerCounters()
        return counters

    def as_dict(self) -> dict[str, object]:
        """Return the stats as JSON-ready data."""
        return {
            "packets": self.packets,
            "malformed": self.malformed,
            "non_audio": self.non_audio,
            "keepalives_sent": self.keepalives_sent,
            "keepalive_echoes": self.keepalive_echoes,
            "dave_recoveries": self.dave_recoveries,
            "early_buffered": self.early_buffered,
            "users": {str(uid): c.as_dict() for uid, c in sorted(self.users.items())},
        }


@dataclass(frozen=True, slots=True)
class VoiceTurn:
    """One finished turn of one speaker: when it happened and what was said.

    ``start_ms``/``end_ms`` are on the receiver's timeline; the transcript's word timings are
    milliseconds from ``start_ms``.
    """

    user_id: int
    start_ms: int
    end_ms: int
    transcript: Transcript

    @property
    def text(self) -> str:
        """Return the recognised text."""
        return self.transcript.text


@dataclass(frozen=True, slots=True)
class VoiceDiagnostics:
    """What `/voice diagnose` shows: transport, DAVE and per-user counters."""

    encryption_mode: str
    dave_status: str
    dave_protocol_version: int | None
    listening_to: tuple[int, ...]
    stats: ReceiveStats
    connected: bool = True


TurnCallback: TypeAlias = Callable[[VoiceTurn], Awaitable[None]]


@runtime_checkable
class VoiceLink(Protocol):
    """A live connection to one voice channel: speak, listen to chosen people, report."""

    @property
    def channel_id(self) -> int:
        """Return the voice channel's id."""
        ...

    async def speak(self, text: str, language: str = "en") -> bool:
        """Say ``text`` sentence by sentence; return False if it was cut short (barge-in/stop)."""
        ...

    def stop_speaking(self) -> None:
        """Stop any speech now."""
        ...

    def listen_to(self, user_ids: set[int]) -> None:
        """Decode only these users from now on; everyone else is dropped before decoding."""
        ...

    async def next_turn(self, user_id: int, timeout_s: float) -> VoiceTurn | None:
        """Wait for ``user_id``'s next finished turn; None after ``timeout_s`` of silence.

        The timeout counts only while the person is silent (a long answer is not cut off);
        ``timeout_s=0`` just checks for a turn already waiting.
        """
        ...

    def member_ids(self) -> set[int]:
        """Return the ids of the humans in the channel now."""
        ...

    def diagnostics(self) -> VoiceDiagnostics:
        """Return the transport, DAVE and receive counters."""
        ...

    async def close(self) -> None:
        """Stop listening and speaking, forget buffered audio and leave the channel."""
        ...


TroubleListener: TypeAlias = Callable[[str, int], Awaitable[None]]
"""Told (kind, user id) when the link had to act to keep hearing someone (kind: a key under
``voice.notices``: "dave_recovered", "dave_unrecoverable")."""


@runtime_checkable
class ReportsTrouble(Protocol):
    """A link that can say when it had to recover (or could not) to keep hearing someone."""

    def on_trouble(self, listener: TroubleListener) -> None:
        """Call ``listener`` whenever the link recovered or lost someone's voice."""
        ...


class VoiceConnector(Protocol):
    """Joins voice channels; production wraps py-cord, tests use a double."""

    async def connect(
        self, guild_id: int, channel_id: int, language: Language = Language.EN
    ) -> VoiceLink:
        """Join the channel and return a link (raise CoachError with a reason in ``language``)."""
        ...

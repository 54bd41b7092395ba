"""The DAVE end-to-end layer: a port the pipeline calls, and an adapter over davey's session."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Final, Protocol, runtime_checkable

import davey

log = logging.getLogger(__name__)

# Every DAVE-encrypted frame ends with this marker; the byte before it is the size of the
# supplemental data (tag, nonce, unencrypted ranges, size byte and marker).
DAVE_MAGIC: Final = b"\xfa\xfa"
# The Opus silence frame Discord's SFU synthesises; decryptors pass it through untouched.
SILENCE_FRAME: Final = b"\xf8\xff\xfe"
NO_SESSION: Final = "none"


class DaveError(Exception):
    """A frame could not be end-to-end decrypted."""


def has_dave_marker(frame: bytes) -> bool:
    """Tell whether ``frame`` ends with the DAVE magic marker and room for a size byte."""
    return len(frame) > len(DAVE_MAGIC) and frame.endswith(DAVE_MAGIC)


@runtime_checkable
class DaveLayer(Protocol):
    """End-to-end decryption for the frames of one voice call."""

    @property
    def status(self) -> str:
        """Return the session status ("active", "pending", ... or "none")."""
        ...

    @property
    def protocol_version(self) -> int | None:
        """Return the DAVE protocol version in use (0 = not end-to-end encrypted)."""
        ...

    def decrypt(self, user_id: int, frame: bytes) -> bytes:
        """Return the Opus frame inside a DAVE frame of ``user_id``; raise on failure."""
        ...

    def can_passthrough(self, user_id: int) -> bool:
        """Tell whether an unencrypted frame of ``user_id`` may be accepted now."""
        ...


class DaveySessionLike(Protocol):
    """The part of ``davey.DaveSession`` the adapter uses (so tests can pass a double)."""

    @property
    def status(self) -> davey.SessionStatus: ...

    def decrypt(self, user_id: int, media_type: davey.MediaType, packet: bytes) -> bytes: ...

    def can_passthrough(self, user_id: int) -> bool: ...


class DaveyLayer:
    """Adapt the connection's current davey session; with no session, frames pass through.

    The session is read through ``session`` on every call because the voice connection creates,
    re-initialises and resets it as the call moves between protocol versions.
    """

    def __init__(
        self,
        session: Callable[[], DaveySessionLike | None],
        protocol_version: Callable[[], int | None] = lambda: None,
    ) -> None:
        self._session = session
        self._version = protocol_version

    @property
    def status(self) -> str:
        """Return the session status name, or "none" without a session."""
        current = self._session()
        if current is None:
            return NO_SESSION
        try:
            # davey's native enum has no ``.name``; its str() is "SessionStatus.active".
            return str(current.status).rsplit(".", 1)[-1]
        except Exception:  # a native session in a bad state must not break diagnostics
            log.debug("DAVE status unavailable", exc_info=True)
            return "unknown"

    @property
    def protocol_version(self) -> int | None:
        """Return the connection's DAVE protocol version."""
        return self._version()

    def decrypt(self, user_id: int, frame: bytes) -> bytes:
        """Decrypt an audio frame of ``user_id`` with the current session."""
        current = self._session()
        if current is None:
            raise DaveError("no DAVE session to decrypt with")
        try:
            return bytes(current.decrypt(user_id, davey.MediaType.audio, frame))
        except Exception as exc:  # davey raises plain exceptions from native code
            raise DaveError(f"DAVE decrypt failed: {exc}") from exc

    def can_passthrough(self, user_id: int) -> bool:
        """Allow unencrypted frames without a session, else ask the session."""
        current = self._session()
        if current is None:
            return True
        try:
            return bool(current.can_passthrough(user_id))
        except Exception:
            log.debug("can_passthrough failed for a user", exc_info=True)
            return False

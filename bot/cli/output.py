"""Standard output that tells a closed reader (``| head``) apart from a failure.

``python -m bot`` swaps ``sys.stdout`` for ``GuardedOutput`` before any command runs. A write
to a pipe whose reader has gone raises ``OutputClosed``, a ``BaseException`` like
``SystemExit``: the commands' ``except Exception`` handlers (meant for bugs) let it pass, their
``finally`` blocks still close the database, and the entry point exits quietly as Unix tools do.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from typing import Final, TextIO, cast

log = logging.getLogger(__name__)

# What a shell reports for a program ended by SIGPIPE (128 + 13), like `yes | head -1`.
EXIT_OUTPUT_CLOSED: Final = 141


class OutputClosed(BaseException):
    """Standard output's reader has gone; nothing more can be shown, so stop quietly."""


class GuardedOutput(io.TextIOBase):
    """A text stream over another that raises OutputClosed instead of BrokenPipeError."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner

    def write(self, s: str) -> int:
        """Write ``s``; raise OutputClosed when the reader has gone."""
        try:
            return self.inner.write(s)
        except BrokenPipeError as exc:
            raise OutputClosed from exc

    def flush(self) -> None:
        """Flush; raise OutputClosed when the reader has gone."""
        try:
            self.inner.flush()
        except BrokenPipeError as exc:
            raise OutputClosed from exc

    def writable(self) -> bool:
        """Tell that this stream can be written."""
        return True

    def isatty(self) -> bool:
        """Tell whether the stream underneath is a terminal."""
        return self.inner.isatty()

    def fileno(self) -> int:
        """Return the file descriptor underneath."""
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        """Return the encoding of the stream underneath."""
        return self.inner.encoding


def guard_stdout() -> None:
    """Make every later write to ``sys.stdout`` raise OutputClosed on a closed pipe."""
    if not isinstance(sys.stdout, GuardedOutput):
        sys.stdout = cast(TextIO, GuardedOutput(sys.stdout))


def discard_stdout() -> None:
    """Point standard output at the null device, so the exit flush cannot fail again.

    Without this, the interpreter's last flush of the unsent text fails too and prints
    "Exception ignored ... BrokenPipeError" (the recipe of Python's signal documentation).
    """
    stream = sys.stdout
    inner = stream.inner if isinstance(stream, GuardedOutput) else stream
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, inner.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        log.debug("standard output could not be pointed at %s", os.devnull, exc_info=True)


__all__ = ["EXIT_OUTPUT_CLOSED", "GuardedOutput", "OutputClosed", "discard_stdout", "guard_stdout"]

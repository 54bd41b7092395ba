"""Incremental parser for a streamed JSON object whose top-level keys are feedback sections.

Feed text deltas; each top-level key's value is returned the moment it is complete, so the
UI can show a section before the rest arrives. The scanner keeps its depth, string and
escape state between deltas, so every character is looked at once and each section's text
is decoded exactly once.
"""

from __future__ import annotations

import enum
import json
import logging
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

from bot.llm.types import LLMError

log = logging.getLogger(__name__)

_WS = frozenset(" \t\r\n")
_STRING_STOP = re.compile(r'["\\]')
_CONTAINER_STOP = re.compile(r'["\\{}\[\]]')
_SCALAR_STOP = re.compile(r"[\s,}]")
_CLOSER = {"{": "}", "[": "]"}


class MalformedReply(LLMError):
    """The reply is not the JSON object we asked for; what parsed fine is kept."""

    def __init__(self, message: str, *, parsed: dict[str, Any], offset: int, tail: str) -> None:
        super().__init__(message)
        self.parsed = parsed
        self.offset = offset
        self.tail = tail


@dataclass(frozen=True, slots=True)
class Section:
    """One completed top-level key and its decoded value."""

    key: str
    value: Any
    index: int


class _State(enum.Enum):
    PREAMBLE = "preamble"
    EXPECT_KEY = "expecting a key"
    IN_KEY = "inside a key"
    EXPECT_COLON = "expecting ':'"
    EXPECT_VALUE = "expecting a value"
    IN_STRING_VALUE = "inside a string value"
    IN_CONTAINER_VALUE = "inside a nested value"
    IN_SCALAR_VALUE = "inside a scalar value"
    AFTER_VALUE = "expecting ',' or '}'"
    DONE = "done"


class SectionStreamParser:
    """Parse one streamed top-level JSON object section by section."""

    def __init__(self, expected: Iterable[str] = ()) -> None:
        self._expected = tuple(expected)
        self._state = _State.PREAMBLE
        self._sections: dict[str, Any] = {}
        self._count = 0
        self._offset = 0
        self._key_parts: list[str] = []
        self._key = ""
        self._value_parts: list[str] = []
        self._stack: list[str] = []
        self._in_string = False
        self._escape = False
        self._tail = ""

    @property
    def sections(self) -> dict[str, Any]:
        """Return every completed section so far, in arrival order."""
        return dict(self._sections)

    @property
    def done(self) -> bool:
        """Tell whether the top-level object has closed."""
        return self._state is _State.DONE

    def _fail(self, message: str, pos: int) -> MalformedReply:
        """Build an error that keeps what was parsed so far."""
        offset = self._offset + pos
        return MalformedReply(
            f"malformed JSON reply at offset {offset} ({self._state.value}): {message}",
            parsed=self.sections,
            offset=offset,
            tail=self._tail[-80:],
        )

    def _emit(self, raw: str, pos: int, out: list[Section]) -> None:
        """Decode one finished value and record its section."""
        try:
            value = json.loads(raw, strict=False)
        except json.JSONDecodeError as exc:
            raise self._fail(f"section {self._key!r} is not valid JSON ({exc.msg})", pos) from None
        self._sections[self._key] = value
        out.append(Section(self._key, value, self._count))
        self._count += 1
        self._value_parts.clear()
        self._state = _State.AFTER_VALUE

    def feed(self, delta: str) -> list[Section]:
        """Consume a text delta and return the sections it completed, in order."""
        out: list[Section] = []
        self._tail = (self._tail + delta)[-160:]
        i, n = 0, len(delta)
        while i < n:
            state = self._state
            if state is _State.DONE:
                break
            if state is _State.PREAMBLE:
                # Prose or a ```json fence may precede the object.
                j = delta.find("{", i)
                if j < 0:
                    break
                self._state = _State.EXPECT_KEY
                i = j + 1
                continue
            if state is _State.IN_KEY:
                m = _STRING_STOP.search(delta, i)
                if self._escape:
                    self._escape = False
                    self._key_parts.append(delta[i])
                    i += 1
                    continue
                if m is None:
                    self._key_parts.append(delta[i:])
                    break
                j = m.start()
                self._key_parts.append(delta[i:j])
                if delta[j] == "\\":
                    self._key_parts.append("\\")
                    self._escape = True
                    i = j + 1
                    continue
                raw_key = "".join(self._key_parts)
                self._key_parts.clear()
                try:
                    self._key = json.loads(f'"{raw_key}"', strict=False)
                except json.JSONDecodeError:
                    raise self._fail("bad key", j) from None
                self._state = _State.EXPECT_COLON
                i = j + 1
                continue
            if state is _State.IN_STRING_VALUE:
                if self._escape:
                    self._escape = False
                    self._value_parts.append(delta[i])
                    i += 1
                    continue
                m = _STRING_STOP.search(delta, i)
                if m is None:
                    self._value_parts.append(delta[i:])
                    break
                j = m.start()
                self._value_parts.append(delta[i : j + 1])
                i = j + 1
                if delta[j] == "\\":
                    self._escape = True
                    continue
                self._emit("".join(self._value_parts), j, out)
                continue
            if state is _State.IN_CONTAINER_VALUE:
                i = self._scan_container(delta, i, out)
                continue
            if state is _State.IN_SCALAR_VALUE:
                m = _SCALAR_STOP.search(delta, i)
                if m is None:
                    self._value_parts.append(delta[i:])
                    break
                j = m.start()
                self._value_parts.append(delta[i:j])
                self._emit("".join(self._value_parts), j, out)
                i = j  # the terminator is handled in AFTER_VALUE
                continue
            ch = delta[i]
            if ch in _WS:
                i += 1
                continue
            if state is _State.EXPECT_KEY:
                if ch == '"':
                    self._state = _State.IN_KEY
                elif ch == "}":
                    self._state = _State.DONE
                else:
                    raise self._fail(f"unexpected {ch!r}", i)
            elif state is _State.EXPECT_COLON:
                if ch != ":":
                    raise self._fail(f"unexpected {ch!r}", i)
                self._state = _State.EXPECT_VALUE
            elif state is _State.EXPECT_VALUE:
                self._value_parts.append(ch)
                if ch == '"':
                    self._state = _State.IN_STRING_VALUE
                elif ch in _CLOSER:
                    self._stack = [ch]
                    self._in_string = False
                    self._state = _State.IN_CONTAINER_VALUE
                elif ch in "-0123456789tfn":
                    self._state = _State.IN_SCALAR_VALUE
                else:
                    raise self._fail(f"unexpected {ch!r}", i)
            elif state is _State.AFTER_VALUE:
                if ch == ",":
                    self._state = _State.EXPECT_KEY
                elif ch == "}":
                    self._state = _State.DONE
                else:
                    raise self._fail(f"unexpected {ch!r}", i)
            i += 1
        self._offset += n
        return out

    def _scan_container(self, delta: str, i: int, out: list[Section]) -> int:
        """Advance through a nested object/array value; return the next index to read."""
        n = len(delta)
        while i < n:
            if self._escape:
                self._escape = False
                self._value_parts.append(delta[i])
                i += 1
                continue
            m = (_STRING_STOP if self._in_string else _CONTAINER_STOP).search(delta, i)
            if m is None:
                self._value_parts.append(delta[i:])
                return n
            j = m.start()
            ch = delta[j]
            self._value_parts.append(delta[i : j + 1])
            i = j + 1
            if ch == "\\":
                self._escape = True
            elif ch == '"':
                self._in_string = not self._in_string
            elif self._in_string:
                continue
            elif ch in _CLOSER:
                self._stack.append(ch)
            else:
                opener = self._stack.pop()
                if _CLOSER[opener] != ch:
                    raise self._fail(f"{ch!r} does not close {opener!r}", j)
                if not self._stack:
                    self._emit("".join(self._value_parts), j, out)
                    return i
        return i

    def finish(self) -> dict[str, Any]:
        """Check the reply ended properly and return every section."""
        if self._state is _State.PREAMBLE:
            raise self._fail("no JSON object found in the reply", 0)
        if self._state is not _State.DONE:
            raise self._fail("the reply ended before the JSON object closed", 0)
        missing = [k for k in self._expected if k not in self._sections]
        if missing:
            raise self._fail(f"missing sections {missing}", 0)
        return self.sections


async def iter_sections(
    deltas: AsyncIterable[str], expected: Iterable[str] = ()
) -> AsyncIterator[Section]:
    """Yield sections as a stream of text deltas completes them; raise MalformedReply at the end."""
    parser = SectionStreamParser(expected)
    async for delta in deltas:
        for section in parser.feed(delta):
            yield section
    parser.finish()


def parse_sections(text: str, expected: Iterable[str] = ()) -> dict[str, Any]:
    """Parse a whole reply at once with the same tolerance as the streaming parser."""
    parser = SectionStreamParser(expected)
    parser.feed(text)
    return parser.finish()

"""Plain-text files (a job description for ``rehearse --job``): text, or what else it is.

A text file is UTF-8 (with or without a BOM), UTF-16 with a BOM, or a Korean file saved in
CP949/EUC-KR by an older Windows editor. Anything else (a PDF, a Word file, random bytes) is
named rather than decoded into replacement characters and read as a job title.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

# Control characters other than tab, newline, carriage return and form feed.
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13}
# More than this share of control characters is not something a person typed.
MAX_CONTROL_SHARE = 0.01
_SNIFF = 8192
# A Korean text in CP949 is mostly Hangul among its non-ASCII characters.
MIN_HANGUL_SHARE = 0.8


@dataclass(frozen=True, slots=True)
class Decoded:
    """A file's text, or the name of why it is not text ("pdf", "binary")."""

    text: str = ""
    problem: str | None = None


def decode_text(data: bytes) -> Decoded:
    """Return the text of a plain-text file, or "pdf"/"binary" when it is not one."""
    if data.lstrip()[:5] == b"%PDF-":
        return Decoded(problem="pdf")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(data, "utf-16")
    if b"\x00" in data[:_SNIFF]:
        return Decoded(problem="binary")
    for encoding in ("utf-8-sig", "cp949"):
        found = _checked(data, encoding)
        if found.problem is None:
            return found
    return Decoded(problem="binary")


def _checked(data: bytes, encoding: str) -> Decoded:
    try:
        decoded = data.decode(encoding)
    except UnicodeDecodeError:
        return Decoded(problem="binary")
    sample = decoded[:_SNIFF]
    controls = sum(1 for c in sample if ord(c) in _CONTROL)
    if sample and controls / len(sample) > MAX_CONTROL_SHARE:
        return Decoded(problem="binary")
    if encoding == "cp949" and not _mostly_hangul(sample):
        # CP949 decodes most byte pairs: random bytes read as a jumble of syllables and hanja.
        return Decoded(problem="binary")
    return Decoded(text=decoded)


def _mostly_hangul(sample: str) -> bool:
    wide = [c for c in sample if ord(c) > 127]
    hangul = sum(1 for c in wide if "\uac00" <= c <= "\ud7a3")
    return not wide or hangul / len(wide) >= MIN_HANGUL_SHARE

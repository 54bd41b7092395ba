"""Texts and the export file of `/privacy`."""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass
from typing import Any

from storage.privacy import DataCounts, Deletion

log = logging.getLogger(__name__)

MIB = 1024 * 1024
# Discord's default upload limit for bots; boosted servers allow more, DMs do not.
UPLOAD_LIMIT = 10 * MIB

NO_AUDIO = "Audio is never stored: only transcripts, word timings and feedback."
NOT_YOURS = "These buttons belong to someone else's `/privacy delete`; run it yourself."
CANCELLED = "Cancelled. Nothing was deleted."
VOICE_FIRST = (
    "You're taking part in a live voice session right now, so I can't delete your data "
    "yet: it is still being written. Leave the voice channel (or end it with `/voice stop` if "
    "you started it), then run `/privacy delete` again."
)


@dataclass(frozen=True, slots=True)
class ExportFile:
    """The bytes to upload and their file name."""

    filename: str
    data: bytes
    compressed: bool


def _n(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def summary(c: DataCounts) -> str:
    """Return the user's data in one short phrase."""
    parts = [
        f"{_n(c.sessions, 'interview')} with {_n(c.turns, 'question')}",
        _n(c.attempts, "retry", "retries"),
        _n(c.voice_consents, "voice consent"),
        f"{_n(c.round_answers, 'round answer')} and {_n(c.ratings_received, 'peer rating')} "
        "on them",
        _n(c.ratings_given, "rating") + " you gave",
    ]
    return ", ".join(parts)


def export_text(c: DataCounts, file: ExportFile) -> str:
    """Return the line sent with the export file."""
    zipped = " (gzip-compressed to fit Discord's upload limit)" if file.compressed else ""
    return f"Here is everything Mockingbird stores about you{zipped}: {summary(c)}. {NO_AUDIO}"


def _size(n: int) -> str:
    if n >= MIB:
        return f"{n / MIB:.1f}".removesuffix(".0") + " MiB"
    if n >= 1024:
        return f"{n / 1024:.1f}".removesuffix(".0") + " KiB"
    return _n(n, "byte")


def too_large(size: int, limit: int) -> str:
    """Return the message for an export that does not fit in one upload."""
    return (
        f"Your export is {_size(size)} even when compressed, more than the {_size(limit)} "
        "Discord lets me upload, so I couldn't send it here. Ask the bot's operator for a "
        "copy. Nothing was changed."
    )


def export_file(data: dict[str, Any], user_id: int, limit: int) -> ExportFile | int:
    """Return the file to upload, or the compressed size when even that is over ``limit``."""
    raw = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    name = f"mockingbird-{user_id}.json"
    if len(raw) <= limit:
        return ExportFile(name, raw, compressed=False)
    # mtime=0 keeps the archive byte-identical for the same data.
    packed = gzip.compress(raw, mtime=0)
    if len(packed) <= limit:
        return ExportFile(name + ".gz", packed, compressed=True)
    return len(packed)


def confirm_text(c: DataCounts, running: int) -> str:
    """Return the question shown above the Delete everything / Cancel buttons."""
    if c.total == 0:
        return (
            "I have no interviews or voice data stored for you; pressing Delete everything "
            f"removes any record that you used me. {NO_AUDIO}"
        )
    parts = [f"This deletes {summary(c)}."]
    if c.rounds_hosted:
        parts.append("Rounds you hosted stay for the others, without your id.")
    if running:
        parts.append("Your running interview is stopped first; its thread stays.")
    parts.append(
        f"This can't be undone; use `/privacy export` first if you want a copy. {NO_AUDIO}"
    )
    return " ".join(parts)


def deleted_text(d: Deletion) -> str:
    """Return what was deleted, in words."""
    if d.nothing:
        return "There was nothing stored about you, so nothing was deleted."
    c = d.counts
    lines = [
        f"Deleted everything Mockingbird stored about you: {summary(c)} "
        f"({_n(c.findings, 'feedback finding')} included)."
    ]
    if d.rounds_unhosted:
        lines.append(
            f"{_n(d.rounds_unhosted, 'round')} you hosted "
            f"{'stays' if d.rounds_unhosted == 1 else 'stay'} for the others, without your id."
        )
    if len(d.stopped) == 1:
        lines.append(
            "Your running interview was stopped first; its thread stays (delete it yourself "
            "if you like)."
        )
    elif d.stopped:
        lines.append(
            f"Your {len(d.stopped)} running interviews were stopped first; their threads stay "
            "(delete them yourself if you like)."
        )
    return "\n".join(lines)


THREAD_NOTE = (
    "This interview was stopped: {mention} deleted their Mockingbird data, so nothing here "
    "is saved or graded any more. The thread stays; delete it if you like."
)

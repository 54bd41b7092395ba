"""Texts and the export file of `/privacy`, in the language the service chose."""

from __future__ import annotations

import gzip
import json
import logging
from dataclasses import dataclass
from typing import Any

from bot.catalog import Language
from bot.copy import catalogue, text
from bot.privacy import DataCounts, DeletePreview, Deletion, UserExport

log = logging.getLogger(__name__)

MIB = 1024 * 1024
# Discord's default upload limit for bots; boosted servers allow more, DMs do not.
UPLOAD_LIMIT = 10 * MIB
# Counts the summary sentence names; a store's other counts follow it when the catalogue
# has a ``privacy.units.<count>`` phrase for them.
_IN_SUMMARY = frozenset(
    {
        "sessions",
        "turns",
        "findings",
        "attempts",
        "voice_consents",
        "round_answers",
        "ratings_received",
        "ratings_given",
        "rounds_hosted",
    }
)


@dataclass(frozen=True, slots=True)
class ExportFile:
    """The bytes to upload and their file name."""

    filename: str
    data: bytes
    compressed: bool


def _n(unit: str, count: int, language: Language) -> str:
    form = "one" if count == 1 else "other"
    return text(f"privacy.units.{unit}.{form}", language, count=count)


def summary(c: DataCounts, language: Language) -> str:
    """Return the user's data in one short phrase."""
    phrase = text(
        "privacy.summary",
        language,
        interviews=_n("interview", c.of("sessions"), language),
        questions=_n("question", c.of("turns"), language),
        retries=_n("retry", c.of("attempts"), language),
        consents=_n("voice_consent", c.of("voice_consents"), language),
        answers=_n("round_answer", c.of("round_answers"), language),
        received=_n("peer_rating", c.of("ratings_received"), language),
        given=_n("rating", c.of("ratings_given"), language),
    )
    extras = [
        _n(key, count, language)
        for key, count in c.items()
        if key not in _IN_SUMMARY and catalogue().has(f"privacy.units.{key}.one")
    ]
    return ", ".join([phrase, *extras])


def no_audio(language: Language) -> str:
    """Return the reminder that audio is never stored."""
    return text("privacy.no_audio", language)


def export_text(found: UserExport, file: ExportFile) -> str:
    """Return the line sent with the export file."""
    key = "privacy.export.sent_compressed" if file.compressed else "privacy.export.sent"
    lang = found.language
    return text(key, lang, summary=summary(found.counts, lang), no_audio=no_audio(lang))


def _size(n: int, language: Language) -> str:
    if n >= MIB:
        return text("privacy.units.mib", language, size=f"{n / MIB:.1f}".removesuffix(".0"))
    if n >= 1024:
        return text("privacy.units.kib", language, size=f"{n / 1024:.1f}".removesuffix(".0"))
    return _n("byte", n, language)


def too_large(size: int, limit: int, language: Language) -> str:
    """Return the message for an export that does not fit in one upload."""
    return text(
        "privacy.export.too_large",
        language,
        size=_size(size, language),
        limit=_size(limit, language),
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


def confirm_text(preview: DeletePreview) -> str:
    """Return the question shown above the Delete everything / Cancel buttons."""
    c, lang = preview.counts, preview.language
    if c.total == 0:
        return text("privacy.confirm.nothing", lang, no_audio=no_audio(lang))
    parts = [text("privacy.confirm.deletes", lang, summary=summary(c, lang))]
    if c.of("rounds_hosted"):
        parts.append(text("privacy.confirm.hosted", lang))
    if preview.running:
        parts.append(text("privacy.confirm.running", lang))
    if preview.voice_to_end:
        parts.append(text("privacy.confirm.voice", lang))
    parts.append(text("privacy.confirm.final", lang, no_audio=no_audio(lang)))
    return " ".join(parts)


def deleted_text(d: Deletion) -> str:
    """Return what was deleted, in words."""
    lang = d.language
    if d.nothing:
        return text("privacy.deleted.nothing", lang)
    c = d.counts
    lines = [
        text(
            "privacy.deleted.done",
            lang,
            summary=summary(c, lang),
            findings=_n("finding", c.of("findings"), lang),
        )
    ]
    unhosted = d.outcome("rounds_unhosted")
    if unhosted:
        form = "one" if unhosted == 1 else "other"
        lines.append(
            text(f"privacy.deleted.unhosted.{form}", lang, rounds=_n("round", unhosted, lang))
        )
    if len(d.stopped) == 1:
        lines.append(text("privacy.deleted.stopped.one", lang))
    elif d.stopped:
        lines.append(text("privacy.deleted.stopped.other", lang, count=len(d.stopped)))
    if d.voice_ended:
        lines.append(text("privacy.deleted.voice", lang))
    return "\n".join(lines)


def thread_note(user_id: int, language: Language) -> str:
    """Return the note left in the thread of an interview the delete stopped."""
    return text("privacy.thread_note", language, mention=f"<@{user_id}>")

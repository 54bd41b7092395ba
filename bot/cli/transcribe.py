"""`transcribe FILE` and the `@path` answers of `rehearse`: a typed path made an audio file."""

from __future__ import annotations

import errno
import json
import logging
import os
import sys
from pathlib import Path
from typing import TextIO

from bot.catalog import Language
from bot.cli.render import write
from bot.config import Settings
from bot.copy import text
from bot.speech.errors import SpeechError
from bot.speech.pipeline import transcribe_for_cli

log = logging.getLogger(__name__)


def audio_path(typed: str) -> Path:
    """Return the path a user typed: surrounding quotes dropped, ``~`` expanded."""
    typed = typed.strip()
    if len(typed) >= 2 and typed[0] == typed[-1] and typed[0] in "\"'":
        typed = typed[1:-1]
    return Path(os.path.expanduser(typed))


def path_problem(path: Path, language: Language) -> str | None:
    """Return what keeps ``path`` from being read as a recording, or None when it can be."""
    try:
        is_dir = path.is_dir()
        path.stat()
    except FileNotFoundError:
        return text("interview.terminal.audio_not_found", language, path=path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return text("interview.terminal.audio_cannot_open", language, path=path, reason=reason)
    if is_dir:
        return text("interview.terminal.audio_is_directory", language, path=path)
    if not os.access(path, os.R_OK):
        reason = os.strerror(errno.EACCES)
        return text("interview.terminal.audio_cannot_open", language, path=path, reason=reason)
    return None


def speech_message(exc: SpeechError, path: Path, language: Language) -> str:
    """Return a speech error as the terminal says it: with the path, no Discord advice."""
    if exc.key == "speech.cannot_open":
        reason = exc.detail or exc.message_in(language)
        return text("interview.terminal.audio_cannot_open", language, path=path, reason=reason)
    if exc.key == "speech.not_audio":
        reason = text("interview.terminal.audio_not_audio", language)
    else:
        reason = exc.message_in(language)
    return text("interview.terminal.audio_problem", language, path=path, reason=reason)


async def transcribe(
    path: str,
    language: Language,
    as_json: bool,
    settings: Settings,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Transcribe one recording and print the transcript, word timings and delivery."""
    # Looked up now, not at import: the entry point may have guarded standard output.
    out, err = out or sys.stdout, err or sys.stderr
    from bot.bootstrap import build_speech

    file = audio_path(path)
    problem = path_problem(file, language)
    if problem is not None:
        write(err, problem)
        return 1
    stt, _, limits = build_speech(settings)
    try:
        data = await transcribe_for_cli(file, stt=stt, language=language.value, limits=limits)
    except SpeechError as exc:
        log.debug("transcribe %s failed: %s", file, exc.detail)
        write(err, speech_message(exc, file, language))
        return 1
    if as_json:
        write(out, json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    write(out, data["text"] or text("interview.terminal.no_speech", language))
    write(out, str(data["summary"]))
    for word in data["words"]:
        write(out, f"{word['start_ms']:>7} {word['end_ms']:>7}  {word['word']}")
    return 0

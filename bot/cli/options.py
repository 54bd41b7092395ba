"""Argument types of the terminal commands, cheap to import (the parser is built every run)."""

from __future__ import annotations

import argparse
import logging

from bot.copy import text

log = logging.getLogger(__name__)


def question_count(value: str) -> int:
    """Return ``--count`` as a number of questions, refusing what the engine would change."""
    from bot.interview.engine import MAX_QUESTIONS

    try:
        count = int(value)
    except ValueError:
        count = 0
    if not 1 <= count <= MAX_QUESTIONS:
        raise argparse.ArgumentTypeError(
            text("interview.terminal.count_range", most=MAX_QUESTIONS, count=value)
        )
    return count


def configured_whisper_model(model: str, fields_set: set[str]) -> str | None:
    """Return ``WHISPER_MODEL`` when it was set, else None (tools then use offline weights)."""
    return model if "whisper_model" in fields_set else None

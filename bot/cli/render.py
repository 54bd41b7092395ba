"""How the terminal shows engine events: questions, feedback, retries, the summary."""

from __future__ import annotations

import logging
from typing import TextIO

from bot.catalog import Language
from bot.coaching.models import Evaluation
from bot.copy import text
from bot.interview.events import (
    Event,
    FeedbackGiven,
    FollowUpAsked,
    LevelChanged,
    NoticeGiven,
    QuestionAsked,
    RetryGraded,
    RewindAsked,
    SessionEnded,
)
from bot.presenters import (
    comparison_lines,
    dimensions_line,
    evaluation_note,
    finding_line,
    level_name,
    probe_line,
    rewrite_blocks,
    source_label,
    summary_lines,
    without_heading,
)

log = logging.getLogger(__name__)


def write(out: TextIO, text: str = "") -> None:
    """Write one line and flush, so a pipe sees it at once."""
    out.write(text + "\n")
    out.flush()


def render_event(event: Event, out: TextIO, language: Language = Language.EN) -> None:
    """Write one engine event to the terminal, in the session's language."""
    lang = language
    if isinstance(event, QuestionAsked):
        line = text(
            "interview.terminal.question",
            lang,
            number=event.number,
            total=event.total,
            level=level_name(event.turn.level.value, lang),
            prompt=event.turn.prompt,
        )
        write(out, "\n" + line)
    elif isinstance(event, FollowUpAsked):
        write(out, "\n" + text("interview.terminal.follow_up", lang, prompt=event.turn.prompt))
    elif isinstance(event, LevelChanged):
        line = text(
            "interview.terminal.level_changed",
            lang,
            old=level_name(event.old.value, lang),
            new=level_name(event.new.value, lang),
            reason=event.reason,
        )
        write(out, "\n" + line)
    elif isinstance(event, FeedbackGiven):
        probe = probe_line(event.evaluation, event.number or 0, lang)
        if probe:
            write(out, probe)
        write_evaluation(event.evaluation, out, lang)
    elif isinstance(event, RewindAsked):
        first = event.turn.evaluation
        first_text = (
            text("interview.terminal.rewind_first", lang, score=first.score)
            if first is not None
            else ""
        )
        line = text(
            "interview.terminal.rewind",
            lang,
            number=event.number,
            attempt=event.attempts + 1,
            first=first_text,
            prompt=event.turn.prompt,
        )
        write(out, "\n" + line)
        write(out, text("interview.terminal.next_is_retry", lang))
    elif isinstance(event, RetryGraded):
        line = text(
            "interview.terminal.retry", lang, number=event.number, attempt=event.attempt_number
        )
        write(out, "\n" + line)
        for change in comparison_lines(event.comparison, lang):
            write(out, f"  {change}")
        write_evaluation(event.attempt.evaluation, out, lang)
        if event.pending is not None:
            back = text("interview.terminal.back_to", lang, prompt=event.pending.prompt)
            write(out, "\n" + back)
    elif isinstance(event, NoticeGiven):
        write(out, text(event.key, lang, **event.params))
    elif isinstance(event, SessionEnded):
        write(out, "\n" + text("interview.terminal.summary_heading", lang))
        for line in summary_lines(event.summary, lang):
            write(out, line)


def write_evaluation(ev: Evaluation, out: TextIO, lang: Language = Language.EN) -> None:
    """Write one evaluation: score and source, dimensions, evidence, coaching, rewrites."""
    write(
        out,
        text(
            "interview.terminal.score",
            lang,
            score=ev.score,
            label=source_label(ev, lang),
        ),
    )
    note = evaluation_note(ev)
    if note:
        write(out, text("interview.terminal.note", lang, note=note))
    write(out, f"  {dimensions_line(ev, lang)}")
    for finding in ev.problems:
        write(out, f"  - {finding_line(finding, lang)}")
    write(out, text("interview.terminal.praise", lang, text=without_heading(ev.coaching.praise)))
    write(out, text("interview.terminal.fix", lang, text=without_heading(ev.coaching.fix)))
    write(out, text("interview.terminal.tip", lang, text=without_heading(ev.coaching.tip)))
    for heading, body in rewrite_blocks(ev, lang):
        write(out, text("interview.terminal.rewrite", lang, heading=heading))
        for line in body.splitlines():
            write(out, f"    {line}")

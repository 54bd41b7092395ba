"""Turn engine events into Discord messages."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord

from bot.catalog import Language
from bot.coaching.models import Evaluation
from bot.copy import as_language, text
from bot.interview.events import (
    Event,
    FeedbackGiven,
    FollowUpAsked,
    LevelChanged,
    NoticeGiven,
    QuestionAsked,
    Reevaluation,
    RetryGraded,
    RewindAsked,
    SessionEnded,
)
from bot.interview.ports import SessionOverview
from bot.presenters import (
    comparison_lines,
    dimensions_line,
    evaluation_note,
    feedback_labels,
    finding_line,
    kind_name,
    level_name,
    probe_line,
    reevaluation_lines,
    rewrite_blocks,
    rewrites_summary,
    shorten,
    source_label,
    summary_lines,
    without_heading,
)
from bot.text import split_message

log = logging.getLogger(__name__)

BRAND = discord.Colour.from_rgb(88, 101, 242)
GOOD = discord.Colour.green()
MIXED = discord.Colour.gold()
WEAK = discord.Colour.red()


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to post: text, an embed, and whether it carries the question buttons."""

    content: str | None = None
    embed: discord.Embed | None = None
    controls: bool = False
    # The number (turn index + 1) of the prompt the controls act on.
    prompt: int | None = None
    speak: str | None = None
    # Part of an answer's feedback: these replace the live preview messages when streamed.
    feedback: bool = False
    # (turn id, attempt number) for a "Show rewrites" button.
    rewrites: tuple[int, int] | None = None
    # The session whose pending rewind a "Cancel retry" button drops.
    cancel_rewind: int | None = None
    # The finished session whose "Download report" button goes under its summary.
    report: int | None = None


def _colour(score: int) -> discord.Colour:
    return GOOD if score >= 75 else MIXED if score >= 50 else WEAK


def feedback_text(
    evaluation: Evaluation,
    language: Language | str = Language.EN,
    *,
    note: str | None = None,
    number: int | None = None,
) -> str:
    """Return the feedback for one answer as Markdown: score, praise, fix, tip, evidence.

    For a reply to a follow-up, ``number`` is its question's number, and the first line says
    whether the reply filled the gap and what that did to the question's grade.
    """
    language = as_language(language)
    label = feedback_labels(language)
    coaching = evaluation.coaching
    probe = probe_line(evaluation, number or 0, language) if number is not None else None
    parts = [f"**{probe}**"] if probe else []
    parts += [
        f"**{label['score']} {evaluation.score}/100** · {dimensions_line(evaluation, language)} · "
        f"_{source_label(evaluation, language)}_",
        f"**{label['praise']}:** {without_heading(coaching.praise)}",
        f"**{label['fix']}:** {without_heading(coaching.fix)}",
        f"**{label['tip']}:** {without_heading(coaching.tip)}",
    ]
    note = note if note is not None else evaluation_note(evaluation)
    if note:
        parts.append(f"_{note}_")
    problems = evaluation.problems
    if problems:
        parts.append(
            f"**{label['evidence']}**\n"
            + "\n".join(f"- {finding_line(f, language)}" for f in problems)
        )
    return "\n".join(parts)


def render(events: list[Event], language: Language | str = Language.EN) -> list[Outgoing]:
    """Return the messages that present ``events`` in order."""
    language = as_language(language)
    out: list[Outgoing] = []
    for event in events:
        if isinstance(event, QuestionAsked):
            embed = discord.Embed(
                title=text(
                    "interview.question_title", language, number=event.number, total=event.total
                ),
                description=event.turn.prompt,
                colour=BRAND,
            )
            embed.set_footer(
                text=text(
                    "interview.question_footer",
                    language,
                    kind=kind_name(event.question.kind.value, language),
                    level=level_name(event.turn.level.value, language),
                    resumed=text("interview.resumed_mark", language) if event.resumed else "",
                )
            )
            out.append(
                Outgoing(
                    embed=embed,
                    controls=True,
                    prompt=event.turn.index + 1,
                    speak=event.turn.prompt,
                )
            )
        elif isinstance(event, FollowUpAsked):
            embed = discord.Embed(
                title=text("interview.follow_up_title", language),
                description=event.turn.prompt,
                colour=BRAND,
            )
            embed.set_footer(text=text("interview.reply_here", language))
            out.append(
                Outgoing(
                    embed=embed,
                    controls=True,
                    prompt=event.turn.index + 1,
                    speak=event.turn.prompt,
                )
            )
        elif isinstance(event, FeedbackGiven):
            body = feedback_text(event.evaluation, language, number=event.number)
            out.extend(Outgoing(content=c, feedback=True) for c in split_message(body))
            if event.turn.id is not None:
                out.extend(_rewrites_offer(event.evaluation, event.turn.id, 1, language))
        elif isinstance(event, RewindAsked):
            out.append(_rewind_message(event, language))
        elif isinstance(event, RetryGraded):
            out.extend(
                Outgoing(content=c, feedback=True)
                for c in split_message(retry_text(event, language))
            )
            if event.turn.id is not None:
                out.extend(
                    _rewrites_offer(
                        event.attempt.evaluation, event.turn.id, event.attempt_number, language
                    )
                )
            if event.pending is not None:
                prompt = shorten(event.pending.prompt, 120)
                out.append(
                    Outgoing(content=text("interview.back_to_interview", language, prompt=prompt))
                )
        elif isinstance(event, LevelChanged):
            out.append(
                Outgoing(
                    content=text(
                        "interview.level_changed",
                        language,
                        old=level_name(event.old.value, language),
                        new=level_name(event.new.value, language),
                        reason=event.reason,
                    )
                )
            )
        elif isinstance(event, NoticeGiven):
            out.append(Outgoing(content=f"_{text(event.key, language, **event.params)}_"))
        elif isinstance(event, SessionEnded):
            summary = event.summary
            title = "interview.ended_stopped" if event.stopped else "interview.ended_complete"
            embed = discord.Embed(
                title=text(title, language),
                description="\n".join(summary_lines(summary, language))[:4000],
                colour=_colour(int(summary.average_score or 0)),
            )
            embed.set_footer(text=text("interview.ended_footer", language))
            out.append(Outgoing(embed=embed, report=summary.session.id))
    return out


def history_embed(
    rows: list[SessionOverview], language: Language | str = Language.EN
) -> discord.Embed:
    """Return the user's recent sessions as an embed."""
    language = as_language(language)
    embed = discord.Embed(title=text("interview.history_title", language), colour=BRAND)
    if not rows:
        embed.description = text("interview.history_empty", language)
        return embed
    lines = []
    for r in rows:
        average = (
            f"{r.average_score:.0f}/100"
            if r.average_score is not None
            else text("interview.not_graded", language)
        )
        lines.append(
            text(
                "interview.history_line",
                language,
                id=r.session_id,
                date=discord.utils.format_dt(r.created_at, "d"),
                kind=kind_name(r.kind.value, language),
                level=level_name(r.level.value, language),
                status=text(f"interview.statuses.{r.status.value}", language),
                answered=r.answered,
                average=average,
            )
        )
    embed.description = "\n".join(lines)
    return embed


def _rewind_message(event: RewindAsked, language: Language) -> Outgoing:
    """Return the re-asked question of a rewind, with a "Cancel retry" button."""
    embed = discord.Embed(
        title=text(
            "interview.rewind_title", language, number=event.number, attempt=event.attempts + 1
        ),
        description=event.turn.prompt,
        colour=BRAND,
    )
    previous = event.turn.evaluation
    if previous is not None:
        embed.add_field(
            name=text("interview.first_attempt", language),
            value=f"{previous.score}/100",
            inline=True,
        )
    footer = text("interview.rewind_footer", language)
    if event.session_active:
        footer += text("interview.rewind_footer_open", language)
    embed.set_footer(text=footer)
    return Outgoing(embed=embed, speak=event.turn.prompt, cancel_rewind=event.session_id)


def retry_text(event: RetryGraded, language: Language | str = Language.EN) -> str:
    """Return a retry's comparison with the previous attempt, then its full feedback."""
    language = as_language(language)
    head = text("interview.retry_head", language, number=event.number, attempt=event.attempt_number)
    lines = comparison_lines(event.comparison, language)
    before, after = event.comparison.before, event.comparison.after
    if (before.source == "llm") != (after.source == "llm"):
        # A grader change moves the score by itself; say so before anyone reads it as progress.
        lines.append(text("interview.mixed_graders", language))
    evaluation = event.attempt.evaluation
    note = text("interview.retry_offline", language) if evaluation.model_missing else None
    body = "\n".join(lines)
    return f"{head}\n{body}\n\n{feedback_text(evaluation, language, note=note)}"


def shorten_block(text: str, limit: int = 2000) -> str:
    """Return ``text`` cut to ``limit`` characters, keeping whole lines where it can."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit("\n", 1)[0] + "…"


def _rewrites_offer(
    evaluation: Evaluation, turn_id: int, attempt: int, language: Language
) -> list[Outgoing]:
    """Return the compact rewrites line with its "Show rewrites" button, if there are any."""
    summary = rewrites_summary(evaluation, language)
    if summary is None:
        return []
    body = text("interview.rewrites_offer", language) + "\n" + summary
    return [Outgoing(content=shorten_block(body), rewrites=(turn_id, attempt))]


def rewrites_messages(evaluation: Evaluation, language: Language | str = Language.EN) -> list[str]:
    """Return the full rewrites as messages of at most 2000 characters each."""
    language = as_language(language)
    blocks = rewrite_blocks(evaluation, language)
    if not blocks:
        return [text("interview.no_rewrites", language)]
    return split_message("\n\n".join(f"**{head}**\n{body}" for head, body in blocks))


def reevaluation_messages(
    result: Reevaluation, language: Language | str = Language.EN
) -> list[str]:
    """Return a re-evaluation's outcome as messages of at most 2000 characters each."""
    language = as_language(language)
    return split_message("\n".join(reevaluation_lines(result, language)))

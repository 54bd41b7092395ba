"""Turn engine events into Discord messages."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord

from bot.coaching.models import Evaluation
from bot.interview.events import (
    Event,
    FeedbackGiven,
    FollowUpAsked,
    LevelChanged,
    QuestionAsked,
    SessionEnded,
)
from bot.interview.ports import SessionOverview
from bot.presenters import dimensions_line, finding_line, summary_lines
from bot.text import split_message

log = logging.getLogger(__name__)

BRAND = discord.Colour.from_rgb(88, 101, 242)
GOOD = discord.Colour.green()
MIXED = discord.Colour.gold()
WEAK = discord.Colour.red()

SOURCE_LABELS = {"offline": "offline coach (no model key)"}


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message to post: text, an embed, and whether it carries the question buttons."""

    content: str | None = None
    embed: discord.Embed | None = None
    controls: bool = False
    speak: str | None = None


def _colour(score: int) -> discord.Colour:
    return GOOD if score >= 75 else MIXED if score >= 50 else WEAK


def feedback_text(evaluation: Evaluation) -> str:
    """Return the feedback for one answer as Markdown: score, praise, fix, tip, evidence."""
    source = SOURCE_LABELS.get(evaluation.source, evaluation.source)
    if evaluation.source == "llm":
        source = f"model coach ({evaluation.extra.get('provider', 'LLM')})"
    parts = [
        f"**Score {evaluation.score}/100** · {dimensions_line(evaluation)} · _{source}_",
        f"**What worked:** {evaluation.coaching.praise}",
        f"**Fix first:** {evaluation.coaching.fix}",
        f"**Tip:** {evaluation.coaching.tip}",
    ]
    note = evaluation.extra.get("note")
    if isinstance(note, str) and note:
        parts.append(f"_{note}_")
    problems = evaluation.problems
    if problems:
        parts.append("**Evidence**\n" + "\n".join(f"- {finding_line(f)}" for f in problems))
    return "\n".join(parts)


def render(events: list[Event]) -> list[Outgoing]:
    """Return the messages that present ``events`` in order."""
    out: list[Outgoing] = []
    for event in events:
        if isinstance(event, QuestionAsked):
            embed = discord.Embed(
                title=f"Question {event.number} of {event.total}",
                description=event.turn.prompt,
                colour=BRAND,
            )
            embed.set_footer(
                text=f"{event.question.kind.value.replace('_', ' ')} · {event.turn.level.value}"
                + (" · resumed" if event.resumed else "")
                + " · reply in this thread"
            )
            out.append(Outgoing(embed=embed, controls=True, speak=event.turn.prompt))
        elif isinstance(event, FollowUpAsked):
            embed = discord.Embed(title="Follow-up", description=event.turn.prompt, colour=BRAND)
            embed.set_footer(text="reply in this thread")
            out.append(Outgoing(embed=embed, controls=True, speak=event.turn.prompt))
        elif isinstance(event, FeedbackGiven):
            out.extend(Outgoing(content=c) for c in split_message(feedback_text(event.evaluation)))
        elif isinstance(event, LevelChanged):
            out.append(
                Outgoing(
                    content=f"Difficulty moves from **{event.old.value}** to "
                    f"**{event.new.value}**: {event.reason}."
                )
            )
        elif isinstance(event, SessionEnded):
            summary = event.summary
            title = "Interview stopped" if event.stopped else "Interview complete"
            embed = discord.Embed(
                title=title,
                description="\n".join(summary_lines(summary))[:4000],
                colour=_colour(int(summary.average_score or 0)),
            )
            embed.set_footer(text="See all your sessions with /interview history")
            out.append(Outgoing(embed=embed))
    return out


def history_embed(rows: list[SessionOverview]) -> discord.Embed:
    """Return the user's recent sessions as an embed."""
    embed = discord.Embed(title="Your recent interviews", colour=BRAND)
    if not rows:
        embed.description = "No interviews yet. Start one with `/interview start`."
        return embed
    lines = []
    for r in rows:
        avg = f"{r.average_score:.0f}/100" if r.average_score is not None else "not graded"
        lines.append(
            f"`#{r.session_id}` {discord.utils.format_dt(r.created_at, 'd')} · "
            f"{r.kind.value.replace('_', ' ')} · {r.level.value} · {r.status.value} · "
            f"{r.answered} answered · {avg}"
        )
    embed.description = "\n".join(lines)
    return embed

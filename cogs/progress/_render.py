"""The /progress embed (with its chart) and the /drill intro, in the user's language."""

from __future__ import annotations

import io
import logging
from datetime import datetime

import discord

from bot.copy import text
from bot.progress import DrillPlan, ProgressReport, SkillCatalogue
from bot.progress.wording import (
    coverage_line,
    drill_intro,
    drill_reasons,
    due_lines,
    scores_line,
    skill_line,
    summary_line,
)

log = logging.getLogger(__name__)

BRAND = discord.Colour.from_rgb(88, 101, 242)
CHART_NAME = "progress.png"
FIELD_LIMIT = 1024


def _field(lines: list[str]) -> str:
    value = "\n".join(lines)
    return value if len(value) <= FIELD_LIMIT else value[: FIELD_LIMIT - 1] + "…"


def progress_message(report: ProgressReport) -> tuple[discord.Embed, discord.File | None]:
    """Return the /progress embed and its chart file (None when there is no chart)."""
    lang = report.language
    embed = discord.Embed(title=text("progress.title", lang), colour=BRAND)
    if report.empty:
        embed.description = text("progress.empty", lang)
        return embed, None
    description = [summary_line(report)]
    if report.expired:
        description.append(text("progress.expired", lang))
    embed.description = "\n".join(description)
    embed.add_field(
        name=text("progress.fields.weakest", lang),
        value=_field([skill_line(v, lang) for v in report.weakest]),
        inline=False,
    )
    due = due_lines(report)
    due_value = (
        [*due, text("progress.due.more", lang)] if due else [text("progress.due.none", lang)]
    )
    embed.add_field(name=text("progress.fields.due", lang), value=_field(due_value), inline=False)
    embed.add_field(
        name=text("progress.fields.stories", lang),
        value=_field([coverage_line(report.coverage, lang)]),
        inline=False,
    )
    if report.scores:
        embed.add_field(
            name=text("progress.fields.scores", lang),
            value=_field([scores_line(report.scores, lang)]),
            inline=False,
        )
    footer = text("progress.footer", lang)
    if report.chart is None:
        footer = f"{text('progress.chart_failed', lang)} {footer}"
        embed.set_footer(text=footer)
        return embed, None
    embed.set_footer(text=footer)
    embed.set_image(url=f"attachment://{CHART_NAME}")
    return embed, discord.File(io.BytesIO(report.chart), filename=CHART_NAME)


def drill_opening(plan: DrillPlan, catalogue: SkillCatalogue, mention: str, now: datetime) -> str:
    """Return the drill's first message: what it drills and why."""
    reasons = "\n".join(f"• {line}" for line in drill_reasons(plan, catalogue, now))
    return f"{drill_intro(plan, mention)}\n{reasons}"

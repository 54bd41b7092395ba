"""How schedules look in Discord: the list, and the reply after a change."""

from __future__ import annotations

import logging
from datetime import datetime

import discord

from bot.catalog import Language
from bot.copy import text
from bot.rounds.schedules import Occurrences, Schedule
from cogs.interview._render import BRAND

log = logging.getLogger(__name__)


def _ts(moment: datetime, style: str = "F") -> str:
    return f"<t:{int(moment.timestamp())}:{style}>"


def describe(schedule: Schedule, language: Language) -> str:
    """Return one line saying what a schedule runs, where and when."""
    return text(
        f"schedules.line_{schedule.medium.value}",
        language,
        id=schedule.id,
        kind=text(f"common.kinds.{schedule.kind.value}", language),
        level=text(f"common.levels.{schedule.level.value}", language),
        weekday=text(f"schedules.weekdays.{int(schedule.weekday)}", language),
        time=schedule.local_time.strftime("%H:%M"),
        timezone=schedule.timezone,
        every=text(f"schedules.every.{schedule.interval_weeks}", language),
        channel_id=schedule.channel_id,
        questions=schedule.questions_each,
    )


def list_embed(
    found: list[Occurrences], language: Language, problems: dict[int, str]
) -> discord.Embed:
    """Return `/schedule list`: each schedule, its next occurrences, RSVPs and any problem."""
    embed = discord.Embed(title=text("schedules.list.title", language), colour=BRAND)
    if not found:
        embed.description = text("schedules.list.none", language)
        return embed
    for entry in found:
        s = entry.schedule
        lines = [describe(s, language)]
        upcoming = ", ".join(_ts(o) for o in entry.upcoming) or "-"
        lines.append(text("schedules.list.next", language, when=upcoming))
        if entry.skipped:
            skipped = ", ".join(_ts(o, "f") for o in entry.skipped)
            lines.append(text("schedules.list.skipped", language, when=skipped))
        lines.append(text("schedules.list.rsvps", language, count=entry.rsvps))
        if s.event_id is None:
            lines.append(text("schedules.list.no_event", language, id=s.id))
        if s.id in problems:
            lines.append(problems[s.id])
        embed.add_field(
            name=text("schedules.list.field", language, id=s.id),
            value="\n".join(lines)[:1024],
            inline=False,
        )
    return embed


def created_text(schedule: Schedule, next_start: datetime, language: Language) -> str:
    """Return the reply after `/schedule create`."""
    return text(
        "schedules.replies.created",
        language,
        line=describe(schedule, language),
        when=_ts(next_start),
        post_channel_id=schedule.post_channel_id,
        reminder=schedule.reminder_minutes,
    )


def edited_text(schedule: Schedule, next_start: datetime, language: Language) -> str:
    """Return the reply after `/schedule edit`."""
    return text(
        "schedules.replies.edited",
        language,
        line=describe(schedule, language),
        when=_ts(next_start),
    )

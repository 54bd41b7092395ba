"""The /stories embed and the replies to rename, merge and delete, in the user's language."""

from __future__ import annotations

import logging

import discord

from bot.copy import text
from bot.stories import StoryBank, StoryChange
from bot.stories.wording import competency_names, coverage_lines, overused_lines, uses_text

log = logging.getLogger(__name__)

BRAND = discord.Colour.from_rgb(88, 101, 242)
WARN = discord.Colour.gold()
DESCRIPTION_LIMIT = 4000
FIELD_LIMIT = 1024
SHOWN = 25


def _fit(lines: list[str], limit: int) -> str:
    value = "\n".join(lines)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def bank_embed(bank: StoryBank) -> discord.Embed:
    """Return the story bank: stories, coverage map, overused stories."""
    lang = bank.language
    embed = discord.Embed(
        title=text("stories.title", lang), colour=WARN if bank.overused else BRAND
    )
    if not bank.stories:
        embed.description = text("stories.empty", lang)
        return embed
    lines = [
        text(
            "stories.line",
            lang,
            id=s.id,
            title=discord.utils.escape_markdown(s.title),
            uses=uses_text(s, lang),
            competencies=competency_names(s, bank.competencies, lang),
        )
        for s in bank.stories[:SHOWN]
    ]
    embed.description = _fit(lines, DESCRIPTION_LIMIT)
    embed.add_field(
        name=text("stories.coverage", lang),
        value=_fit(coverage_lines(bank), FIELD_LIMIT),
        inline=False,
    )
    overused = overused_lines(bank)
    if overused:
        embed.add_field(
            name=text("stories.overused_heading", lang),
            value=_fit(overused, FIELD_LIMIT),
            inline=False,
        )
    embed.set_footer(text=text("stories.hint", lang))
    return embed


def renamed(change: StoryChange) -> str:
    """Return the reply to a rename."""
    story = change.story
    return text("stories.renamed", change.language, id=story.id, title=story.title)


def merged(change: StoryChange) -> str:
    """Return the reply to a merge."""
    story = change.story
    other = change.other.id if change.other is not None else 0
    return text(
        "stories.merged",
        change.language,
        id=story.id,
        other=other,
        title=story.title,
        uses=uses_text(story, change.language),
    )


def deleted(change: StoryChange) -> str:
    """Return the reply to a delete."""
    story = change.story
    return text("stories.deleted", change.language, id=story.id, title=story.title)

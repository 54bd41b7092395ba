"""What `/negotiate` shows: the recruiter's lines, the debrief embed, the history embed."""

from __future__ import annotations

import logging
from typing import Final

import discord

from bot.catalog import Language
from bot.copy import catalogue, text
from bot.negotiation import Currency, CurrencyTable, Debrief, HistoryRow
from bot.negotiation.presenter import debrief_text, dimension_name, history_line

log = logging.getLogger(__name__)

FIELD_LIMIT: Final = 1024
DESCRIPTION_LIMIT: Final = 4096
MESSAGE_LIMIT: Final = 2000
EMBED_COLOUR: Final = 0x2B7A78


def style_choices() -> list[discord.OptionChoice]:
    """Return the recruiter styles as option choices (localised)."""
    keys = ("friendly", "firm", "busy")
    return [
        discord.OptionChoice(
            text(f"negotiation.choices.{k}"),
            k,
            name_localizations=catalogue().localizations(f"negotiation.choices.{k}"),
        )
        for k in keys
    ]


def recruiter_message(line: str, language: Language) -> str:
    """Return the recruiter's line as posted in the thread."""
    said = text("negotiation.recruiter_says", language, line=line)
    return said if len(said) <= MESSAGE_LIMIT else said[: MESSAGE_LIMIT - 1] + "…"


def _clip(lines: list[str], limit: int) -> str:
    out: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > limit:
            out.append("…")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out) or "-"


def debrief_embed(debrief: Debrief, currency: Currency) -> discord.Embed:
    """Return the debrief as one embed: outcome and budget, scores, evidence, tips, patterns."""
    words = debrief_text(debrief, currency)
    lang = debrief.language
    embed = discord.Embed(
        title=words.title[:256],
        description=_clip(words.summary, DESCRIPTION_LIMIT),
        colour=EMBED_COLOUR,
    )
    embed.add_field(
        name=text("negotiation.debrief.scores", lang),
        value=_clip(words.scores, FIELD_LIMIT),
        inline=False,
    )
    for dimension, lines in words.evidence.items():
        if lines:
            embed.add_field(
                name=dimension_name(dimension, lang)[:256],
                value=_clip(lines, FIELD_LIMIT),
                inline=False,
            )
    embed.add_field(
        name=text("negotiation.debrief.tips", lang),
        value=_clip(words.tips, FIELD_LIMIT),
        inline=False,
    )
    embed.add_field(
        name=words.patterns_title[:256], value=_clip(words.patterns, FIELD_LIMIT), inline=False
    )
    return embed


def history_embed(
    rows: list[HistoryRow], table: CurrencyTable, language: Language
) -> discord.Embed:
    """Return the user's recent negotiations."""
    lines = [history_line(r, table.get(r.currency), language) for r in rows]
    return discord.Embed(
        title=text("negotiation.history.title", language),
        description=_clip(lines, DESCRIPTION_LIMIT)
        if lines
        else text("negotiation.history.empty", language),
        colour=EMBED_COLOUR,
    )

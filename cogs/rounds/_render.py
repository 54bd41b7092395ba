"""Embeds of text rounds and of the server's round history."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

import discord

from bot.catalog import Language
from bot.copy import text
from bot.rounds.history import GroupHistory, MemberRound
from bot.rounds.model import Rating, Round, RoundStatus
from cogs._shared import persistent_view
from cogs.interview._render import BRAND
from cogs.voice._controls import consent_id

log = logging.getLogger(__name__)

NameOf = Callable[[int], str]
FIELD_LIMIT = 1024


def text_consent_embed(round_: Round, minutes: int) -> discord.Embed:
    """Return the notice a text round opens with: how to join, answer and rate."""
    lang = round_.language
    embed = discord.Embed(
        title=text("rounds.text.consent.title", lang),
        description=text("rounds.text.consent.how", lang, minutes=minutes, turns=round_.turns_each),
        colour=BRAND,
    )
    embed.set_footer(text=text("rounds.text.consent.footer", lang))
    return embed


def text_consent_view(round_id: int, language: Language) -> discord.ui.View:
    """Return the Join button (it is the round's Consent button, so one router serves both)."""
    return persistent_view(
        discord.ui.Button(
            label=text("rounds.text.consent.button", language),
            style=discord.ButtonStyle.success,
            custom_id=consent_id(round_id),
        )
    )


def _when(moment: datetime) -> str:
    return discord.utils.format_dt(moment, "d")


def _member_line(row: MemberRound, language: Language) -> str:
    average = (
        text("rounds.summary.score", language, score=f"{row.average:.0f}")
        if row.average is not None
        else text("rounds.summary.not_graded", language)
    )
    peers = " · ".join(
        text(
            "rounds.summary.peer",
            language,
            count=row.ratings.get(r, 0),
            rating=text(f"rounds.ratings.names.{r.value}", language),
        )
        for r in Rating
    )
    return text(
        "rounds.history.member_line",
        language,
        when=_when(row.at),
        answered=row.answered,
        average=average,
        peers=peers,
    )


def history_embed(found: GroupHistory, name_of: NameOf, language: Language) -> discord.Embed:
    """Return `/round history`: past rounds with attendance, then opted-in members' figures."""
    embed = discord.Embed(title=text("rounds.history.title", language), colour=BRAND)
    lines = []
    for past in found.rounds:
        who = ", ".join(name_of(u) for u in past.attendees) or text(
            "rounds.history.nobody", language
        )
        key = "stopped" if past.status is RoundStatus.STOPPED else "finished"
        lines.append(
            text(
                f"rounds.history.round_{key}",
                language,
                when=_when(past.started_at),
                channel_id=past.channel_id,
                count=len(past.attendees),
                names=who,
                answers=past.answers,
            )
        )
    embed.description = ("\n".join(lines) if lines else text("rounds.history.no_rounds", language))[
        :4000
    ]
    for user_id, rows in found.members.items():
        name = name_of(user_id)
        if user_id == found.viewer_id and not found.viewer_opted_in:
            name = text("rounds.history.you_only", language, name=name)
        body = "\n".join(_member_line(r, language) for r in rows)
        embed.add_field(name=name[:256], value=body[:FIELD_LIMIT], inline=False)
    shared = "shared" if found.viewer_opted_in else "private"
    embed.set_footer(text=text(f"rounds.history.footer_{shared}", language))
    return embed

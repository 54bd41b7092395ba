"""Embeds and texts of rounds in Discord: consent notice, status, summary, diagnostics."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import discord

from bot.catalog import Language
from bot.copy import text
from bot.rounds.model import Rating, Round, RoundMode, RoundStatus
from bot.rounds.notices import Ending, Note
from bot.rounds.summary import RoundSummary
from bot.voice.types import SpeakerCounters, VoiceDiagnostics
from cogs.interview._render import BRAND, GOOD, MIXED, WEAK

log = logging.getLogger(__name__)

NameOf = Callable[[int], str]

# Receive counters shown by /voice diagnose, in this order (labels: voice.diagnostics.counters).
COUNTERS_SHOWN = (
    "packets",
    "decoded_frames",
    "concealed_frames",
    "silence_filled_frames",
    "late",
    "duplicates",
    "transport_failures",
    "dave_failures",
    "dave_passthrough",
    "decode_failures",
    "dropped_no_consent",
    "dropped_unknown_ssrc",
    "malformed",
    "silence_frames",
    "padding_only",
    "early_replayed",
)


def consent_embed(round_: Round) -> discord.Embed:
    """Return the consent notice posted when a round starts."""
    lang = round_.language
    mode = "solo" if round_.mode is RoundMode.SOLO else "group"
    notice = text("rounds.consent.notice", lang)
    how = text(f"rounds.consent.how_{mode}", lang)
    embed = discord.Embed(
        title=text(f"rounds.consent.title_{mode}", lang),
        description=f"{notice}\n\n{how}",
        colour=BRAND,
    )
    embed.set_footer(text=text("rounds.consent.footer", lang, channel_id=round_.voice_channel_id))
    return embed


def listening_text(user_ids: Sequence[int], name_of: NameOf, language: Language) -> str:
    """Return the status line saying whom the bot is listening to."""
    if not user_ids:
        return text("rounds.status.nobody", language)
    names = ", ".join(f"**{name_of(u)}**" for u in user_ids)
    return text("rounds.status.listening", language, names=names)


def note_text(note: Note, language: Language) -> str:
    """Return a written note about someone's turn."""
    return text(f"rounds.notes.{note.kind.value}", language, name=note.name)


def ending_text(ending: Ending, stopped_by: int | None, name_of: NameOf, language: Language) -> str:
    """Return why a round ended early (who stopped it, when someone did)."""
    if ending is Ending.STOP and stopped_by is not None:
        return text("rounds.endings.stopped_by", language, name=name_of(stopped_by))
    return text(f"rounds.endings.{ending.value}", language)


def _score(value: float | None, language: Language) -> str:
    if value is None:
        return text("rounds.summary.not_graded", language)
    return text("rounds.summary.score", language, score=f"{value:.0f}")


def round_summary_embed(
    summary: RoundSummary, reason: str | None, name_of: NameOf
) -> discord.Embed:
    """Return the end-of-round summary: per participant scores, peer ratings and consent."""
    round_ = summary.round
    lang = round_.language
    lines = []
    for p in summary.participants:
        peers = " · ".join(
            text(
                "rounds.summary.peer",
                lang,
                count=p.ratings.get(r, 0),
                rating=text(f"rounds.ratings.names.{r.value}", lang),
            )
            for r in Rating
        )
        lines.append(
            text(
                "rounds.summary.line",
                lang,
                name=name_of(p.user_id),
                answered=p.answered,
                passed=p.passed,
                average=_score(p.average_score, lang),
                peers=peers,
                consented=discord.utils.format_dt(p.consented_at, "t"),
            )
        )
    if not lines:
        lines.append(text("rounds.summary.nobody", lang))
    if reason:
        lines.insert(0, f"_{reason}_\n")
    average = summary.average_score or 0
    colour = GOOD if average >= 75 else MIXED if average >= 50 else WEAK
    stopped = round_.status is RoundStatus.STOPPED
    title = text(
        "rounds.summary.title_stopped" if stopped else "rounds.summary.title_complete", lang
    )
    embed = discord.Embed(title=title, description="\n".join(lines)[:4000], colour=colour)
    embed.set_footer(
        text=text(
            "rounds.summary.footer",
            lang,
            kind=text(f"common.kinds.{round_.kind.value}", lang),
            level=text(f"common.levels.{round_.level.value}", lang),
            answers=summary.answers,
        )
    )
    return embed


def _counters_line(counters: SpeakerCounters, language: Language) -> str:
    values = counters.as_dict()
    shown = [
        f"{text(f'voice.diagnostics.counters.{key}', language)} {values[key]}"
        for key in COUNTERS_SHOWN
        if values.get(key)
    ]
    return " · ".join(shown) or text("voice.diagnostics.no_packets", language)


def diagnostics_embed(diag: VoiceDiagnostics, round_: Round, name_of: NameOf) -> discord.Embed:
    """Return `/voice diagnose`: transport, DAVE, whom it listens to, per-user counters."""
    lang = round_.language

    def say(key: str, **params: object) -> str:
        return text(f"voice.diagnostics.{key}", lang, **params)

    embed = discord.Embed(title=say("title"), colour=BRAND)
    embed.add_field(name=say("encryption"), value=diag.encryption_mode or say("unknown"))
    version = diag.dave_protocol_version
    embed.add_field(
        name=say("dave"),
        value=say(
            "dave_value",
            status=diag.dave_status,
            version=version if version is not None else say("not_applicable"),
        ),
    )
    embed.add_field(name=say("connected"), value=say("yes" if diag.connected else "no"))
    listening = ", ".join(name_of(u) for u in diag.listening_to) or say("nobody")
    embed.add_field(name=say("listening_to"), value=listening[:1024], inline=False)
    consents = ", ".join(
        say(
            "consent_entry",
            name=name_of(p.user_id),
            time=discord.utils.format_dt(p.consented_at, "T"),
        )
        for p in round_.participants
    )
    embed.add_field(
        name=say("consented"), value=(consents or say("nobody_yet"))[:1024], inline=False
    )
    stats = diag.stats
    embed.add_field(
        name=say("link"),
        value=say(
            "link_value",
            sent=stats.keepalives_sent,
            echoes=stats.keepalive_echoes,
            recoveries=stats.dave_recoveries,
            silence=sum(c.silence_frames for c in stats.users.values()),
            early=stats.early_buffered,
        ),
        inline=False,
    )
    lines = [
        say("all_line", packets=stats.packets, malformed=stats.malformed, other=stats.non_audio)
    ]
    for user_id, counters in sorted(stats.users.items()):
        who = name_of(user_id) if user_id else say("unknown_speaker")
        lines.append(f"**{who}**: {_counters_line(counters, lang)}")
    embed.add_field(name=say("receive_counters"), value="\n".join(lines)[:1024], inline=False)
    embed.set_footer(text=say("footer", round_id=round_.id, mode=say(f"modes.{round_.mode.value}")))
    return embed

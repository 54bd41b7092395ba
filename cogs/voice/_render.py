"""Embeds and texts of voice sessions: consent notice, status, round summary, diagnostics."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import discord

from bot.interview.rounds import Rating, Round, RoundMode, RoundSummary
from bot.voice.types import SpeakerCounters, VoiceDiagnostics
from cogs.interview._render import BRAND, GOOD, MIXED, WEAK

log = logging.getLogger(__name__)

NameOf = Callable[[int], str]

COUNTERS_SHOWN = (
    ("packets", "packets"),
    ("decoded_frames", "decoded"),
    ("concealed_frames", "concealed"),
    ("silence_filled_frames", "silence-filled"),
    ("late", "late"),
    ("duplicates", "duplicates"),
    ("transport_failures", "decrypt failures"),
    ("dave_failures", "DAVE failures"),
    ("dave_passthrough", "DAVE passthrough"),
    ("decode_failures", "decode failures"),
    ("dropped_no_consent", "dropped (no consent)"),
    ("dropped_unknown_ssrc", "dropped (unknown speaker)"),
    ("malformed", "malformed"),
)


def consent_embed(mode: RoundMode, text: str, channel_id: int) -> discord.Embed:
    """Return the consent notice posted when a voice session starts."""
    title = "Voice interview: consent first" if mode is RoundMode.SOLO else "Study-group round"
    how = (
        "Press **Consent** to start your interview."
        if mode is RoundMode.SOLO
        else "Everyone in the channel who wants a turn: press **Consent**. You can join later "
        "too; I'll add you to the queue and call your name."
    )
    embed = discord.Embed(title=title, description=f"{text}\n\n{how}", colour=BRAND)
    embed.set_footer(text=f"voice channel #{channel_id} · nobody is transcribed before consenting")
    return embed


def listening_text(user_ids: Sequence[int], name_of: NameOf) -> str:
    """Return the status line saying whom the bot is listening to."""
    if not user_ids:
        return "🔇 Not listening to anyone right now."
    return "🎙️ Listening to: " + ", ".join(f"**{name_of(u)}**" for u in user_ids)


def _score(value: float | None) -> str:
    return f"{value:.0f}/100" if value is not None else "not graded"


def round_summary_embed(
    summary: RoundSummary, reason: str | None, name_of: NameOf
) -> discord.Embed:
    """Return the end-of-round summary: per participant scores, peer ratings and consent."""
    round_ = summary.round
    lines = []
    for p in summary.participants:
        peers = " · ".join(f"{p.ratings.get(r, 0)} {r.value}" for r in Rating)
        lines.append(
            f"**{name_of(p.user_id)}**: {p.answered} answered, {p.passed} passed · "
            f"average {_score(p.average_score)} · peers: {peers} · "
            f"consented {discord.utils.format_dt(p.consented_at, 't')}"
        )
    if not lines:
        lines.append("Nobody consented, so nobody was listened to.")
    if reason:
        lines.insert(0, f"_{reason}_\n")
    scores = [s for p in summary.participants for s in p.scores]
    average = sum(scores) / len(scores) if scores else 0
    colour = GOOD if average >= 75 else MIXED if average >= 50 else WEAK
    title = "Round stopped" if round_.status.value == "stopped" else "Round complete"
    embed = discord.Embed(title=title, description="\n".join(lines)[:4000], colour=colour)
    embed.set_footer(
        text=f"{round_.kind.value.replace('_', ' ')} · {round_.level.value} · "
        f"{summary.answers} answers graded · audio was never stored"
    )
    return embed


def _counters_line(counters: SpeakerCounters) -> str:
    values = counters.as_dict()
    shown = [f"{label} {values[key]}" for key, label in COUNTERS_SHOWN if values.get(key)]
    return " · ".join(shown) or "no packets yet"


def diagnostics_embed(diag: VoiceDiagnostics, round_: Round, name_of: NameOf) -> discord.Embed:
    """Return `/voice diagnose`: transport, DAVE, whom it listens to, per-user counters."""
    embed = discord.Embed(title="Voice diagnostics", colour=BRAND)
    embed.add_field(name="Encryption", value=diag.encryption_mode or "unknown", inline=True)
    version = diag.dave_protocol_version
    embed.add_field(
        name="DAVE",
        value=f"{diag.dave_status} (protocol {version if version is not None else 'n/a'})",
        inline=True,
    )
    embed.add_field(name="Connected", value="yes" if diag.connected else "no", inline=True)
    listening = ", ".join(name_of(u) for u in diag.listening_to) or "nobody"
    embed.add_field(name="Listening to", value=listening[:1024], inline=False)
    consents = ", ".join(
        f"{name_of(p.user_id)} ({discord.utils.format_dt(p.consented_at, 'T')})"
        for p in round_.participants
    )
    embed.add_field(name="Consented", value=(consents or "nobody yet")[:1024], inline=False)
    stats = diag.stats
    lines = [
        f"all: packets {stats.packets} · malformed {stats.malformed} · other {stats.non_audio}"
    ]
    for user_id, counters in sorted(stats.users.items()):
        who = name_of(user_id) if user_id else "unknown speaker"
        lines.append(f"**{who}**: {_counters_line(counters)}")
    embed.add_field(name="Receive counters", value="\n".join(lines)[:1024], inline=False)
    embed.set_footer(text=f"voice session #{round_.id} · {round_.mode.value}")
    return embed

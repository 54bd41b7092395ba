"""Consent and peer-rating buttons; ids carry the action and the session or answer id."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import discord

from bot.catalog import Language
from bot.copy import text
from bot.rounds.model import Rating
from cogs._buttons import parse_id
from cogs._shared import persistent_view

log = logging.getLogger(__name__)

PREFIX = "mb"
CONSENT = "vconsent"
RATE = "vrate"


@dataclass(frozen=True, slots=True)
class VoiceAction:
    """A parsed click on one of our voice buttons."""

    action: str
    target_id: int
    rating: Rating | None = None


def consent_id(voice_id: int) -> str:
    """Return the custom id of a voice session's Consent button."""
    return f"{PREFIX}:{CONSENT}:{voice_id}"


def rating_id(answer_id: int, rating: Rating) -> str:
    """Return the custom id of a peer-rating button."""
    return f"{PREFIX}:{RATE}:{answer_id}:{rating.value}"


def parse_voice_custom_id(value: str) -> VoiceAction | None:
    """Return the action encoded in one of our voice custom ids, or None."""
    parts = value.split(":")
    if len(parts) < 3 or parts[0] != PREFIX:
        return None
    target = parse_id(parts[2])
    if target is None:
        return None
    if parts[1] == CONSENT and len(parts) == 3:
        return VoiceAction(CONSENT, target)
    if parts[1] == RATE and len(parts) == 4 and parts[3] in set(Rating):
        return VoiceAction(RATE, target, Rating(parts[3]))
    return None


def consent_view(voice_id: int, language: Language) -> discord.ui.View:
    """Return the Consent button of a voice session."""
    return persistent_view(
        discord.ui.Button(
            label=text("rounds.consent.button", language),
            style=discord.ButtonStyle.success,
            custom_id=consent_id(voice_id),
        )
    )


def rating_view(answer_id: int, language: Language) -> discord.ui.View:
    """Return the useful / unclear / strong buttons for one answer."""
    return persistent_view(
        *(
            discord.ui.Button(
                label=text(f"rounds.ratings.labels.{r.value}", language),
                style=discord.ButtonStyle.secondary,
                custom_id=rating_id(answer_id, r),
            )
            for r in Rating
        )
    )

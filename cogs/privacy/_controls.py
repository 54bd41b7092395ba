"""The Delete everything / Cancel buttons; ids carry the action and the user id."""

from __future__ import annotations

import logging

import discord

from bot.catalog import Language
from bot.copy import text
from cogs._buttons import parse_id

log = logging.getLogger(__name__)

PREFIX = "mb"
DELETE = "pdel"
CANCEL = "pkeep"


def delete_id(user_id: int) -> str:
    """Return the custom id of the Delete everything button."""
    return f"{PREFIX}:{DELETE}:{user_id}"


def cancel_id(user_id: int) -> str:
    """Return the custom id of the Cancel button."""
    return f"{PREFIX}:{CANCEL}:{user_id}"


def parse_privacy_id(value: str) -> tuple[str, int] | None:
    """Return (action, user id) from one of our privacy custom ids, or None."""
    parts = value.split(":")
    if len(parts) != 3 or parts[0] != PREFIX or parts[1] not in (DELETE, CANCEL):
        return None
    user_id = parse_id(parts[2])
    return None if user_id is None else (parts[1], user_id)


def confirm_controls(user_id: int, language: Language = Language.EN) -> discord.ui.View:
    """Return the Delete everything / Cancel buttons for one user."""
    # Routed by the cog's interaction listener via custom_id, so no callbacks: the
    # buttons keep working after a restart.
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label=text("privacy.buttons.delete", language),
            style=discord.ButtonStyle.danger,
            custom_id=delete_id(user_id),
        )
    )
    view.add_item(
        discord.ui.Button(
            label=text("privacy.buttons.cancel", language),
            style=discord.ButtonStyle.secondary,
            custom_id=cancel_id(user_id),
        )
    )
    return view

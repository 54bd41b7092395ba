"""Pieces every command group uses: interview option decorators and persistent button views."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import discord

from bot.catalog import Kind, Language, Level

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

KIND_CHOICES = [
    discord.OptionChoice("Behavioral", Kind.BEHAVIORAL.value),
    discord.OptionChoice("Technical", Kind.TECHNICAL.value),
    discord.OptionChoice("System design", Kind.SYSTEM_DESIGN.value),
    discord.OptionChoice("Coding (UMPIRE walk-through)", Kind.CODING.value),
]
LEVEL_CHOICES = [discord.OptionChoice(lvl.value.capitalize(), lvl.value) for lvl in Level]
LANGUAGE_CHOICES = [
    discord.OptionChoice("English", Language.EN.value),
    discord.OptionChoice("한국어 (Korean)", Language.KO.value),
]


def interview_options(
    *,
    kind: str = "What kind of interview",
    level: str = "Your level",
    language: str = "Interview language",
) -> Callable[[F], F]:
    """Add the kind, level and language options (with these descriptions) to a command."""

    def apply(func: F) -> F:
        # Applied innermost-first, so Discord lists them kind, level, language.
        func = discord.option(
            "language",
            str,
            description=language,
            choices=LANGUAGE_CHOICES,
            default=Language.EN.value,
        )(func)
        func = discord.option(
            "level", str, description=level, choices=LEVEL_CHOICES, default=Level.MID.value
        )(func)
        func = discord.option(
            "kind", str, description=kind, choices=KIND_CHOICES, default=Kind.BEHAVIORAL.value
        )(func)
        return func

    return apply


def persistent_view(*buttons: discord.ui.Button[discord.ui.View]) -> discord.ui.View:
    """Return a view of buttons routed by custom_id, so clicks work after a restart."""
    # The cogs' interaction listeners route clicks by custom_id: the view needs no callbacks.
    view = discord.ui.View(timeout=None)
    for button in buttons:
        view.add_item(button)
    return view

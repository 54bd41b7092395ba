"""Pieces every command group uses: interview option decorators and persistent button views.

Names, descriptions and choices come from the copy catalogue in English, with Korean
localisations so a Korean Discord client shows them in Korean.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import discord

from bot.catalog import Kind, Language, Level
from bot.copy import catalogue, localized, text

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def _choice(key: str, value: str) -> discord.OptionChoice:
    return discord.OptionChoice(text(key), value, name_localizations=catalogue().localizations(key))


def kind_choices() -> list[discord.OptionChoice]:
    """Return the interview kinds as option choices."""
    return [_choice(f"interview.choices.{kind.value}", kind.value) for kind in Kind]


def level_choices() -> list[discord.OptionChoice]:
    """Return the levels as option choices."""
    return [_choice(f"interview.choices.{level.value}", level.value) for level in Level]


LANGUAGE_CHOICES = [
    discord.OptionChoice("English", Language.EN.value),
    discord.OptionChoice("한국어 (Korean)", Language.KO.value),
]


def option(key: str, input_type: Any, **kwargs: Any) -> Callable[[F], F]:
    """Return ``discord.option`` for the option ``<area>.options.<name>`` of the catalogue."""
    name = key.rsplit(".", 1)[-1]
    return discord.option(  # type: ignore[no-any-return]
        name,
        input_type,
        description=text(f"{key}.description"),
        **localized(key),
        **kwargs,
    )


def command(key: str) -> dict[str, Any]:
    """Return the keyword arguments of a slash command or group named by ``key``."""
    return {
        "name": text(f"{key}.name"),
        "description": text(f"{key}.description"),
        **localized(key),
    }


def interview_options(
    *,
    kind: str = "interview.options.kind",
    level: str = "interview.options.level",
    language: str = "interview.options.language",
    level_default: str | None = Level.MID.value,
) -> Callable[[F], F]:
    """Add the kind, level and language options (descriptions from these keys) to a command;
    ``level_default=None`` lets the command tell a level not chosen from one chosen."""

    def apply(func: F) -> F:
        # Applied innermost-first, so Discord lists them kind, level, language.
        # No default: a command left without one speaks the member's Discord client language
        # (``cogs._buttons.chosen_language``), after the server's default if it has one.
        func = _named("language", language, choices=LANGUAGE_CHOICES, default=None)(func)
        func = _named("level", level, choices=level_choices(), default=level_default)(func)
        func = _named("kind", kind, choices=kind_choices(), default=Kind.BEHAVIORAL.value)(func)
        return func

    return apply


def _named(name: str, key: str, **kwargs: Any) -> Callable[[F], F]:
    """Return a string option whose parameter is ``name``, described by ``key``.

    ``key`` names catalogue entries (``<key>.name``, ``<key>.description``); plain text is
    taken as the description itself.
    """
    described = catalogue().has(f"{key}.description")
    return discord.option(  # type: ignore[no-any-return]
        name,
        str,
        description=text(f"{key}.description") if described else key,
        **(localized(key) if described else {}),
        **kwargs,
    )


def persistent_view(*buttons: discord.ui.Button[discord.ui.View]) -> discord.ui.View:
    """Return a view of buttons routed by custom_id, so clicks work after a restart."""
    # The cogs' interaction listeners route clicks by custom_id: the view needs no callbacks.
    view = discord.ui.View(timeout=None)
    for button in buttons:
        view.add_item(button)
    return view

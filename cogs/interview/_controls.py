"""The buttons under each question; ids carry the action, the session id and, for Skip and
Hint, the number of the prompt they were posted under (so an old button cannot act on a
newer prompt)."""

from __future__ import annotations

import discord

from bot.catalog import Language
from bot.copy import catalogue, text
from cogs._buttons import parse_id
from cogs._shared import persistent_view

PREFIX = "mb"
ACTIONS = ("skip", "hint", "finish", "resume", "stop", "unrewind")
# Actions about one prompt: their ids carry that prompt's number (its turn index + 1).
PROMPT_ACTIONS = ("skip", "hint")
REWRITES = "rewrites"


def custom_id(action: str, session_id: int, prompt: int | None = None) -> str:
    """Return the custom id of a button (``prompt``: the number of the prompt it acts on)."""
    base = f"{PREFIX}:{action}:{session_id}"
    return base if prompt is None else f"{base}:{prompt}"


def parse_custom_id(value: str) -> tuple[str, int, int | None] | None:
    """Return (action, session id, prompt number or None) from a custom id of ours, or None.

    Skip and Hint ids posted before prompt numbers existed parse with None: the click is
    answered as outdated rather than acting on whatever prompt is current now.
    """
    parts = value.split(":")
    if len(parts) not in (3, 4) or parts[0] != PREFIX or parts[1] not in ACTIONS:
        return None
    session_id = parse_id(parts[2])
    if session_id is None:
        return None
    if len(parts) == 3:
        return parts[1], session_id, None
    prompt = parse_id(parts[3]) if parts[1] in PROMPT_ACTIONS else None
    return None if prompt is None else (parts[1], session_id, prompt)


def _button(
    label: str, style: discord.ButtonStyle, custom: str, language: Language
) -> discord.ui.Button[discord.ui.View]:
    return discord.ui.Button(
        label=text(f"interview.buttons.{label}", language), style=style, custom_id=custom
    )


def question_controls(
    session_id: int, language: Language = Language.EN, prompt: int | None = None
) -> discord.ui.View:
    """Return Skip / Hint / Finish buttons for prompt number ``prompt`` (turn index + 1)."""
    skip, hint = custom_id("skip", session_id, prompt), custom_id("hint", session_id, prompt)
    return persistent_view(
        _button("skip", discord.ButtonStyle.secondary, skip, language),
        _button("hint", discord.ButtonStyle.primary, hint, language),
        _button("finish", discord.ButtonStyle.danger, custom_id("finish", session_id), language),
    )


def resume_or_stop_controls(session_id: int, language: Language = Language.EN) -> discord.ui.View:
    """Return Resume / Stop buttons for a second start."""
    return persistent_view(
        _button("resume", discord.ButtonStyle.primary, custom_id("resume", session_id), language),
        _button("stop", discord.ButtonStyle.danger, custom_id("stop", session_id), language),
    )


def rewrites_custom_id(turn_id: int, attempt: int) -> str:
    """Return the id of a "Show rewrites" button (attempt 1 is the original answer)."""
    return f"{PREFIX}:{REWRITES}:{turn_id}:{attempt}"


def parse_rewrites_id(value: str) -> tuple[int, int] | None:
    """Return (turn id, attempt number) from a "Show rewrites" button id, or None."""
    parts = value.split(":")
    if len(parts) != 4 or parts[0] != PREFIX or parts[1] != REWRITES:
        return None
    turn_id, attempt = parse_id(parts[2]), parse_id(parts[3])
    return None if turn_id is None or attempt is None else (turn_id, attempt)


def rewrites_controls(
    turn_id: int, attempt: int, language: Language = Language.EN
) -> discord.ui.View:
    """Return the "Show rewrites" button under a feedback."""
    custom = rewrites_custom_id(turn_id, attempt)
    return persistent_view(_button("rewrites", discord.ButtonStyle.secondary, custom, language))


def rewind_controls(session_id: int, language: Language = Language.EN) -> discord.ui.View:
    """Return the "Cancel retry" button under a rewound question."""
    custom = custom_id("unrewind", session_id)
    return persistent_view(_button("cancel_retry", discord.ButtonStyle.secondary, custom, language))


REPORT = "report"


def report_custom_id(session_id: int) -> str:
    """Return the id of the "Download report" button under an interview's summary."""
    return f"{PREFIX}:{REPORT}:{session_id}"


def parse_report_id(value: str) -> int | None:
    """Return the session id of a "Download report" button id, or None."""
    parts = value.split(":")
    if len(parts) != 3 or parts[0] != PREFIX or parts[1] != REPORT:
        return None
    return parse_id(parts[2])


def report_controls(session_id: int, language: Language = Language.EN) -> discord.ui.View:
    """Return the "Download report" button under a finished interview's summary."""
    button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
        label=text("reports.button", language),
        style=discord.ButtonStyle.primary,
        custom_id=report_custom_id(session_id),
    )
    return persistent_view(button)


PROGRESS_REPORT = "progress-report"


def progress_report_custom_id() -> str:
    """Return the id of the "Download progress report" button under /progress."""
    return f"{PREFIX}:{PROGRESS_REPORT}"


def parse_progress_report_id(value: str) -> bool | None:
    """Return True for a "Download progress report" button id, else None."""
    return True if value == progress_report_custom_id() else None


def progress_report_controls(language: Language = Language.EN) -> discord.ui.View:
    """Return the "Download progress report" button under /progress (the clicker's own)."""
    button: discord.ui.Button[discord.ui.View] = discord.ui.Button(
        label=text("reports.progress_button", language),
        style=discord.ButtonStyle.secondary,
        custom_id=progress_report_custom_id(),
    )
    return persistent_view(button)


def personalise_choices() -> list[discord.OptionChoice]:
    """Return `/interview start personalise:` choices: none, resume, job, both."""
    return [
        discord.OptionChoice(
            text(f"profile.choices.{value}"),
            value,
            name_localizations=catalogue().localizations(f"profile.choices.{value}"),
        )
        for value in ("none", "resume", "job", "both")
    ]

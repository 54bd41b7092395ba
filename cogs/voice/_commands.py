"""Korean names for option choices of /voice and /round that the shared options leave English."""

from __future__ import annotations

import logging

import discord

from bot.copy import catalogue

log = logging.getLogger(__name__)

# Where the names of an option's choices live in the copy catalogue.
CHOICE_KEYS = {"language": "voice.choices.language"}


def localise_choices(group: discord.SlashCommandGroup) -> None:
    """Give choices without localisations theirs, on every command of ``group``."""
    for command in group.subcommands:
        if not isinstance(command, discord.SlashCommand):
            continue
        for option in command.options:
            prefix = CHOICE_KEYS.get(option.name or "")
            if prefix is None or not option.choices:
                continue
            # Fresh choices: the shared ones belong to every command that uses them.
            option.choices = [
                choice
                if choice.name_localizations
                else discord.OptionChoice(
                    choice.name,
                    choice.value,
                    name_localizations=catalogue().localizations(f"{prefix}.{choice.value}"),
                )
                for choice in option.choices
            ]

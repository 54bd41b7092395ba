"""The `/help` embed and the welcome text, in English or Korean."""

from __future__ import annotations

import logging

import discord

from bot.catalog import Language
from bot.copy import text

log = logging.getLogger(__name__)

# Sections of the help, in the order shown: (title key, body key) under help.*.
SECTIONS = ("start", "interview", "voice", "data", "admin")
COLOUR = discord.Colour.blurple()


def help_embed(language: Language) -> discord.Embed:
    """Return what the commands do and how to start."""
    embed = discord.Embed(
        title=text("help.title", language),
        description=text("help.intro", language),
        colour=COLOUR,
    )
    for section in SECTIONS:
        embed.add_field(
            name=text(f"help.{section}_title", language),
            value=text(f"help.{section}_body", language),
            inline=False,
        )
    return embed


def welcome_text(language: Language) -> str:
    """Return the short welcome posted when the bot joins a server."""
    return text("help.welcome", language)

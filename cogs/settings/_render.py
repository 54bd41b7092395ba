"""How server settings and the server's questions look in Discord."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from bot.catalog import Language, Question
from bot.copy import text
from bot.guilds.settings import Effective
from cogs.interview._render import BRAND

log = logging.getLogger(__name__)

LANGUAGE_NAMES = {Language.EN: "English", Language.KO: "한국어"}


def settings_embed(found: Effective, language: Language) -> discord.Embed:
    """Return every setting with its current value (and whether it is the bot's default)."""
    s = found.settings

    def say(key: str, **params: object) -> str:
        return text(f"settings.show.{key}", language, **params)

    default = say("default_mark")
    embed = discord.Embed(title=say("title"), colour=BRAND)
    role = f"<@&{s.moderator_role_id}>" if s.moderator_role_id else say("no_role")
    embed.add_field(name=say("moderator_role"), value=role, inline=False)
    channels = " ".join(f"<#{c}>" for c in s.allowed_channels) or say("anywhere")
    embed.add_field(name=say("channels"), value=channels[:1024], inline=False)
    lang = LANGUAGE_NAMES[found.language] if found.language else say("member_language")
    embed.add_field(name=say("language"), value=lang)
    spoken = say("on" if found.speak_questions else "off")
    embed.add_field(
        name=say("spoken"), value=f"{spoken} {default}" if found.speak_is_default else spoken
    )
    budget = (
        say("tokens", tokens=f"{found.daily_token_budget:,}")
        if found.daily_token_budget is not None
        else say("no_limit")
    )
    embed.add_field(
        name=say("budget"), value=f"{budget} {default}" if found.budget_is_default else budget
    )
    days = say("days", days=found.retention_days)
    embed.add_field(
        name=say("retention"), value=f"{days} {default}" if found.retention_is_default else days
    )
    embed.set_footer(text=say("footer"))
    return embed


def questions_embed(questions: Sequence[Question], language: Language) -> discord.Embed:
    """Return the server's own questions (id, kind, language, levels, the text)."""
    embed = discord.Embed(title=text("settings.questions.list_title", language), colour=BRAND)
    lines = [
        text(
            "settings.questions.list_line",
            language,
            id=q.id,
            kind=text(f"common.kinds.{q.kind.value}", language),
            lang=q.language.value,
            levels=", ".join(text(f"common.levels.{lv.value}", language) for lv in q.levels),
            text=q.text[:120],
        )
        for q in questions
    ]
    body = "\n".join(lines) if lines else text("settings.questions.list_none", language)
    embed.description = body[:4000]
    embed.set_footer(text=text("settings.questions.list_footer", language, count=len(questions)))
    return embed

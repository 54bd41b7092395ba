"""`/questions`: a server's own questions, typed in a form or uploaded as YAML or CSV."""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.catalog import Kind, Language
from bot.copy import text
from bot.errors import CoachError
from bot.guilds.questions import MAX_FILE_BYTES, ServerQuestions
from bot.guilds.settings import GuildSettingsService
from cogs._buttons import locale_language
from cogs._shared import LANGUAGE_CHOICES, command, kind_choices, option
from cogs.settings._render import questions_embed

log = logging.getLogger(__name__)

QUESTIONS = "settings.commands.questions"
OPTIONS = "settings.options"
FIELDS = ("text", "hint", "levels", "skills", "keywords")
# Discord's limits for a form field.
FIELD_LIMITS = {"text": 1000, "hint": 500, "levels": 40, "skills": 200, "keywords": 400}


class QuestionModal(discord.ui.Modal):
    """The form for one question: text, hint, levels, skills, keywords."""

    def __init__(
        self, service: ServerQuestions, kind: Kind, language: Language, reply: Language
    ) -> None:
        def field(name: str, long: bool, required: bool = True) -> discord.ui.InputText:
            return discord.ui.InputText(
                label=text(f"settings.questions.form.{name}", reply)[:45],
                placeholder=text(f"settings.questions.form.{name}_hint", reply)[:100],
                custom_id=name,
                style=discord.InputTextStyle.long if long else discord.InputTextStyle.short,
                max_length=FIELD_LIMITS[name],
                required=required,
            )

        super().__init__(
            field("text", True),
            field("hint", True),
            field("levels", False, required=False),
            field("skills", False),
            field("keywords", True),
            title=text("settings.questions.form.title", reply)[:45],
            custom_id=f"mockingbird:questions:add:{kind.value}:{language.value}",
            timeout=600,
        )
        self.service = service
        self.kind = kind
        self.language = language
        self.reply = reply

    async def callback(self, interaction: discord.Interaction) -> None:
        """Check the question against the bank's schema and add it, or say what is wrong."""
        # Not the default "invisible" defer: that updates the message the modal came from,
        # and a modal opened by a slash command has none.
        await interaction.response.defer(ephemeral=True, invisible=False)
        values = {str(c.custom_id): str(c.value or "") for c in self.children}
        guild_id = interaction.guild_id or 0
        try:
            added = await self.service.add_one(
                guild_id, self.kind, self.language, values, self.reply
            )
        except CoachError as exc:
            await interaction.followup.send(exc.message_in(self.reply)[:2000], ephemeral=True)
            return
        reply = text("settings.questions.added_one", self.reply, id=added.id)
        await interaction.followup.send(reply, ephemeral=True)


class QuestionsCog(commands.Cog):
    """Moderators add, list and remove the server's own questions."""

    questions = discord.SlashCommandGroup(**command(QUESTIONS))

    def __init__(
        self, bot: discord.Bot, service: ServerQuestions, settings: GuildSettingsService
    ) -> None:
        self.bot = bot
        self.service = service
        self.settings = settings

    @questions.command(**command(f"{QUESTIONS}.add"))
    @option(f"{OPTIONS}.kind", str, choices=kind_choices())
    @option(f"{OPTIONS}.question_language", str, choices=LANGUAGE_CHOICES)
    async def add(self, ctx: discord.ApplicationContext, kind: str, question_language: str) -> None:
        """Open a form for one question of this kind and language."""
        reply = self._moderator(ctx)
        await ctx.send_modal(
            QuestionModal(self.service, Kind(kind), Language(question_language), reply)
        )

    @questions.command(**command(f"{QUESTIONS}.upload"))
    @option(f"{OPTIONS}.file", discord.Attachment)
    async def upload(self, ctx: discord.ApplicationContext, file: discord.Attachment) -> None:
        """Add every question of a YAML (bank layout) or CSV file, or none with what is wrong."""
        reply = self._moderator(ctx)
        await ctx.defer(ephemeral=True)
        if file.size > MAX_FILE_BYTES:
            kb = MAX_FILE_BYTES // 1024
            raise CoachError(key="settings.questions.file_too_big", language=reply, kb=kb)
        data = await file.read()
        assert ctx.guild is not None
        result = await self.service.import_file(ctx.guild.id, file.filename, data, reply)
        message = text("settings.questions.added_many", reply, count=len(result.added))
        await ctx.followup.send(message, ephemeral=True)

    @questions.command(**command(f"{QUESTIONS}.list"))
    async def list_(self, ctx: discord.ApplicationContext) -> None:
        """Show the server's own questions."""
        reply = self._language(ctx)
        await ctx.defer(ephemeral=True)
        found = self.service.for_guild(ctx.guild.id) if ctx.guild is not None else []
        await ctx.followup.send(embed=questions_embed(found, reply), ephemeral=True)

    @questions.command(**command(f"{QUESTIONS}.remove"))
    @option(f"{OPTIONS}.question_id", str, max_length=80)
    async def remove(self, ctx: discord.ApplicationContext, question_id: str) -> None:
        """Remove one of the server's questions (interviews that asked it keep their answers)."""
        reply = self._moderator(ctx)
        await ctx.defer(ephemeral=True)
        assert ctx.guild is not None
        removed = await self.service.remove(ctx.guild.id, question_id.strip(), reply)
        await ctx.followup.send(
            text("settings.questions.removed", reply, id=removed.id), ephemeral=True
        )

    def _language(self, ctx: discord.ApplicationContext) -> Language:
        guild_id = ctx.guild.id if ctx.guild is not None else None
        return self.settings.language(guild_id) or locale_language(ctx.interaction)

    def _moderator(self, ctx: discord.ApplicationContext) -> Language:
        """Return the reply language; refuse anyone but Manage Server or the moderator role."""
        reply = self._language(ctx)
        member = ctx.author
        if ctx.guild is None or not isinstance(member, discord.Member):
            raise CoachError(key="settings.errors.server_only", language=reply)
        self.settings.require_moderator(
            ctx.guild.id,
            bool(member.guild_permissions.manage_guild),
            {r.id for r in member.roles},
            reply,
        )
        return reply

"""`/privacy export` and `/privacy delete` with its Delete everything / Cancel buttons.

Each handler makes one call to ``bot.privacy.PrivacyService`` and renders its answer. The
service stops what still runs before erasing (see its module); a user taking part in someone
else's live voice round is asked to leave it first.

Language: replies are in the language of the user's most recent session when one is
stored, else Korean when their Discord client's locale starts with "ko", else English
(``bot.privacy.language``). A stopped interview's thread note is in that interview's
language.
"""

from __future__ import annotations

import io
import logging

import discord
from discord.ext import commands

from bot.copy import localized, text
from bot.privacy import ActiveInterview, PrivacyService, VoiceBlocked
from cogs._buttons import ButtonRouter, owner_only
from cogs.privacy import _render
from cogs.privacy._controls import CANCEL, confirm_controls, parse_privacy_id

log = logging.getLogger(__name__)


class PrivacyCog(commands.Cog):
    """Export or delete everything Mockingbird stores about the person asking."""

    privacy = discord.SlashCommandGroup(
        "privacy",
        text("privacy.commands.group.description"),
        **localized("privacy.commands.group"),
    )

    def __init__(
        self,
        bot: discord.Bot,
        service: PrivacyService,
        *,
        upload_limit: int = _render.UPLOAD_LIMIT,
    ) -> None:
        self.bot = bot
        self.service = service
        self.upload_limit = upload_limit
        self.buttons = ButtonRouter()
        self.buttons.route(parse_privacy_id, self._confirm)

    @privacy.command(
        name="export",
        description=text("privacy.commands.export.description"),
        **localized("privacy.commands.export"),
    )
    async def export(self, ctx: discord.ApplicationContext) -> None:
        """Send the user's data as a JSON file, privately."""
        await ctx.defer(ephemeral=True)
        user_id = ctx.author.id
        found = await self.service.export(user_id, ctx.interaction.locale)
        file = _render.export_file(found.document, user_id, self.upload_limit)
        if isinstance(file, int):
            log.warning("Export of user %s is too large to upload (%s bytes)", user_id, file)
            message = _render.too_large(file, self.upload_limit, found.language)
            await ctx.followup.send(message, ephemeral=True)
            return
        log.info("User %s exported their data (%s bytes)", user_id, len(file.data))
        await ctx.followup.send(
            _render.export_text(found, file),
            file=discord.File(io.BytesIO(file.data), filename=file.filename),
            ephemeral=True,
        )

    @privacy.command(
        name="delete",
        description=text("privacy.commands.delete.description"),
        **localized("privacy.commands.delete"),
    )
    async def delete(self, ctx: discord.ApplicationContext) -> None:
        """Ask for confirmation with Delete everything / Cancel buttons."""
        await ctx.defer(ephemeral=True)
        user_id = ctx.author.id
        preview = await self.service.preview(user_id, ctx.interaction.locale)
        if preview.blocked:
            await ctx.followup.send(text("privacy.voice_first", preview.language), ephemeral=True)
            return
        await ctx.followup.send(
            _render.confirm_text(preview),
            view=confirm_controls(user_id, preview.language),
            ephemeral=True,
        )

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Route clicks on the confirmation buttons (ids carry the user, so restarts are fine)."""
        await self.buttons.dispatch(interaction)

    async def _confirm(self, interaction: discord.Interaction, parsed: tuple[str, int]) -> None:
        """Delete, or cancel, for the user the confirmation was shown to (and only them)."""
        action, owner_id = parsed
        locale = interaction.locale
        user_id = interaction.user.id if interaction.user is not None else owner_id
        refusal = text("privacy.not_yours", await self.service.language(user_id, locale))
        if not await owner_only(interaction, owner_id, refusal):
            return
        if action == CANCEL:
            language = await self.service.language(owner_id, locale)
            await interaction.response.edit_message(
                content=text("privacy.cancelled", language), view=None
            )
            return
        await interaction.response.defer()
        outcome = await self.service.delete(owner_id, locale)
        if isinstance(outcome, VoiceBlocked):
            content = text("privacy.voice_first", outcome.language)
            await interaction.edit_original_response(content=content, view=None)
            return
        await interaction.edit_original_response(content=_render.deleted_text(outcome), view=None)
        for stopped in outcome.stopped:
            await self._note_thread(stopped, owner_id)

    async def _note_thread(self, stopped: ActiveInterview, user_id: int) -> None:
        """Say in a stopped interview's thread why it went quiet; skip it if it is gone."""
        if stopped.channel_id is None:
            return
        try:
            channel = self.bot.get_channel(stopped.channel_id) or await self.bot.fetch_channel(
                stopped.channel_id
            )
            if not isinstance(channel, discord.abc.Messageable):
                return
            await channel.send(
                _render.thread_note(user_id, stopped.language),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except (discord.HTTPException, discord.InvalidData):
            log.info(
                "Could not note the stop of session %s in channel %s",
                stopped.session_id,
                stopped.channel_id,
            )

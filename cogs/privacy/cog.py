"""`/privacy export` and `/privacy delete` with its Delete everything / Cancel buttons.

A user taking part in a live voice session (consented, not left) is asked to leave or
`/voice stop` first: the voice coach keeps writing their answers and counters while it runs,
and deleting under it would break the session for everyone in the channel. An interview
still running in text is stopped by the delete itself; its thread stays and gets a note.
"""

from __future__ import annotations

import io
import logging
from typing import Any, Protocol

import discord
from discord.ext import commands

from cogs.privacy import _render
from cogs.privacy._controls import CANCEL, confirm_controls, parse_privacy_id
from storage.privacy import ActiveInterview, DataCounts, Deletion

log = logging.getLogger(__name__)


class PrivacyStore(Protocol):
    """What the cog needs from storage (``storage.privacy.SqlitePrivacyStore``)."""

    async def export(self, user_id: int) -> dict[str, Any]:
        """Return everything stored about the user as a JSON-ready dict."""
        ...

    async def counts(self, user_id: int) -> DataCounts:
        """Return how many rows of each kind the user has."""
        ...

    async def active_interviews(self, user_id: int) -> list[ActiveInterview]:
        """Return the user's interviews that are still running."""
        ...

    async def live_voice_rounds(self, user_id: int) -> list[int]:
        """Return ids of live rounds the user takes part in and has not left."""
        ...

    async def delete(self, user_id: int) -> Deletion:
        """Delete everything stored about the user in one transaction."""
        ...


class PrivacyCog(commands.Cog):
    """Export or delete everything Mockingbird stores about the person asking."""

    privacy = discord.SlashCommandGroup(
        "privacy", "See or delete what Mockingbird stores about you"
    )

    def __init__(
        self, bot: discord.Bot, store: PrivacyStore, *, upload_limit: int = _render.UPLOAD_LIMIT
    ) -> None:
        self.bot = bot
        self.store = store
        self.upload_limit = upload_limit

    @privacy.command(name="export", description="Download everything Mockingbird stores about you")
    async def export(self, ctx: discord.ApplicationContext) -> None:
        """Send the user's data as a JSON file, privately."""
        await ctx.defer(ephemeral=True)
        user_id = ctx.author.id
        data = await self.store.export(user_id)
        counts = await self.store.counts(user_id)
        file = _render.export_file(data, user_id, self.upload_limit)
        if isinstance(file, int):
            log.warning("Export of user %s is too large to upload (%s bytes)", user_id, file)
            await ctx.followup.send(_render.too_large(file, self.upload_limit), ephemeral=True)
            return
        log.info("User %s exported their data (%s bytes)", user_id, len(file.data))
        await ctx.followup.send(
            _render.export_text(counts, file),
            file=discord.File(io.BytesIO(file.data), filename=file.filename),
            ephemeral=True,
        )

    @privacy.command(name="delete", description="Delete everything Mockingbird stores about you")
    async def delete(self, ctx: discord.ApplicationContext) -> None:
        """Ask for confirmation with Delete everything / Cancel buttons."""
        await ctx.defer(ephemeral=True)
        user_id = ctx.author.id
        if await self.store.live_voice_rounds(user_id):
            await ctx.followup.send(_render.VOICE_FIRST, ephemeral=True)
            return
        counts = await self.store.counts(user_id)
        running = len(await self.store.active_interviews(user_id))
        await ctx.followup.send(
            _render.confirm_text(counts, running), view=confirm_controls(user_id), ephemeral=True
        )

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Route clicks on the confirmation buttons (ids carry the user, so restarts are fine)."""
        if interaction.type is not discord.InteractionType.component or interaction.data is None:
            return
        parsed = parse_privacy_id(str(interaction.data.get("custom_id", "")))
        if parsed is None:
            return
        action, owner_id = parsed
        user = interaction.user
        if user is None or user.id != owner_id:
            await interaction.response.send_message(_render.NOT_YOURS, ephemeral=True)
            return
        if action == CANCEL:
            await interaction.response.edit_message(content=_render.CANCELLED, view=None)
            return
        await interaction.response.defer()
        # Checked again: the user may have joined a voice session since the question.
        if await self.store.live_voice_rounds(owner_id):
            await interaction.edit_original_response(content=_render.VOICE_FIRST, view=None)
            return
        deletion = await self.store.delete(owner_id)
        await interaction.edit_original_response(content=_render.deleted_text(deletion), view=None)
        for stopped in deletion.stopped:
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
                _render.THREAD_NOTE.format(mention=f"<@{user_id}>"),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except (discord.HTTPException, discord.InvalidData):
            log.info(
                "Could not note the stop of session %s in channel %s",
                stopped.session_id,
                stopped.channel_id,
            )

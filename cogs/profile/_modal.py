"""The modal where a candidate pastes a job description (title, company, text)."""

from __future__ import annotations

import logging

import discord

from bot.catalog import Language
from bot.copy import text
from bot.profile import ProfileService
from cogs.profile._render import job_embed, keep_controls

log = logging.getLogger(__name__)

MODAL_ID = "mb:profile:job-modal"
TITLE, COMPANY, BODY = "job_title", "company", "job_text"


class JobModal(discord.ui.Modal):
    """Ask for the job's title, company and text; show what was read, to keep or discard."""

    def __init__(self, profiles: ProfileService, language: Language) -> None:
        super().__init__(
            discord.ui.InputText(
                label=text("profile.modal.job_title", language),
                custom_id=TITLE,
                placeholder=text("profile.modal.job_title_hint", language),
                max_length=100,
            ),
            discord.ui.InputText(
                label=text("profile.modal.company", language),
                custom_id=COMPANY,
                placeholder=text("profile.modal.company_hint", language),
                max_length=100,
                required=False,
            ),
            discord.ui.InputText(
                label=text("profile.modal.text", language),
                custom_id=BODY,
                placeholder=text("profile.modal.text_hint", language),
                style=discord.InputTextStyle.long,
                min_length=20,
                max_length=4000,
            ),
            title=text("profile.modal.title", language),
            custom_id=MODAL_ID,
            timeout=900,
        )
        self.profiles = profiles
        self.language = language

    def __repr__(self) -> str:
        # py-cord's default repr shows what was typed.
        return "<JobModal>"

    async def callback(self, interaction: discord.Interaction) -> None:
        """Read the job description and show it back with Keep / Discard."""
        user = interaction.user
        assert user is not None
        values = {child.custom_id: child.value or "" for child in self.children}
        # A modal submit defers "invisibly" by default, which leaves nothing to follow up on.
        await interaction.response.defer(ephemeral=True, invisible=False)
        job = await self.profiles.read_job(
            user.id,
            values.get(TITLE, ""),
            values.get(COMPANY, ""),
            values.get(BODY, ""),
            self.language,
            guild_id=interaction.guild_id,
        )
        await interaction.followup.send(
            embed=job_embed(job, self.profiles.catalogue, self.language),
            view=keep_controls("job", user.id, self.language),
            ephemeral=True,
        )

"""The modal where an administrator pastes a provider key."""

from __future__ import annotations

import logging
import uuid

import discord

from bot.catalog import Language
from bot.copy import text
from bot.llm.guild_routing import GuildRouting, KeyCheck, KeyShapeError, validate_key_shape
from cogs._buttons import locale_language
from cogs.admin import _render

log = logging.getLogger(__name__)

KEY_FIELD = "api_key"


def modal_id(provider: str) -> str:
    """Return the custom_id of a provider's key modal."""
    return f"mockingbird:admin:llm-key:{provider}"


def refusal(interaction: discord.Interaction) -> str | None:
    """Return why this user may not manage keys here, or None when they may."""
    language = locale_language(interaction)
    if interaction.guild_id is None:
        return text("admin.not_in_dm", language)
    # Discord hides the command from non-admins, but servers can override that per role.
    if not interaction.permissions.administrator:
        return text("admin.not_admin", language)
    return None


class KeyModal(discord.ui.Modal):
    """Ask for one provider's API key; validate, optionally test, encrypt and store it."""

    def __init__(
        self,
        routing: GuildRouting,
        provider: str,
        *,
        verify: bool = True,
        language: Language = Language.EN,
    ) -> None:
        name = _render.label(provider)
        super().__init__(
            discord.ui.InputText(
                label=text("admin.modal.field", language, label=name),
                custom_id=KEY_FIELD,
                placeholder="sk-ant-..." if provider == "anthropic" else "sk-...",
                min_length=20,
                max_length=300,
            ),
            title=text("admin.modal.title", language, label=name),
            custom_id=modal_id(provider),
            timeout=300,
        )
        self.routing = routing
        self.provider = provider
        self.verify = verify
        self.language = language

    def __repr__(self) -> str:
        # py-cord's default repr shows the typed value, i.e. the key.
        return f"<KeyModal provider={self.provider!r}>"

    async def on_error(self, error: Exception, interaction: discord.Interaction) -> None:
        """Log the failure by type only and apologise, never echoing what was typed."""
        ref = uuid.uuid4().hex[:8]
        log.error(
            "key modal for %s failed in guild %s (ref %s): %s",
            self.provider,
            interaction.guild_id,
            ref,
            type(error).__name__,
        )
        apology = text("admin.apology", self.language, ref=ref)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(apology, ephemeral=True)
            else:
                await interaction.response.send_message(apology, ephemeral=True)
        except discord.HTTPException:
            log.warning(
                "could not tell guild %s that the key modal failed (ref %s)",
                interaction.guild_id,
                ref,
            )

    async def callback(self, interaction: discord.Interaction) -> None:
        """Store the key and confirm it by its last four characters."""
        if (why := refusal(interaction)) is not None:
            await interaction.response.send_message(why, ephemeral=True)
            return
        assert interaction.guild_id is not None
        field = self.children[0]
        try:
            api_key = validate_key_shape(self.provider, field.value or "")
        except KeyShapeError as exc:
            await interaction.response.send_message(exc.message_in(self.language), ephemeral=True)
            return
        # A modal submit defers "invisibly" by default, which leaves nothing to follow up on.
        await interaction.response.defer(ephemeral=True, invisible=False)
        try:
            check = (
                await self.routing.check_key(self.provider, api_key)
                if self.verify
                else KeyCheck.SKIPPED
            )
            if check is KeyCheck.REJECTED:
                reply = text("admin.rejected", self.language, label=_render.label(self.provider))
            else:
                await self.routing.set_key(interaction.guild_id, self.provider, api_key)
                reply = _render.saved(self.provider, api_key, check, self.language)
                log.info(
                    "guild %s stored its own %s key (check: %s)",
                    interaction.guild_id,
                    self.provider,
                    check.value,
                )
        except Exception as exc:
            ref = uuid.uuid4().hex[:8]
            # The type only: an exception's text could quote what it was given.
            log.error(
                "storing a %s key failed for guild %s (ref %s): %s",
                self.provider,
                interaction.guild_id,
                ref,
                type(exc).__name__,
            )
            reply = text("admin.apology", self.language, ref=ref)
        await interaction.followup.send(reply, ephemeral=True)

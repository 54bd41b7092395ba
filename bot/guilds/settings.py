"""Server settings: moderator role, where interviews and rounds may start, defaults, limits.

A server's value overrides the bot's default; ``None`` (or no allowed channels) means "use
the default" (or "anywhere"). A server may lower, never raise, the bot's daily model budget
and retention: both protect the operator and the members.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from bot.catalog import Language
from bot.errors import CoachError

log = logging.getLogger(__name__)

MAX_ALLOWED_CHANNELS = 25


class SettingsError(CoachError):
    """A settings change or a permission check that fails; the message says why."""

    def __init__(self, reason: str, language: Language = Language.EN, **params: Any) -> None:
        super().__init__(key=f"settings.errors.{reason}", language=language, **params)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class GuildSettings:
    """One server's settings; ``None`` means the bot's default."""

    guild_id: int
    moderator_role_id: int | None = None
    allowed_channels: tuple[int, ...] = ()
    language: Language | None = None
    speak_questions: bool | None = None
    daily_token_budget: int | None = None
    retention_days: int | None = None


@dataclass(frozen=True, slots=True)
class BotDefaults:
    """The bot's own settings a server can override (from the environment)."""

    speak_questions: bool = True
    daily_token_budget: int | None = None
    retention_days: int = 365


class SettingsStore(Protocol):
    """Persists server settings."""

    async def all(self) -> list[GuildSettings]:
        """Return every server's stored settings."""
        ...

    async def save(self, settings: GuildSettings) -> None:
        """Insert or replace one server's settings."""
        ...


@dataclass(frozen=True, slots=True)
class Effective:
    """A server's settings with the bot's defaults filled in (what ``/settings`` shows)."""

    settings: GuildSettings
    language: Language | None
    speak_questions: bool
    daily_token_budget: int | None
    retention_days: int
    budget_is_default: bool
    retention_is_default: bool
    speak_is_default: bool


class GuildSettingsService:
    """Read and change server settings; answer checks from an in-memory copy."""

    def __init__(self, store: SettingsStore, defaults: BotDefaults | None = None) -> None:
        self.store = store
        self.defaults = defaults or BotDefaults()
        self._cache: dict[int, GuildSettings] = {}

    async def load(self) -> int:
        """Read every server's settings into memory; return how many servers have some."""
        self._cache = {s.guild_id: s for s in await self.store.all()}
        return len(self._cache)

    # ---- reading (from memory) ---------------------------------------------------------

    def get(self, guild_id: int | None) -> GuildSettings:
        """Return a server's settings (defaults for a server that changed nothing)."""
        if guild_id is None:
            return GuildSettings(0)
        return self._cache.get(guild_id) or GuildSettings(guild_id)

    def effective(self, guild_id: int) -> Effective:
        """Return a server's settings with the bot's defaults filled in."""
        s = self.get(guild_id)
        return Effective(
            settings=s,
            language=s.language,
            speak_questions=self.speaks_questions(guild_id),
            daily_token_budget=self.daily_tokens_for(guild_id, self.defaults.daily_token_budget),
            retention_days=self.retention_days(guild_id),
            budget_is_default=s.daily_token_budget is None,
            retention_is_default=s.retention_days is None,
            speak_is_default=s.speak_questions is None,
        )

    def language(self, guild_id: int | None) -> Language | None:
        """Return the server's default language, if it set one."""
        return self.get(guild_id).language

    def speaks_questions(self, guild_id: int | None) -> bool:
        """Tell whether questions come with audio in this server."""
        own = self.get(guild_id).speak_questions
        return self.defaults.speak_questions if own is None else own

    def daily_tokens_for(self, guild_id: int | None, default: int | None) -> int | None:
        """Return the server's daily token budget: its own, capped by the bot's ``default``."""
        own = self.get(guild_id).daily_token_budget
        if own is None:
            return default
        return own if default is None else min(own, default)

    def retention_days(self, guild_id: int | None) -> int:
        """Return how many days the server's interviews and rounds are kept."""
        own = self.get(guild_id).retention_days
        default = self.defaults.retention_days
        return default if own is None else min(own, default)

    def shorter_retention(self) -> list[tuple[int, int]]:
        """Return (server, days) for every server keeping data for less than the default."""
        return sorted(
            (s.guild_id, s.retention_days)
            for s in self._cache.values()
            if s.retention_days is not None and s.retention_days < self.defaults.retention_days
        )

    def is_moderator(
        self, guild_id: int | None, manage_guild: bool, role_ids: Collection[int]
    ) -> bool:
        """Tell whether someone may moderate: Manage Server, or the server's moderator role."""
        if manage_guild:
            return True
        role = self.get(guild_id).moderator_role_id
        return role is not None and role in role_ids

    def require_moderator(
        self,
        guild_id: int | None,
        manage_guild: bool,
        role_ids: Collection[int],
        language: Language,
    ) -> None:
        """Raise "moderators_only" unless the caller may moderate."""
        if not self.is_moderator(guild_id, manage_guild, role_ids):
            role = self.get(guild_id).moderator_role_id
            if role is None:
                raise SettingsError("manage_server_only", language)
            raise SettingsError("moderators_only", language, role_id=role)

    def allows(self, guild_id: int | None, channel_ids: Iterable[int]) -> bool:
        """Tell whether interviews and rounds may start in one of ``channel_ids``."""
        allowed = self.get(guild_id).allowed_channels
        return not allowed or any(c in allowed for c in channel_ids)

    # ---- changing (Manage Server, checked by the caller) --------------------------------

    async def set_moderator_role(self, guild_id: int, role_id: int | None) -> GuildSettings:
        """Set (or clear) the role whose members may moderate."""
        return await self._save(replace(self.get(guild_id), moderator_role_id=role_id))

    async def allow_channel(
        self, guild_id: int, channel_id: int, allowed: bool, language: Language
    ) -> GuildSettings:
        """Add a channel to (or remove it from) where interviews and rounds may start."""
        current = self.get(guild_id)
        channels = [c for c in current.allowed_channels if c != channel_id]
        if allowed:
            if len(channels) >= MAX_ALLOWED_CHANNELS:
                raise SettingsError("too_many_channels", language, limit=MAX_ALLOWED_CHANNELS)
            channels.append(channel_id)
        return await self._save(replace(current, allowed_channels=tuple(channels)))

    async def clear_channels(self, guild_id: int) -> GuildSettings:
        """Let interviews and rounds start anywhere again."""
        return await self._save(replace(self.get(guild_id), allowed_channels=()))

    async def set_language(self, guild_id: int, language: Language | None) -> GuildSettings:
        """Set (or clear) the server's default language."""
        return await self._save(replace(self.get(guild_id), language=language))

    async def set_speak_questions(self, guild_id: int, speak: bool | None) -> GuildSettings:
        """Turn spoken questions on or off for the server (None: the bot's default)."""
        return await self._save(replace(self.get(guild_id), speak_questions=speak))

    async def set_budget(
        self, guild_id: int, tokens: int | None, language: Language
    ) -> GuildSettings:
        """Set the server's daily model budget (never above the bot's; None: the bot's)."""
        if tokens is not None:
            if tokens < 0:
                raise SettingsError("bad_budget", language)
            limit = self.defaults.daily_token_budget
            if limit is not None and tokens > limit:
                raise SettingsError("budget_above_bot", language, limit=f"{limit:,}")
        return await self._save(replace(self.get(guild_id), daily_token_budget=tokens))

    async def set_retention(
        self, guild_id: int, days: int | None, language: Language
    ) -> GuildSettings:
        """Set a retention shorter than the bot's (None: the bot's)."""
        if days is not None:
            limit = self.defaults.retention_days
            if not 1 <= days <= limit:
                raise SettingsError("retention_out_of_range", language, limit=limit)
        return await self._save(replace(self.get(guild_id), retention_days=days))

    async def _save(self, settings: GuildSettings) -> GuildSettings:
        await self.store.save(settings)
        self._cache[settings.guild_id] = settings
        log.info("Settings of guild %s changed", settings.guild_id)
        return settings

"""Server settings: defaults, overrides that may only lower the bot's limits, moderators."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.catalog import Language
from bot.guilds.settings import BotDefaults, GuildSettings, GuildSettingsService, SettingsError
from storage.db import Database
from storage.guild_settings import SqliteGuildSettings
from storage.llm_usage import SqliteBudget
from tests.fakes.guilds import InMemorySettingsStore

G = 500


def service(**defaults: object) -> GuildSettingsService:
    return GuildSettingsService(
        InMemorySettingsStore(),
        BotDefaults(**{"daily_token_budget": 10_000, "retention_days": 365, **defaults}),  # type: ignore[arg-type]
    )


async def test_a_server_that_changed_nothing_gets_the_bots_defaults() -> None:
    s = service(speak_questions=False)
    found = s.effective(G)
    assert (found.language, found.speak_questions) == (None, False)
    assert (found.daily_token_budget, found.retention_days) == (10_000, 365)
    assert found.budget_is_default and found.retention_is_default and found.speak_is_default
    assert s.allows(G, [1, 2]) and s.shorter_retention() == []


async def test_a_server_may_lower_but_not_raise_the_bots_limits() -> None:
    s = service()
    await s.set_budget(G, 2_000, Language.EN)
    await s.set_retention(G, 30, Language.EN)
    assert s.daily_tokens_for(G, 10_000) == 2_000
    assert s.daily_tokens_for(G, 1_000) == 1_000  # the operator lowered theirs meanwhile
    assert s.retention_days(G) == 30 and s.shorter_retention() == [(G, 30)]
    for change in (s.set_budget(G, 20_000, Language.KO), s.set_retention(G, 400, Language.KO)):
        with pytest.raises(SettingsError) as refused:
            await change
        assert "봇" in refused.value.user_message or "최대" in refused.value.user_message
    assert s.daily_tokens_for(G, 10_000) == 2_000 and s.retention_days(G) == 30
    await s.set_budget(G, None, Language.EN)
    assert s.daily_tokens_for(G, 10_000) == 10_000
    assert service(daily_token_budget=None).daily_tokens_for(G, None) is None


async def test_moderators_are_manage_server_or_the_role() -> None:
    s = service()
    assert s.is_moderator(G, True, set())
    assert not s.is_moderator(G, False, {42})
    with pytest.raises(SettingsError) as plain:
        s.require_moderator(G, False, {42}, Language.EN)
    assert plain.value.reason == "manage_server_only"
    await s.set_moderator_role(G, 42)
    assert s.is_moderator(G, False, {42, 7})
    with pytest.raises(SettingsError) as role:
        s.require_moderator(G, False, {7}, Language.EN)
    assert "<@&42>" in role.value.user_message


async def test_allowed_channels_restrict_where_starts_happen() -> None:
    s = service()
    await s.allow_channel(G, 1, True, Language.EN)
    await s.allow_channel(G, 2, True, Language.EN)
    await s.allow_channel(G, 1, False, Language.EN)
    assert s.get(G).allowed_channels == (2,)
    assert s.allows(G, [3, 2]) and not s.allows(G, [1, 3])
    assert s.allows(G + 1, [1])  # another server is untouched
    await s.clear_channels(G)
    assert s.allows(G, [1])


async def test_settings_survive_a_restart_on_sqlite(tmp_path: Path) -> None:
    db = await Database(tmp_path / "settings.sqlite3").open()
    try:
        first = GuildSettingsService(SqliteGuildSettings(db), BotDefaults())
        await first.set_language(G, Language.KO)
        await first.set_speak_questions(G, False)
        await first.allow_channel(G, 9, True, Language.EN)
        later = GuildSettingsService(SqliteGuildSettings(db), BotDefaults())
        assert await later.load() == 1
        assert later.get(G) == GuildSettings(
            G, allowed_channels=(9,), language=Language.KO, speak_questions=False
        )
        # The daily budget reads the server's own from the settings.
        await later.set_budget(G, 50, Language.EN)
        budget = SqliteBudget(db, 1_000, per_guild=later)
        assert await budget.remaining(G) == 50 and await budget.remaining(G + 1) == 1_000
        await budget.spend(G, 60)
        assert not await budget.allow(G) and await budget.allow(G + 1)
    finally:
        await db.close()

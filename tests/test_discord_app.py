"""The bot as `python -m bot` builds it: every cog, command group and intent is wired."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.bootstrap import build_services, create_bot
from bot.config import Settings
from bot.discord_app import intents
from bot.voice.discord_link import DiscordVoiceConnector


@pytest.fixture(autouse=True)
def offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)


async def test_create_bot_registers_every_command_group(tmp_path: Path) -> None:
    services = await build_services(Settings(env_file=None), tmp_path / "bot.sqlite3")
    try:
        bot = create_bot(services)
        names = {command.name for command in bot.pending_application_commands}
        assert {"interview", "admin", "voice", "round", "privacy"} <= names
        assert set(bot.cogs) >= {"InterviewCog", "AdminCog", "VoiceCog", "PrivacyCog"}
        assert bot.voice_coach is not None
        assert isinstance(bot.voice_coach.connector, DiscordVoiceConnector)
        await bot.close()
    finally:
        await services.close()


def test_intents_include_voice_states_and_message_content() -> None:
    wanted = intents()
    assert wanted.voice_states and wanted.message_content and wanted.guilds
    assert not wanted.members and not wanted.presences  # no privileged intents we don't use


async def test_unreachable_discord_is_a_friendly_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import aiohttp

    from bot.discord_app import MockingbirdBot, run_bot
    from bot.errors import CoachError

    async def unreachable(self: MockingbirdBot, token: str) -> None:
        raise aiohttp.ClientConnectionError("Cannot connect to host discord.com:443")

    monkeypatch.setattr(MockingbirdBot, "start", unreachable)
    monkeypatch.setenv(
        "DISCORD_TOKEN", "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
    )
    services = await build_services(Settings(env_file=None), tmp_path / "bot.sqlite3")
    try:
        with pytest.raises(CoachError, match="couldn't reach Discord"):
            await run_bot(create_bot(services), services.settings.discord.require_token())
    finally:
        await services.close()

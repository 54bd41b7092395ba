"""Settings and the first-run messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Settings
from bot.errors import ConfigError

VALID = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISCORD_TOKEN", "DATABASE_PATH", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_missing_token_says_how_to_create_the_bot_and_try_rehearse(tmp_path: Path) -> None:
    settings = Settings(env_file=str(tmp_path / "none.env"))
    with pytest.raises(ConfigError) as info:
        settings.discord.require_token()
    message = info.value.user_message
    assert "DISCORD_TOKEN is not set" in message
    assert "discord.com/developers/applications" in message
    assert "python -m bot rehearse" in message


def test_malformed_token_is_caught_before_discord(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DISCORD_TOKEN=not-a-token\n")
    with pytest.raises(ConfigError, match="does not look like a bot token"):
        Settings(env_file=str(env)).discord.require_token()


def test_env_file_values_are_read(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DISCORD_TOKEN={VALID}\nDATABASE_PATH={tmp_path}/x.db\n")
    settings = Settings(env_file=str(env))
    assert settings.discord.require_token() == VALID
    assert settings.storage.database_path == tmp_path / "x.db"
    assert not settings.llm.any_key
    assert VALID not in repr(settings.discord)


def test_default_database_lives_under_data() -> None:
    assert Settings(env_file=None).storage.database_path == Path("data/mockingbird.sqlite3")


def test_voice_turn_settings_are_read_and_checked(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("VOICE_END_SILENCE_MIN_MS=500\nVOICE_END_SILENCE_MAX_MS=1500\n")
    voice = Settings(env_file=str(env)).voice
    assert (voice.voice_end_silence_min_ms, voice.voice_end_silence_max_ms) == (500, 1500)
    env.write_text("VOICE_END_SILENCE_MIN_MS=3000\nVOICE_END_SILENCE_MAX_MS=1500\n")
    with pytest.raises(ValueError, match="must not exceed"):
        _ = Settings(env_file=str(env)).voice


def test_invalid_settings_are_described_without_their_values(tmp_path: Path) -> None:
    from pydantic import ValidationError

    from bot.config import describe_invalid_settings

    env = tmp_path / ".env"
    env.write_text("VOICE_JITTER_FRAMES=999\nOPENAI_API_KEY=sk-secret-value-1234\n")
    with pytest.raises(ValidationError) as info:
        _ = Settings(env_file=str(env)).voice
    text = describe_invalid_settings(info.value)
    assert "VOICE_JITTER_FRAMES" in text
    assert "999" not in text.replace("VOICE_JITTER_FRAMES", "")
    assert "sk-secret" not in text

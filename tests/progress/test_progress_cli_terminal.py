"""The terminal's progress, stories and drill: bad paths, no stray files, unfinished interviews."""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.catalog import Kind, Language, Level
from bot.cli import progress as progress_cli
from bot.cli.progress import drill, progress, stories
from bot.cli.rehearse import TERMINAL_USER, rehearse
from bot.config import Settings
from bot.interview.engine import StartOptions

log = logging.getLogger(__name__)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Return settings with no model key, so the offline coach grades."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    return Settings(env_file=None)


async def _one_interview(settings: Settings, db: Path) -> None:
    code = await rehearse(
        Kind.BEHAVIORAL,
        Level.MID,
        1,
        Language.EN,
        settings,
        database=db,
        stdin=io.BytesIO(b"I fixed the build for my team last week.\n"),
        out=io.StringIO(),
    )
    assert code == 0


@pytest.mark.parametrize("where", ["missing/p.png", "."])
async def test_a_chart_path_that_cannot_be_written_is_one_line_naming_it(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    chart = str(tmp_path / where)
    code = await main(["progress", "--db", str(tmp_path / "t.db"), "--chart", chart])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and chart in err and "Traceback" not in err


async def test_reading_commands_and_usage_errors_create_no_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", "data/mockingbird.sqlite3")
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert await main(["progress"]) == 0
    assert "No practice recorded yet in data/mockingbird.sqlite3" in capsys.readouterr().out
    assert await main(["progress", "--json"]) == 0
    assert await main(["stories"]) == 0
    assert await main(["drill", "--json"]) == 0
    assert await main(["stories", "rename"]) == 2
    assert await main(["stories", "delete", "4"]) == 1
    assert not (tmp_path / "data").exists()


async def test_a_file_it_may_not_write_is_read_without_being_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    db = tmp_path / "kept.sqlite3"
    await _one_interview(settings, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    # What a read-only file (or folder) looks like to a user who is not root.
    monkeypatch.setattr(progress_cli.os, "access", lambda *_args, **_kw: False)
    out = io.StringIO()
    assert await progress(settings, database=db, out=out) == 0
    assert out.getvalue().startswith("Progress: 1 interview")
    out = io.StringIO()
    assert await stories(settings, database=db, out=out) == 0
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


async def test_the_terminal_points_to_terminal_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], settings: Settings
) -> None:
    db = tmp_path / "kept.sqlite3"
    await _one_interview(settings, db)
    out = io.StringIO()
    assert await progress(settings, database=db, out=out) == 0
    assert "python -m bot stories" in out.getvalue() and "/stories" not in out.getvalue()
    code = await stories(settings, database=db, action="rename", values=["99", "New"])
    err = capsys.readouterr().err
    assert code == 1 and "You have no story #99" in err
    assert "python -m bot stories" in err and "/stories" not in err


async def test_drill_does_not_resume_an_unfinished_interview_in_its_place(
    tmp_path: Path, settings: Settings
) -> None:
    from bot.bootstrap import build_services

    db = tmp_path / "unf.sqlite3"
    services = await build_services(settings, database_path=db)
    try:
        options = StartOptions(TERMINAL_USER, None, Kind.TECHNICAL, Level.SENIOR, 3)
        session, _ = await services.engine.start(options)
    finally:
        await services.close()

    out = io.StringIO()
    code = await drill(settings, database=db, stdin=io.BytesIO(b""), out=out, named=True)
    said = out.getvalue()
    assert code == 1
    assert "unfinished technical interview (senior)" in said and "did not start" in said
    assert f"python -m bot rehearse --db {db}" in said and "--end-unfinished" in said
    assert "Resuming" not in said and "/interview" not in said
    services = await build_services(settings, database_path=db)
    try:
        running = await services.engine.active_session(TERMINAL_USER, None)
        assert running is not None and running.id == session.id  # untouched
    finally:
        await services.close()

    out = io.StringIO()
    code = await drill(
        settings, database=db, end_unfinished=True, stdin=io.BytesIO(b":finish\n"), out=out
    )
    said = out.getvalue()
    assert code == 0
    assert "Ended your unfinished technical interview (senior)" in said
    assert "Your first drill" in said and "Resuming" not in said


async def test_reevaluate_without_a_model_key_says_a_key_is_needed(
    tmp_path: Path, settings: Settings
) -> None:
    out = io.StringIO()
    code = await rehearse(
        Kind.BEHAVIORAL,
        Level.MID,
        2,
        Language.EN,
        settings,
        database=tmp_path / "t.sqlite3",
        stdin=io.BytesIO(b"I fixed the build for my team last week.\n:reevaluate\n:quit\n"),
        out=out,
    )
    said = out.getvalue()
    assert code == 0
    assert "Re-grading needs an AI model key" in said
    assert "already has the AI coach's feedback" not in said

"""`python -m bot progress | drill | stories` on a real database file, text and --json."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.cli.progress import drill, progress, stories
from bot.config import Settings

log = logging.getLogger(__name__)

STORY = (
    "Last year at Acme our checkout team learned from support tickets that 30% of users "
    "abandoned the address form on mobile. I was the engineer who owned the form, so I ran "
    "five user interviews, then I rebuilt the form with autocomplete and fewer fields. I "
    "convinced my product manager to pause the redesign for two weeks. As a result, mobile "
    "conversion went up by 12% within a month and support tickets dropped by 40%."
)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Return settings with no model key, so the offline coach grades."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    return Settings(env_file=None)


async def test_a_new_database_has_no_progress_and_says_how_to_start(
    settings: Settings, tmp_path: Path
) -> None:
    db = tmp_path / "t.sqlite3"
    out = io.StringIO()
    assert await progress(settings, database=db, out=out) == 0
    assert "No practice recorded yet" in out.getvalue()
    out = io.StringIO()
    assert await progress(settings, database=db, as_json=True, out=out) == 0
    assert json.loads(out.getvalue()) == {"skills": [], "interviews": 0, "streak_days": 0}


async def test_a_drill_then_progress_and_stories(settings: Settings, tmp_path: Path) -> None:
    db = tmp_path / "t.sqlite3"
    out = io.StringIO()
    assert await drill(settings, database=db, as_json=True, out=out) == 0
    plan = json.loads(out.getvalue())
    assert plan["kind"] == "behavioral" and len(plan["questions"]) == 3
    assert [s["reason"] for s in plan["skills"]] == ["new", "new", "new"]

    answers = (STORY + "\n:skip\n:skip\n" + STORY + "\n:finish\n").encode()
    out = io.StringIO()
    code = await drill(settings, database=db, stdin=io.BytesIO(answers), out=out)
    text = out.getvalue()
    assert code == 0 and "Your first drill" in text and "Drill focus:" in text

    out = io.StringIO()
    assert await progress(settings, database=db, as_json=True, out=out) == 0
    report = json.loads(out.getvalue())
    assert report["interviews"] == 1 and report["streak_days"] == 1
    skill = report["skills"][0]
    assert set(skill) == {"id", "name", "level", "trend", "due"} and skill["trend"] == "new"

    out = io.StringIO()
    assert await stories(settings, database=db, as_json=True, out=out) == 0
    bank = json.loads(out.getvalue())
    assert set(bank) == {"stories", "coverage", "overused"}
    (story,) = bank["stories"]
    assert set(story) == {"id", "title", "competencies", "uses"} and story["uses"] == 2
    assert story["id"] in bank["coverage"]["customer_focus"]

    out = io.StringIO()
    assert (
        await stories(
            settings, database=db, action="rename", values=[str(story["id"]), "Forms"], out=out
        )
        == 0
    )
    assert "is now called “Forms”" in out.getvalue()


async def test_the_commands_are_on_python_m_bot(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "t.sqlite3")
    assert await main(["stories", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stories"] == []
    assert await main(["stories", "--db", db, "merge", "1", "1"]) == 1
    assert "can't be merged with itself" in capsys.readouterr().err
    assert await main(["stories", "--db", db, "rename", "x"]) == 2
    assert "usage:" in capsys.readouterr().err
    assert await main(["progress", "--db", db, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["interviews"] == 0

"""`python -m bot report` on a real database file, and `rehearse --resume --job`: reports
written as PDF, bad input refused in one line with a non-zero exit, never a traceback."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.bootstrap import build_services
from bot.catalog import Kind, Language, Level
from bot.cli.rehearse import TERMINAL_USER, rehearse
from bot.config import Settings
from bot.interview.engine import StartOptions
from bot.interview.models import SessionStatus
from tests.fakes.profile import JOB_EN, html_named_pdf, resume_pdf

log = logging.getLogger(__name__)

ANSWER = (
    "I led the ledger migration at Acme. My task was a zero-downtime cutover, so I ran both "
    "ledgers side by side for two weeks and compared every entry. Latency fell by 40 percent."
)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Return settings with no model key, so the offline coach grades."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    return Settings(env_file=None)


def pdf_text(path: Path) -> str:
    found = shutil.which("pdftotext")
    if found is None:
        # Only an absent binary skips: .ci/bootstrap installs poppler-utils.
        pytest.skip("pdftotext is missing: apt-get install -y poppler-utils")
    done = subprocess.run(
        [found, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, timeout=60
    )
    return " ".join(done.stdout.decode("utf-8").split())


async def practised(settings: Settings, db: Path, user: int = TERMINAL_USER) -> int:
    services = await build_services(settings, database_path=db)
    try:
        engine = services.engine
        session, _ = await engine.start(
            StartOptions(user, None, Kind.BEHAVIORAL, Level.MID, 1, Language.KO)
        )
        assert session.id is not None
        while (await engine.session(session.id)).status is SessionStatus.ACTIVE:
            await engine.answer(
                session.id, "결제 원장 마이그레이션을 주도했고 지연 시간이 40% 줄었습니다."
            )
        return session.id
    finally:
        await services.close()


async def test_the_latest_interview_and_one_by_id_are_written_as_pdf(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.sqlite3"
    mine = await practised(settings, db)
    theirs = await practised(settings, db, user=77)
    latest = tmp_path / "latest.pdf"
    assert await main(["report", "--latest", "-o", str(latest), "--db", str(db)]) == 0
    assert latest.read_bytes().startswith(b"%PDF-")
    # The interview is Korean: the terminal says so in Korean unless --language says otherwise.
    assert f"{latest} 파일을 썼습니다" in capsys.readouterr().out
    english = ["report", "--latest", "-o", str(latest), "--db", str(db), "--language", "en"]
    assert await main(english) == 0
    assert f"Wrote {latest}" in capsys.readouterr().out
    # By id, any interview in the file: whoever runs this holds the database.
    by_id = tmp_path / "by-id.pdf"
    assert await main(["report", str(theirs), "-o", str(by_id), "--db", str(db)]) == 0
    assert by_id.read_bytes().startswith(b"%PDF-") and by_id.read_bytes() != latest.read_bytes()
    assert mine != theirs


async def test_the_progress_report_is_written_as_pdf_naming_terminal_commands(
    settings: Settings, tmp_path: Path
) -> None:
    db = tmp_path / "t.sqlite3"
    await practised(settings, db, user=77)  # the terminal user has no stories, no negotiation
    out = tmp_path / "progress.pdf"
    assert await main(["report", "--progress", "-o", str(out), "--db", str(db)]) == 0
    assert out.read_bytes().startswith(b"%PDF-")
    said = pdf_text(out)
    assert "python -m bot stories" in said and "python -m bot negotiate" in said
    assert "/stories show" not in said and "/negotiate start" not in said


async def test_bad_requests_get_one_line_and_a_non_zero_exit(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.sqlite3"
    out = str(tmp_path / "r.pdf")
    assert await main(["report", "-o", out, "--db", str(db)]) == 2
    assert "--latest or --progress" in capsys.readouterr().err
    # No database there: said so, and no file is created.
    assert await main(["report", "--latest", "-o", out, "--db", str(db)]) == 1
    said = capsys.readouterr().err.strip()
    assert said.startswith(f"There is no database at {db}") and "\n" not in said
    assert not db.exists()
    await practised(settings, db, user=77)
    assert await main(["report", "--latest", "-o", out, "--db", str(db)]) == 1
    said = capsys.readouterr().err.strip()
    assert said.startswith(f"There is no interview in {db} yet") and "\n" not in said
    assert "python -m bot rehearse" in said and "/interview start" not in said
    assert await main(["report", "999", "-o", out, "--db", str(db), "--language", "ko"]) == 1
    said = capsys.readouterr().err.strip()
    assert "#999" in said and "--latest" in said and "목록에서" not in said
    await practised(settings, db)
    nowhere = str(tmp_path / "missing-folder" / "r.pdf")
    assert await main(["report", "--latest", "-o", nowhere, "--db", str(db)]) == 1
    assert "Cannot write" in capsys.readouterr().err
    korean = ["report", "--latest", "-o", nowhere, "--db", str(db), "--language", "ko"]
    assert await main(korean) == 1
    said = capsys.readouterr().err.strip()
    assert said == f"{nowhere} 파일을 쓸 수 없습니다: 폴더가 없습니다"


async def test_rehearse_refuses_a_bad_resume_with_the_discord_message(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "resume.pdf"
    fake.write_bytes(html_named_pdf())
    code = await main(
        ["rehearse", "--resume", str(fake), "--db", str(tmp_path / "t.sqlite3"), "--count", "1"]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith("That file is a web page saved with a .pdf name")
    assert "Traceback" not in err and "\n" not in err
    missing = tmp_path / "nope.pdf"
    assert await main(["rehearse", "--resume", str(missing), "--count", "1"]) == 1
    assert f"No such file: {missing}" in capsys.readouterr().err


async def test_rehearse_asks_about_the_resume_s_own_projects(
    settings: Settings, tmp_path: Path
) -> None:
    resume = tmp_path / "resume.pdf"
    resume.write_bytes(resume_pdf())
    job = tmp_path / "job.txt"
    job.write_text("Senior Backend Engineer at Acme\n" + JOB_EN, encoding="utf-8")
    out = io.StringIO()
    code = await rehearse(
        Kind.BEHAVIORAL,
        Level.SENIOR,
        2,
        Language.EN,
        settings,
        database=tmp_path / "t.sqlite3",
        stdin=io.BytesIO((ANSWER + "\n" + ANSWER + "\n").encode()),
        out=out,
        interactive=False,
        resume=resume,
        job=job,
    )
    said = out.getvalue()
    assert code == 0
    assert "Personalised with your resume and the Senior Backend Engineer job" in said
    assert "You led the payments ledger migration at Acme Payments" in said

"""`rehearse --resume/--job`: folders, PDFs and binary job files, cut-short resumes each get
their own one-line message; a job's seniority sets the level when --level is not given."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.catalog import Kind, Language, Level
from bot.cli.rehearse import rehearse
from bot.config import Settings
from bot.errors import CoachError
from tests.fakes.profile import RESUME_EN, resume_pdf

log = logging.getLogger(__name__)

JOB = "Senior Backend Engineer at Initech\nWe are Initech. You design payment systems.\n"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Return settings with no model key, so the offline coach grades."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    return Settings(env_file=None)


async def run(
    settings: Settings,
    *,
    level: Level | None = None,
    resume: Path | None = None,
    job: Path | None = None,
    language: Language = Language.EN,
) -> tuple[int, str]:
    out = io.StringIO()
    code = await rehearse(
        Kind.BEHAVIORAL,
        level,
        2,
        language,
        settings,
        database=":memory:",
        stdin=io.BytesIO(b":quit\n"),
        out=out,
        interactive=False,
        resume=resume,
        job=job,
    )
    return code, out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("option", ["resume", "job"])
async def test_a_folder_is_named_a_folder(settings: Settings, tmp_path: Path, option: str) -> None:
    with pytest.raises(CoachError) as caught:
        await run(settings, **{option: tmp_path})  # type: ignore[arg-type]
    assert caught.value.key == "profile.terminal.file_is_folder"
    assert "is a folder" in caught.value.message_in(Language.EN)
    assert "폴더" in caught.value.message_in(Language.KO)


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (resume_pdf(), "profile.terminal.job_is_pdf"),
        (bytes(range(256)) * 4, "profile.terminal.job_not_text"),
        (b"3F\xff\xfe:Yy\x9cQ\x81\xee" * 40, "profile.terminal.job_not_text"),
    ],
    ids=["pdf", "binary", "undecodable"],
)
async def test_a_job_file_that_is_not_text_is_refused(
    settings: Settings, tmp_path: Path, data: bytes, key: str
) -> None:
    with pytest.raises(CoachError) as caught:
        await run(settings, job=write(tmp_path / "job.txt", data))
    assert caught.value.key == key


@pytest.mark.parametrize("share", [0.3, 0.5, 0.8, 0.95])
async def test_a_cut_short_resume_gets_the_cut_short_message(
    settings: Settings, tmp_path: Path, share: float
) -> None:
    whole = resume_pdf(RESUME_EN + "\n".join(f"• Built tool {i} for payments" for i in range(20)))
    path = write(tmp_path / "trunc.pdf", whole[: int(len(whole) * share)])
    with pytest.raises(CoachError) as caught:
        await run(settings, resume=path, job=write(tmp_path / "job.txt", JOB.encode()))
    assert caught.value.key == "profile.pdf.truncated"


async def test_no_level_given_takes_the_job_s_seniority(settings: Settings, tmp_path: Path) -> None:
    code, out = await run(settings, job=write(tmp_path / "job.txt", JOB.encode()))
    assert code == 0
    assert "the Senior Backend Engineer job" in out
    assert "level senior, as the job asks" in out
    assert "[senior]" in out and "[mid]" not in out


async def test_a_given_level_wins(settings: Settings, tmp_path: Path) -> None:
    code, out = await run(
        settings, level=Level.JUNIOR, job=write(tmp_path / "job.txt", JOB.encode())
    )
    assert code == 0 and "[junior]" in out and "as the job asks" not in out


async def test_the_command_line_exits_1_with_one_line_on_a_cut_pdf(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    whole = resume_pdf()
    cut = write(tmp_path / "trunc.pdf", whole[: len(whole) // 2])
    code = await main(["rehearse", "--resume", str(cut), "--db", ":memory:"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err == ["That PDF is cut short or damaged" + err[0].split("damaged", 1)[1]]
    assert "MuPDF" not in "".join(err)

"""`rehearse` in process: safe input, commands, multi-line answers, a kept database, resume."""

from __future__ import annotations

import fcntl
import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from bot.bootstrap import build_services
from bot.catalog import Kind, Language, Level
from bot.cli.rehearse import TERMINAL_USER, rehearse
from bot.config import Settings
from bot.interview.engine import StartOptions
from bot.interview.models import Session, SessionStatus, TurnStatus
from bot.speech.audio import encode_wav

log = logging.getLogger(__name__)

STRONG = (
    "Last year our checkout service kept timing out during sales, and as the on-call "
    "engineer I owned the fix. My task was to cut errors before Black Friday. I profiled the "
    "service, found an N+1 query, added a cache and batched the writes. As a result, p95 "
    "latency dropped from 900 ms to 120 ms and checkout errors fell by 85 percent."
)
SCORE = re.compile(r"Score: \d+/100")


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Return settings with no model key, so the offline coach grades."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    return Settings(env_file=None)


async def run(
    settings: Settings,
    stdin: bytes,
    database: Path | str | None,
    *,
    interactive: bool = False,
    count: int = 2,
    language: Language = Language.EN,
) -> tuple[int, str]:
    out = io.StringIO()
    code = await rehearse(
        Kind.BEHAVIORAL,
        Level.MID,
        count,
        language,
        settings,
        database=database,
        stdin=io.BytesIO(stdin),
        out=out,
        interactive=interactive,
    )
    return code, out.getvalue()


async def stored_sessions(settings: Settings, database: Path) -> list[Session]:
    """Return the terminal user's sessions kept in ``database``, oldest first."""
    services = await build_services(settings, database_path=database)
    try:
        history = await services.engine.history(TERMINAL_USER, None)
        return [await services.engine.session(h.session_id) for h in reversed(history)]
    finally:
        await services.close()


def folder_contents(folder: Path) -> list[Path]:
    return list(folder.iterdir())


@contextmanager
def held_lock(path: Path) -> Iterator[None]:
    """Hold the lock a running rehearse holds."""
    with path.open("a+b") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield


async def test_a_non_utf8_answer_is_graded_and_the_replacement_said_once(
    settings: Settings, tmp_path: Path
) -> None:
    stdin = b"I led it \x93on time\x94 and errors fell by 40 percent.\n\x93again\x94\n:quit\n"
    code, out = await run(settings, stdin, tmp_path / "db.sqlite3")
    assert code == 0
    assert out.count("not valid UTF-8") == 1
    assert len(SCORE.findall(out)) == 2
    assert "== Session summary ==" in out
    [session] = await stored_sessions(settings, tmp_path / "db.sqlite3")
    assert session.turns[0].answer == (
        "I led it \ufffdon time\ufffd and errors fell by 40 percent."
    )


async def test_random_bytes_do_not_lose_the_session(settings: Settings, tmp_path: Path) -> None:
    noise = bytes((i * 151 + 7) % 256 for i in range(4096)).replace(b"\n", b" ")
    code, out = await run(settings, noise + b"\n" + STRONG.encode() + b"\n", tmp_path / "x.db")
    assert code == 0
    assert len(SCORE.findall(out)) == 2 and "== Session summary ==" in out


async def test_commands_are_never_graded(settings: Settings, tmp_path: Path) -> None:
    stdin = b":help\n:frobnicate\n:rewind\n:done\n:HINT\n:quit\n"
    code, out = await run(settings, stdin, tmp_path / "db.sqlite3")
    assert code == 0
    assert not SCORE.findall(out)
    assert ":reevaluate" in out and "From a pipe or a file, every line is one answer." in out
    assert "There is no command ':frobnicate'. Type ':help' for the list." in out
    assert "Use ':rewind N'" in out
    assert "Hint: " in out
    assert "Questions answered: 0" in out.split("== Session summary ==")[1]


async def test_the_terminal_never_speaks_discord(settings: Settings, tmp_path: Path) -> None:
    code, out = await run(settings, b"\n:rewind 1\n:quit\n", tmp_path / "db.sqlite3")
    assert code == 0
    assert "That answer was empty. Type your answer, or ':skip' to move on." in out
    assert "Question 1 hasn't been answered yet; just answer it." in out
    for discord_word in ("thread", "press", "Skip", "/interview", "voice message"):
        assert discord_word not in out


async def test_a_korean_session_speaks_korean_in_the_terminal(
    settings: Settings, tmp_path: Path
) -> None:
    code, out = await run(
        settings, b"\n:nope\n:quit\n", tmp_path / "db.sqlite3", language=Language.KO
    )
    assert code == 0
    assert "답변이 비어 있습니다" in out and "':nope' 명령은 없습니다" in out


async def test_interactive_answers_take_several_lines(settings: Settings, tmp_path: Path) -> None:
    stdin = (
        b"Last year our checkout service kept timing out.\n"
        b"I profiled it and batched the writes.\n"
        b"\n"
        b"As a result errors fell by 85 percent.\n"
        b":done\n"
        b":quit\n"
    )
    database = tmp_path / "db.sqlite3"
    code, out = await run(settings, stdin, database, interactive=True, count=3)
    assert code == 0
    assert len(SCORE.findall(out)) == 2  # two answers of two and one lines, not four
    assert "a blank line or ':done'" in out
    answers = [turn.answer for turn in (await stored_sessions(settings, database))[0].turns]
    assert answers[:2] == [
        "Last year our checkout service kept timing out.\nI profiled it and batched the writes.",
        "As a result errors fell by 85 percent.",
    ]


async def test_a_pipe_keeps_one_line_per_answer(settings: Settings, tmp_path: Path) -> None:
    stdin = b"We did it together.\nI think maybe it worked.\n:quit\n"
    code, out = await run(settings, stdin, tmp_path / "db.sqlite3", count=3)
    assert code == 0
    assert len(SCORE.findall(out)) == 2


async def test_an_overlong_line_is_refused_without_being_graded(
    settings: Settings, tmp_path: Path
) -> None:
    stdin = b"a" * 200_000 + b"\n:quit\n"
    code, out = await run(settings, stdin, tmp_path / "db.sqlite3")
    assert code == 0
    assert "That answer is longer than 25,000 characters" in out
    assert not SCORE.findall(out)


async def test_the_database_is_kept_and_every_run_is_a_new_interview(
    settings: Settings, tmp_path: Path
) -> None:
    database = tmp_path / "kept.sqlite3"
    firsts = []
    for _ in range(3):
        code, out = await run(settings, STRONG.encode() + b"\n:quit\n", database)
        assert code == 0 and f"kept in {database}" in out
        firsts.append(re.findall(r"^Q1/2 \[mid\] (.+)$", out, re.M)[0])
    assert len(set(firsts)) > 1  # an in-memory database asked the same question every time
    sessions = await stored_sessions(settings, database)
    assert len(sessions) == 3 and all(s.turns[0].answer == STRONG for s in sessions)


async def test_the_default_database_is_database_path_else_data_under_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "configured.sqlite3"))
    code, out = await run(Settings(env_file=None), b":quit\n", None)
    assert code == 0 and (tmp_path / "configured.sqlite3").is_file()
    assert not (tmp_path / "data").exists()
    monkeypatch.delenv("DATABASE_PATH")
    code, out = await run(Settings(env_file=None), b":quit\n", None)
    assert code == 0 and (tmp_path / "data" / "mockingbird.sqlite3").is_file()
    assert "kept in data/mockingbird.sqlite3" in out


async def test_a_throwaway_run_keeps_nothing(settings: Settings, tmp_path: Path) -> None:
    code, out = await run(settings, b":quit\n", ":memory:")
    assert code == 0 and "kept in" not in out
    assert not folder_contents(tmp_path)


async def test_after_a_crash_the_interview_resumes_and_the_saved_answer_is_graded(
    settings: Settings, tmp_path: Path
) -> None:
    database = tmp_path / "crashed.sqlite3"
    services = await build_services(settings, database_path=database)
    try:
        options = StartOptions(TERMINAL_USER, None, Kind.TECHNICAL, Level.SENIOR, 3)
        session, _ = await services.engine.start(options)
        assert session.id is not None
        # What a crash between saving an answer and grading it leaves behind.
        turn = session.current_turn
        assert turn is not None
        turn.answer = STRONG
        turn.status = TurnStatus.ANSWERED
        await services.sessions.save_turn(session.id, turn)
    finally:
        await services.close()

    code, out = await run(settings, b":quit\n", database)

    assert code == 0
    assert "Resuming your unfinished technical interview (senior): 1 of 3" in out
    assert "Grading the answer you gave before the interruption" in out
    assert len(SCORE.findall(out)) == 1
    assert "already" not in out and "/interview" not in out
    summary = out.split("== Session summary ==")[1]
    assert "Questions answered: 1" in summary
    services = await build_services(settings, database_path=database)
    try:
        ended = await services.engine.session(session.id)
    finally:
        await services.close()
    assert ended.status is SessionStatus.FINISHED


async def test_a_second_rehearse_on_the_same_file_is_refused(
    settings: Settings, tmp_path: Path
) -> None:
    database = tmp_path / "busy.sqlite3"
    with held_lock(Path(f"{database}.rehearse-lock")):
        code, out = await run(settings, STRONG.encode() + b"\n", database)
    assert code == 1
    assert f"Another rehearse is running on {database}" in out
    assert not SCORE.findall(out)


async def test_recording_paths_are_expanded_and_named_in_every_error(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = tmp_path / "takes"
    folder.mkdir()
    odd = bytearray(encode_wav(np.zeros(16_000, dtype=np.float32), 16_000))
    odd[20:22] = (0x1234).to_bytes(2, "little")  # a WAV format tag no decoder knows
    (folder / "odd tag.wav").write_bytes(bytes(odd))
    (folder / "notes.wav").write_text("not audio")
    stdin = b'@~/missing.wav\n@~/takes\n@"~/takes/odd tag.wav"\n@~/takes/notes.wav\n:quit\n'
    code, out = await run(settings, stdin, tmp_path / "db.sqlite3")
    assert code == 0
    assert f"There is no file at {tmp_path}/missing.wav." in out
    assert f"{folder} is a folder; give the path of an audio file." in out
    assert f"{folder}/odd tag.wav: That recording uses an audio encoding I can't decode." in out
    assert f"{folder}/notes.wav: That file doesn't look like audio" in out
    assert "voice message" not in out and "Traceback" not in out
    assert not SCORE.findall(out)

"""`rehearse` as a person at a terminal uses it: a real pseudo-terminal, pastes and Ctrl-C."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WAIT_S = 120  # a generous bound for slow shared machines; nothing here measures time


def _default_sigint() -> None:
    """Let the child take Ctrl-C even when the test runner was started with it ignored."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(tmp_path: Path, *args: str, stdin: int, stdout: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    for name in ("DISCORD_TOKEN", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "rehearse", *args],
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
        preexec_fn=_default_sigint,
    )


class Screen:
    """What a program wrote to a file descriptor, read as it arrives."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.text = ""
        self._seen = 0

    def wait_for(self, marker: str) -> str:
        """Read until ``marker`` appears after what was waited for before; return the text."""
        while marker not in self.text[self._seen :]:
            ready, _, _ = select.select([self.fd], [], [], WAIT_S)
            assert ready, f"no {marker!r} in:\n{self.text}"
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:  # the pseudo-terminal closed: the program ended
                chunk = b""
            assert chunk, f"ended before {marker!r}:\n{self.text}"
            self.text += chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")
        self._seen = self.text.index(marker, self._seen) + len(marker)
        return self.text


def stored_answers(database: Path) -> list[str]:
    with sqlite3.connect(database) as db:
        return [row[0] for row in db.execute("SELECT answer FROM turns ORDER BY id") if row[0]]


def test_at_a_terminal_a_pasted_answer_keeps_its_paragraphs(tmp_path: Path) -> None:
    database = tmp_path / "kept.sqlite3"
    master, slave = pty.openpty()
    proc = start(tmp_path, "--count", "3", "--db", str(database), stdin=slave, stdout=slave)
    os.close(slave)
    screen = Screen(master)
    try:
        screen.wait_for("a blank line or ':done'")
        screen.wait_for("\n> ")
        # A paste arrives all at once, blank line included; the person then presses Enter.
        os.write(master, b"I owned the checkout fix.\n\nAs a result errors fell 85 percent.\n")
        screen.wait_for("\n... ")
        os.write(master, b"\n")
        screen.wait_for("Score: ")
        screen.wait_for("\n> ")
        os.write(master, b"I profiled the service\nand batched the writes.\n:done\n")
        screen.wait_for("Score: ")
        screen.wait_for("\n> ")
        os.write(master, b":quit\n")
        screen.wait_for("== Session summary ==")
        assert proc.wait(WAIT_S) == 0
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    assert stored_answers(database) == [
        "I owned the checkout fix.\n\nAs a result errors fell 85 percent.",
        "I profiled the service\nand batched the writes.",
    ]


def test_ctrl_c_ends_with_the_summary_and_exit_code_130(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    proc = start(tmp_path, "--count", "3", stdin=subprocess.PIPE, stdout=write_end)
    os.close(write_end)
    screen = Screen(read_end)
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"We did it together, I think maybe it kind of worked.\n")
        proc.stdin.flush()
        screen.wait_for("Score: ")
        screen.wait_for("\n> ")  # waiting for the next answer, stdin still open
        proc.send_signal(signal.SIGINT)
        code = proc.wait(WAIT_S)
        screen.wait_for("== Session summary ==")
    finally:
        proc.kill()
        proc.wait()
        os.close(read_end)
    assert code == 130
    assert "Interrupted: the interview ends here." in screen.text
    summary = screen.text.split("== Session summary ==")[1]
    assert re.search(r"Questions answered: 1 ", summary)
    assert proc.stderr is not None and b"Traceback" not in proc.stderr.read()

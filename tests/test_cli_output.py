"""A closed standard output (`| head`) ends terminal commands quietly, like Unix tools."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.output import EXIT_OUTPUT_CLOSED, GuardedOutput, OutputClosed

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
ANSWER = "I led the migration of our billing service and cut failed payments by a third.\n"
NEGOTIATE = [
    "negotiate", "--db", ":memory:", "--role", "Engineer",
    "--offer", "100000", "--target", "120000", "--currency", "USD",
]  # fmt: skip


def test_a_write_to_a_closed_pipe_raises_output_closed() -> None:
    read, write = os.pipe()
    os.close(read)
    with os.fdopen(write, "w") as raw:
        out = GuardedOutput(raw)
        with pytest.raises(OutputClosed):
            out.write("x" * 100_000)
            out.flush()


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["rehearse", "--db", ":memory:"], ANSWER * 3),
        (
            ["evaluate", "--jsonl"],
            "".join(
                json.dumps({"id": i, "question": "Why?", "kind": "behavioral", "answer": ANSWER})
                + "\n"
                for i in range(40)
            ),
        ),
        (NEGOTIATE, "Thanks, could you do 125,000?\n" * 3),
    ],
    ids=["rehearse", "evaluate", "negotiate"],
)
def test_a_reader_that_went_away_ends_the_command_quietly(
    args: list[str], stdin: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["PYTHONPATH"] = str(ROOT)
    env["DATABASE_PATH"] = str(tmp_path / "t.sqlite3")
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written, as `| true` does
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin.encode(),
            stdout=write,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    err = done.stderr.decode()
    assert done.returncode == EXIT_OUTPUT_CLOSED, err
    for noise in ("Traceback", "BrokenPipeError", "Exception ignored", "Something"):
        assert noise not in err

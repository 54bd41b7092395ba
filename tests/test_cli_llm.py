"""`python -m bot evaluate` with model keys: the real SDKs talk to the loopback fake."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.llm_server import Behaviour, FakeLLMServer
from tests.llm.helpers import reply, scripted

ROOT = Path(__file__).resolve().parents[1]
ANSWER = "We talked about the plan and then we kind of started the migration with zero downtime."
SECRET = "sk-test-never-print-this-0123456789"


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLMServer]:
    server = FakeLLMServer()
    await server.start()
    yield server
    await server.stop()


async def evaluate(fake: FakeLLMServer, tmp_path: Path) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OPENAI_API_KEY": SECRET,
        "OPENAI_BASE_URL": fake.openai_base_url,
        "DATABASE_PATH": str(tmp_path / "x.sqlite3"),
    }
    env.pop("ANTHROPIC_API_KEY", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "evaluate",
        "--kind",
        "behavioral",
        "--level",
        "mid",
        "--question",
        "Tell me about a migration you led.",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    )
    out, err = await asyncio.wait_for(proc.communicate(ANSWER.encode()), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_evaluate_reports_llm_source_and_provider(
    fake_llm: FakeLLMServer, tmp_path: Path
) -> None:
    fake_llm.openai.default = Behaviour(text=scripted(reply()))
    code, out, err = await evaluate(fake_llm, tmp_path)
    assert code == 0, err
    data = json.loads(out)
    assert data["source"] == "llm" and data["provider"] == "openai"
    for finding in data["findings"]:
        ev = finding["evidence"]
        if not ev["absent"]:
            assert ANSWER[ev["start"] : ev["end"]] == ev["quote"]
    assert SECRET not in out and SECRET not in err


async def test_evaluate_falls_back_to_offline_when_provider_is_down(
    fake_llm: FakeLLMServer, tmp_path: Path
) -> None:
    fake_llm.openai.default = Behaviour(status=500)
    code, out, err = await evaluate(fake_llm, tmp_path)
    assert code == 0, err
    data = json.loads(out)
    assert data["source"] == "offline"
    assert data["fallback"]["gap"] == "unavailable" and data["fallback"]["note"]
    assert SECRET not in out and SECRET not in err


async def _read_until(stream: asyncio.StreamReader, marker: str) -> str:
    """Read the subprocess's output until ``marker`` appears (or it ends)."""
    seen = ""
    while marker not in seen:
        chunk = await asyncio.wait_for(stream.read(4096), 120)
        if not chunk:
            break
        seen += chunk.decode()
    return seen


async def rehearse(fake: FakeLLMServer, tmp_path: Path) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OPENAI_API_KEY": SECRET,
        "OPENAI_BASE_URL": fake.openai_base_url,
        "DATABASE_PATH": str(tmp_path / "r.sqlite3"),
    }
    env.pop("ANTHROPIC_API_KEY", None)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "rehearse",
        "--count",
        "2",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    )


async def test_rehearse_shows_rewrites_and_reevaluates_after_an_outage(
    fake_llm: FakeLLMServer, tmp_path: Path
) -> None:
    fake_llm.openai.default = Behaviour(status=500)
    proc = await rehearse(fake_llm, tmp_path)
    assert proc.stdin is not None and proc.stdout is not None
    await _read_until(proc.stdout, "> ")
    proc.stdin.write((ANSWER + "\n").encode())
    await proc.stdin.drain()
    first = await _read_until(proc.stdout, "\n> ")
    assert "Offline coach (the AI coach was unavailable)" in first
    assert "Note: " in first and "re-graded later" in first
    assert "Rewrite - " not in first
    # The model comes back: re-evaluate, then a new answer gets rewrites.
    fake_llm.openai.default = Behaviour(text=scripted(reply()))
    proc.stdin.write(f":reevaluate\n{ANSWER}\n:finish\n".encode())
    await proc.stdin.drain()
    proc.stdin.close()
    rest, err = await asyncio.wait_for(proc.communicate(), 120)
    out = rest.decode()
    assert proc.returncode == 0, err.decode()
    assert "Re-graded 1 answer(s) with the AI coach" in out
    assert re.search(r"Score \d+ -> \d+ \(", out)
    assert "Coached by OpenAI" in out
    assert "Rewrite - Minimal patch" in out and "Rewrite - Ideal answer" in out
    assert "est. 88/100" in out
    assert SECRET not in out and SECRET not in err.decode()

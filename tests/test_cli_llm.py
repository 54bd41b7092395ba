"""`python -m bot evaluate` with model keys: the real SDKs talk to the loopback fake."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.llm_server import Behaviour, FakeLLMServer
from tests.llm.test_llm_evaluator import reply, scripted

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
    assert data["llm_failed"] is True and data["note"]
    assert SECRET not in out and SECRET not in err

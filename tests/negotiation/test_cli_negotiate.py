"""`python -m bot negotiate` end to end: the conversation, the debrief, the --json shape,
bad input, and a negotiation cut short that resumes on the next run."""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.catalog import Language
from bot.cli.negotiate import add_command, negotiate
from bot.config import Settings
from bot.negotiation import NegotiationService, Speaker, Turn, Typed, default_currencies
from storage.db import Database
from storage.negotiations import SqliteNegotiationStore
from tests.fakes.clock import FixedClock

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = (
    "Thanks! Given I led the payments migration that cut latency by 40%, I'd like 143,500.\n"
    "Could you do 138k? I can start two weeks early.\n"
    "Deal, I accept.\n"
)


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Return settings with no model key: the offline recruiter plays."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "MOCKINGBIRD_MASTER_KEY"):
        monkeypatch.delenv(name, raising=False)
    return Settings(env_file=None)


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_command(parser.add_subparsers(dest="command"))
    return parser.parse_args(["negotiate", *argv])


BASE = ("--role", "Backend engineer", "--offer", "120k", "--target", "135k", "--currency", "USD")


async def run(settings: Settings, stdin: str, *argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = await negotiate(
        parse(*BASE, *argv), settings, stdin=io.BytesIO(stdin.encode()), out=out, interactive=False
    )
    return code, out.getvalue()


async def test_a_negotiation_in_the_terminal(settings: Settings) -> None:
    code, shown = await run(settings, SCRIPT, "--seed", "3", "--db", ":memory:")
    assert code == 0
    lines = shown.splitlines()
    assert lines[0].startswith("Salary negotiation for Backend engineer: offer $120,000")
    assert lines[1].startswith("Recruiter: ") and "$120,000" in lines[1]
    recruiter = [line for line in lines if line.startswith("Recruiter: ")]
    assert len(recruiter) == 4
    assert "Negotiation debrief: Backend engineer" in shown
    assert "could have gone up to" in shown and "Three tips" in shown
    assert "“I can start two weeks early.”" in shown


async def test_the_json_object_at_the_end(settings: Settings) -> None:
    code, shown = await run(settings, SCRIPT, "--seed", "3", "--db", ":memory:", "--json")
    assert code == 0
    data = json.loads(shown)  # nothing else was printed
    assert set(data) == {"turns", "budget", "final_offer", "scores", "left_on_table", "evidence"}
    assert [t["speaker"] for t in data["turns"]][:3] == ["recruiter", "candidate", "recruiter"]
    assert len(data["turns"]) == 7
    assert data["final_offer"] is not None and data["final_offer"] <= data["budget"]
    assert data["left_on_table"] == data["budget"] - data["final_offer"]
    assert 120_000 * 1.05 <= data["budget"] <= 120_000 * 1.2
    said = [t["text"] for t in data["turns"] if t["speaker"] == "candidate"]
    assert data["evidence"] and all(any(e["quote"] in s for s in said) for e in data["evidence"])
    again = json.loads(
        (await run(settings, SCRIPT, "--seed", "3", "--db", ":memory:", "--json"))[1]
    )
    assert again == data  # --seed makes it reproducible


async def test_the_end_of_input_stops_with_the_debrief(settings: Settings) -> None:
    code, shown = await run(settings, "What's your budget?\n", "--db", ":memory:", "--json")
    data = json.loads(shown)
    assert code == 0 and data["final_offer"] is None
    assert data["left_on_table"] == data["budget"] - 120_000
    assert str(data["budget"]) not in json.dumps(data["turns"])


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("--currency", "XYZ"), 'I don\'t know the currency "XYZ"'),
        (("--offer", "lots"), "isn't an amount I can read"),
        (("--target", "100k"), "isn't above the offer"),
        (("--offer", "120"), "doesn't look like a yearly base salary"),
        (("--style", "angry"), "isn't a recruiter style"),
    ],
)
async def test_bad_input_gets_a_clear_message(
    settings: Settings, argv: tuple[str, ...], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, shown = await run(settings, "", "--db", ":memory:", *argv)
    assert code == 2 and shown == ""
    assert says in capsys.readouterr().err


async def test_kept_negotiations_show_patterns_on_later_runs(
    settings: Settings, tmp_path: Path
) -> None:
    db = str(tmp_path / "kept.sqlite3")
    code, shown = await run(settings, "Sounds good, I accept.\n", "--seed", "3", "--db", db)
    assert code == 0 and "Kept in" in shown and "appear after your second one" in shown
    code, shown = await run(settings, "Sounds good, I accept.\n", "--seed", "4", "--db", db)
    assert code == 0 and "Continuing" not in shown
    assert "Across your last 2 negotiations" in shown
    assert "You accepted without naming a number in 2 of your last 2." in shown


async def test_a_negotiation_killed_mid_answer_resumes(settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite3"
    # A run that died after saving a message and before answering it.
    async with Database(path) as db:
        store = SqliteNegotiationStore(db)
        svc = NegotiationService(store, default_currencies(), clock=FixedClock())
        started = await svc.start(Typed("Backend engineer", "120k", "135k", "USD"), 0, None, seed=3)
        assert started.negotiation.id is not None
        await store.add_turn(
            started.negotiation.id, Turn(Speaker.CANDIDATE, "I'd like 140k, I have an offer.")
        )
    code, shown = await run(settings, "Deal.\n", "--db", str(path))
    assert code == 0
    lines = shown.splitlines()
    assert lines[0] == "Continuing your negotiation for Backend engineer where it stopped."
    recruiter = [line for line in lines if line.startswith("Recruiter: ")]
    assert len(recruiter) == 3  # the last line before the break, the pending answer, the deal
    assert "$140,000" in recruiter[1] and "You agreed on" in shown


def test_the_real_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["DATABASE_PATH"] = str(tmp_path / "cli.sqlite3")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "negotiate", *BASE, "--seed", "3", "--json"],
        input=SCRIPT,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["final_offer"] is not None and len(data["turns"]) == 7
    assert Language.EN.value == "en"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("--offer", "$100k", "--currency", "EUR", "--target", "120k"), "is written in USD"),
        (("--offer", "1억", "--target", "1억 2", "--currency", "KRW"), "more than one way"),
    ],
)
async def test_amounts_that_cannot_be_taken_as_typed_are_refused(
    settings: Settings, argv: tuple[str, ...], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, shown = await run(settings, "", "--db", ":memory:", *argv)
    assert code == 2 and shown == ""
    assert says in capsys.readouterr().err


async def _cut_short(path: Path) -> None:
    async with Database(path) as db:
        svc = NegotiationService(
            SqliteNegotiationStore(db), default_currencies(), clock=FixedClock()
        )
        await svc.start(Typed("Backend engineer", "120k", "135k", "USD"), 0, None, seed=3)


async def test_a_resumed_negotiation_says_it_keeps_its_own_terms(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "resume.sqlite3"
    await _cut_short(path)
    other = ("--role", "Designer", "--offer", "90k", "--target", "100k", "--currency", "EUR")
    out = io.StringIO()
    code = await negotiate(
        parse(*other, "--db", str(path)),
        settings,
        stdin=io.BytesIO(b"Deal.\n"),
        out=out,
        interactive=False,
    )
    shown = out.getvalue()
    assert code == 0
    assert "Continuing your negotiation for Backend engineer" in shown
    assert (
        "keeps its own terms (Backend engineer: offer $120,000, target $135,000, in USD)" in shown
    )
    assert "You agreed on $120,000" in shown
    # The same options again: no notice.
    await _cut_short(path)
    code, shown = await run(settings, "Deal.\n", "--db", str(path))
    assert code == 0 and "Continuing" in shown and "own terms" not in shown


async def test_new_ends_the_saved_negotiation_and_starts_with_the_options(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "new.sqlite3"
    await _cut_short(path)
    out = io.StringIO()
    other = ("--role", "Designer", "--offer", "90k", "--target", "100k", "--currency", "EUR")
    code = await negotiate(
        parse(*other, "--db", str(path), "--new"),
        settings,
        stdin=io.BytesIO(b"Deal.\n"),
        out=out,
        interactive=False,
    )
    shown = out.getvalue()
    assert code == 0
    assert shown.startswith("Ended your unfinished negotiation for Backend engineer")
    assert "Salary negotiation for Designer: offer €90,000" in shown
    assert "Continuing" not in shown


async def test_a_korean_negotiation_reaches_a_deal_in_korean_words(settings: Settings) -> None:
    script = (
        "좋은 제안 감사합니다. 시장 데이터와 제 경력을 고려하면 1억 2천을 희망합니다.\n"
        "받아들이겠습니다.\n"
    )
    out = io.StringIO()
    argv = ("--role", "백엔드 개발자", "--offer", "1억", "--target", "1억2천", "--currency", "KRW")
    code = await negotiate(
        parse(*argv, "--language", "ko", "--seed", "1", "--db", ":memory:", "--json"),
        settings,
        stdin=io.BytesIO(script.encode()),
        out=out,
        interactive=False,
    )
    data = json.loads(out.getvalue())
    assert code == 0
    assert len(data["turns"]) == 5  # offer, ask, counter, yes, the recruiter's close
    assert data["final_offer"] is not None and 100_000_000 < data["final_offer"] <= data["budget"]
    assert data["left_on_table"] == data["budget"] - data["final_offer"]

"""`python -m bot rehearse` and `evaluate` as a user runs them, through a pipe."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STRONG = (
    "Last year our checkout service kept timing out during sales, and as the on-call "
    "engineer I owned the fix. My task was to cut errors before Black Friday. I profiled the "
    "service, found an N+1 query, added a cache and batched the writes. I also wrote a "
    "runbook and taught two juniors to use it. As a result, p95 latency dropped from 900 ms "
    "to 120 ms and checkout errors fell by 85 percent."
)


def run_cli(*args: str, stdin: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "cli.sqlite3")}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )


def test_rehearse_from_a_pipe_prints_questions_scores_evidence_and_summary(
    tmp_path: Path,
) -> None:
    answers = "\n".join(
        [STRONG, "We did it together, I think maybe it kind of worked.", ":skip", STRONG] * 3
    )
    result = run_cli(
        "rehearse",
        "--kind",
        "behavioral",
        "--level",
        "mid",
        "--count",
        "3",
        stdin=answers + "\n",
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert re.search(r"^Q1/3 \[mid\] ", out, re.M)
    scores = [int(s) for s in re.findall(r"Score: (\d+)/100", out)]
    assert scores and all(0 <= s <= 100 for s in scores)
    assert "\u201c" in out  # quoted evidence
    assert "== Session summary ==" in out
    assert "Average score:" in out


def test_rehearse_ends_cleanly_when_stdin_closes_early(tmp_path: Path) -> None:
    result = run_cli(
        "rehearse",
        "--kind",
        "coding",
        "--level",
        "junior",
        stdin=STRONG + "\n",
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "== Session summary ==" in result.stdout
    assert "Traceback" not in result.stderr


def test_rehearse_empty_line_is_a_friendly_retry(tmp_path: Path) -> None:
    result = run_cli("rehearse", "--count", "1", stdin="\n" + STRONG + "\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "That answer was empty" in result.stdout
    assert len(re.findall(r"Score: \d+/100", result.stdout)) >= 1


def test_evaluate_prints_json_with_evidence(tmp_path: Path) -> None:
    answer = "We talked about the plan and I think maybe we kind of started the migration."
    result = run_cli(
        "evaluate",
        "--kind",
        "behavioral",
        "--level",
        "senior",
        "--question",
        "Tell me about a project you led.",
        stdin=answer,
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["source"] == "offline"
    assert 0 <= data["score"] <= 100
    assert set(data["dimensions"]) == {"structure", "depth", "communication", "seniority"}
    assert data["findings"]
    for finding in data["findings"]:
        ev = finding["evidence"]
        if not ev["absent"]:
            assert answer[ev["start"] : ev["end"]] == ev["quote"]
    assert any(f["rule_id"] == "structure.result_missing" for f in data["findings"])


def test_evaluate_jsonl_grades_every_line_and_survives_bad_ones(tmp_path: Path) -> None:
    good = {
        "id": "a1",
        "question": "Tell me about a project you are proud of.",
        "kind": "behavioral",
        "level": "mid",
        "answer": STRONG,
    }
    korean = {
        "id": 7,
        "question": "프로세스와 스레드의 차이를 설명해 주세요.",
        "kind": "technical",
        "level": "junior",
        "language": "ko",
        "answer": "프로세스는 독립된 메모리를 갖고 스레드는 힙을 공유합니다.",
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({"id": "bad-kind", **{k: v for k, v in good.items() if k != "id"}, "kind": "x"}),
        json.dumps(korean, ensure_ascii=False),
        json.dumps(
            {"id": "huge", **{k: v for k, v in good.items() if k != "id"}, "answer": "a" * 30_000}
        ),
    ]
    result = run_cli("evaluate", "--jsonl", stdin="\n".join(lines) + "\n", tmp_path=tmp_path)
    out = [json.loads(line) for line in result.stdout.splitlines()]

    assert result.returncode == 1  # some lines were malformed; the rest were graded
    assert [o.get("id") for o in out] == ["a1", None, "bad-kind", 7, "huge"]
    first, broken, wrong_kind, ko, huge = out
    assert set(first) >= {"id", "score", "dimensions", "findings", "on_topic"}
    assert first["score"] >= 60 and first["on_topic"]
    assert "error" in broken and broken["line"] == 2
    assert "kind" in wrong_kind["error"]
    assert ko["score"] > 0 and "error" not in ko
    assert "25,000" in huge["error"]


def test_evaluate_jsonl_grades_a_hundred_answers(tmp_path: Path) -> None:
    item = {"question": "Tell me about a project you led.", "kind": "behavioral", "answer": STRONG}
    lines = "".join(json.dumps({"id": i, **item}) + "\n" for i in range(100))
    result = run_cli("evaluate", "--jsonl", stdin=lines, tmp_path=tmp_path)
    out = [json.loads(line) for line in result.stdout.splitlines()]

    assert result.returncode == 0, result.stderr
    assert [o["id"] for o in out] == list(range(100))
    assert len({o["score"] for o in out}) == 1  # same answer, same grade


def test_evaluate_without_question_or_jsonl_says_what_it_needs(tmp_path: Path) -> None:
    result = run_cli("evaluate", stdin="an answer", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "--question" in result.stderr and "Traceback" not in result.stderr


def test_run_without_token_explains_what_to_do(tmp_path: Path) -> None:
    result = run_cli("run", stdin="", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN is not set" in result.stderr
    assert "rehearse" in result.stderr
    assert "Traceback" not in result.stderr


def _speech_env(tmp_path: Path) -> None:
    from tests.speech.helpers import espeak

    (tmp_path / "answer.wav").write_bytes(
        espeak("Um, I led the migration. As a result, errors fell by forty percent.")
    )


def run_speech_cli(*args: str, stdin: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "cli.sqlite3"), "WHISPER_MODEL": "tiny.en"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        timeout=300,
    )


def test_transcribe_json_has_words_timings_and_delivery(tmp_path: Path) -> None:
    _speech_env(tmp_path)
    result = run_speech_cli("transcribe", "answer.wav", "--json", stdin="", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "migration" in data["text"].lower()
    assert {"text", "words", "wpm", "fillers", "pauses"} <= set(data)
    starts = [w["start_ms"] for w in data["words"]]
    assert starts == sorted(starts) and all(w["end_ms"] >= w["start_ms"] for w in data["words"])
    assert data["wpm"] > 0


def test_transcribe_bad_file_is_a_friendly_error(tmp_path: Path) -> None:
    (tmp_path / "notes.wav").write_text("not audio at all")
    result = run_speech_cli("transcribe", "notes.wav", stdin="", tmp_path=tmp_path)
    assert result.returncode == 1
    assert "doesn't look like audio" in result.stderr
    assert "Traceback" not in result.stderr


def test_rehearse_accepts_a_recording_as_an_answer(tmp_path: Path) -> None:
    _speech_env(tmp_path)
    result = run_speech_cli("rehearse", "--count", "1", stdin="@answer.wav\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Transcript:" in result.stdout and "migration" in result.stdout.lower()
    assert "Delivery:" in result.stdout and "wpm" in result.stdout
    assert re.search(r"Score: \d+/100", result.stdout)


def test_rehearse_rewind_retries_a_question_and_shows_the_change(tmp_path: Path) -> None:
    weak = "We did it together, I think maybe it kind of worked."
    lines = [weak, ":rewind 9", ":rewind x", ":rewind 1", STRONG, ":finish"]
    result = run_cli("rehearse", "--count", "3", stdin="\n".join(lines) + "\n", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "There is no question 9" in out
    assert "Use ':rewind N'" in out
    assert re.search(r"^Rewind Q1 \(attempt 2; first attempt \d+/100\)", out, re.M)
    change = re.search(
        r"^Retry of Q1 \(attempt 2\):\n  Score (\d+) -> (\d+) \(([+-]\d+|±0)\)", out, re.M
    )
    assert change is not None
    before, after = int(change.group(1)), int(change.group(2))
    assert after > before
    assert re.search(r"^    Structure: \d+ -> \d+ \(", out, re.M)
    assert re.search(r"^  Fixed: .*\(structure\.\w+\)", out, re.M)
    assert "Back to: " in out
    # The retry is not part of the session: one graded answer, scored as first given.
    summary = out.split("== Session summary ==", 1)[1]
    assert "Questions answered: 1" in summary and f"Scores: {before}\n" in summary

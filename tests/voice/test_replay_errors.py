"""`voice replay` on broken captures: the right line, a plain message, a hint at a wrong key."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.speech.stt import Transcript
from bot.voice.capture import write_capture
from bot.voice.replay import replay_main
from bot.voice.transport import XCHACHA20
from bot.voice.types import Pcm16k
from tests.voice.packets import TEST_KEY, WRONG_KEY, make_stream, opus_frames, tone_pcm_48k

log = logging.getLogger(__name__)

HEADER = json.dumps({"mode": XCHACHA20, "secret_key": TEST_KEY.hex(), "ssrc_users": {"11": 7}})
GOOD_LINE = '{"t": 0, "packet": "00"}'


class DeafSTT:
    """A recogniser that hears nothing and counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    async def transcribe(self, audio: Pcm16k, language: str | None = None) -> Transcript:
        """Return an empty transcript."""
        self.calls += 1
        return Transcript("", (), language or "en", 0)


def replay(path: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = replay_main([str(path), *args], out, stt=DeafSTT())
    return code, out.getvalue()


@pytest.mark.parametrize("bad_time", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_time_that_is_not_a_finite_number_is_reported_on_its_line(
    tmp_path: Path, bad_time: str
) -> None:
    path = tmp_path / "capture.jsonl"
    path.write_text(f'{HEADER}\n{GOOD_LINE}\n{{"t": {bad_time}, "packet": "00"}}\n')
    code, message = replay(path)
    assert code == 2
    assert "line 3" in message and "t must be a non-negative number" in message


def test_a_bad_byte_is_reported_on_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    lines = [HEADER.encode()] + [GOOD_LINE.encode()] * 5 + [b'{"t": 1, "packet": "\xff"}']
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, message = replay(path)
    assert code == 2
    assert "line 7" in message and "not UTF-8" in message


def test_a_bad_byte_in_the_header_is_line_1(tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    path.write_bytes(b'{"mode": "\xff"}\n')
    code, message = replay(path)
    assert code == 2 and "line 1" in message


@pytest.mark.parametrize("make", ["missing", "folder"])
def test_a_file_that_cannot_be_opened_names_it_without_a_line(tmp_path: Path, make: str) -> None:
    path = tmp_path / "capture.jsonl"
    if make == "folder":
        path.mkdir()
    code, message = replay(path)
    assert code == 2
    assert f"I couldn't open the voice capture {path}:" in message
    assert "line" not in message


def test_a_wrong_key_is_named_as_the_likely_cause(tmp_path: Path) -> None:
    frames = opus_frames(tone_pcm_48k(440.0, 400))
    packets = make_stream(frames, ssrc=11, key=WRONG_KEY)
    path = write_capture(
        tmp_path / "capture.jsonl",
        mode=XCHACHA20,
        secret_key=TEST_KEY,
        ssrc_users={11: 7},
        packets=((i * 20.0, p) for i, p in enumerate(packets)),
    )
    code, text = replay(path)
    assert code == 0
    assert "No turns were heard." in text
    assert f"{len(packets)} of {len(packets)} packets failed to decrypt" in text
    assert "secret_key" in text
    code, raw = replay(path, "--json")
    data = json.loads(raw)
    assert code == 0 and data["users"] == {}
    assert len(data["warnings"]) == 1 and "secret_key" in data["warnings"][0]


def test_the_right_key_gives_no_warning(tmp_path: Path) -> None:
    frames = opus_frames(tone_pcm_48k(440.0, 400))
    path = write_capture(
        tmp_path / "capture.jsonl",
        mode=XCHACHA20,
        secret_key=TEST_KEY,
        ssrc_users={11: 7},
        packets=((i * 20.0, p) for i, p in enumerate(make_stream(frames, ssrc=11))),
    )
    code, raw = replay(path, "--json")
    assert code == 0 and json.loads(raw)["warnings"] == []


async def test_the_default_model_follows_whisper_model(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "500")  # no wrapping inside the help line
    monkeypatch.setenv("WHISPER_MODEL", "small.en")
    assert await main(["voice", "replay", "--help"]) == 0
    assert "default small.en" in capsys.readouterr().out
    monkeypatch.delenv("WHISPER_MODEL")
    assert await main(["voice", "replay", "--help"]) == 0
    assert "default tiny.en" in capsys.readouterr().out

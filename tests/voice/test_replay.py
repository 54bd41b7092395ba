"""Replay a forged capture (real Opus in real encrypted RTP) through turns and tiny.en."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import pytest

from bot.speech.stt import Transcript, WhisperSTT
from bot.voice.capture import write_capture
from bot.voice.replay import ReplayResult, replay_capture, replay_main
from bot.voice.transport import XCHACHA20
from bot.voice.types import Pcm16k
from tests.speech.helpers import normalised_words
from tests.voice.packets import TEST_KEY, make_stream, opus_frames, speech_pcm_48k

log = logging.getLogger(__name__)

ALICE, BOB = 1001, 2002
ALICE_SSRC, BOB_SSRC = 11, 22


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forge a capture: Alice speaks, stops; Bob speaks later; with reordering and a duplicate."""
    alice_frames = opus_frames(speech_pcm_48k("The billing system moved over one weekend."))
    bob_frames = opus_frames(speech_pcm_48k("Every night a job compared the invoices."))
    alice = make_stream(alice_frames, ssrc=ALICE_SSRC, seq0=65_500, ext_words=1)
    bob = make_stream(bob_frames, ssrc=BOB_SSRC, seq0=7, ts0=123_456, ext_words=3)
    # Bob starts after Alice has been quiet (no packets) for a while.
    bob_start = len(alice) * 20 + 1500
    timeline = [(index * 20.0, packet) for index, packet in enumerate(alice)]
    timeline += [(bob_start + index * 20.0, packet) for index, packet in enumerate(bob)]
    timeline.sort(key=lambda item: item[0])
    packets = [packet for _, packet in timeline]
    times = [t for t, _ in timeline]
    # Reordering: two of Alice's packets (across the sequence wrap) arrive swapped.
    packets[40], packets[41] = packets[41], packets[40]
    # A duplicate of one of Bob's packets arrives 10 ms after the original.
    duplicate_at = len(alice) + 30
    packets.insert(duplicate_at + 1, packets[duplicate_at])
    times.insert(duplicate_at + 1, times[duplicate_at] + 10)
    path = tmp_path_factory.mktemp("replay") / "two_users.jsonl"
    return write_capture(
        path,
        mode=XCHACHA20,
        secret_key=TEST_KEY,
        ssrc_users={ALICE_SSRC: ALICE, BOB_SSRC: BOB},
        packets=zip(times, packets, strict=True),
    )


def test_text_output_has_both_users_words_and_the_counters(
    capture: Path, whisper: WhisperSTT
) -> None:
    out = io.StringIO()
    assert replay_main([str(capture)], out, stt=whisper) == 0
    text = out.getvalue()
    alice_part, bob_part = text.split(f"User {BOB}")
    assert f"User {ALICE}: 1 turn" in alice_part
    assert {"billing", "weekend"} <= set(normalised_words(alice_part))
    assert {"night", "invoices"} <= set(normalised_words(bob_part.split("Packets:")[0]))
    assert "Packets:" in text and "duplicates 1" in text


def test_json_output_has_the_documented_shape(capture: Path, whisper: WhisperSTT) -> None:
    out = io.StringIO()
    assert replay_main([str(capture), "--json"], out, stt=whisper) == 0
    data = json.loads(out.getvalue())
    assert set(data) == {"users", "stats", "warnings"}
    assert data["warnings"] == []
    assert set(data["users"]) == {str(ALICE), str(BOB)}
    [alice], [bob] = data["users"][str(ALICE)], data["users"][str(BOB)]
    assert set(alice) == {"start_ms", "end_ms", "text"}
    assert "billing" in normalised_words(alice["text"])
    assert "invoices" in normalised_words(bob["text"])
    assert alice["end_ms"] < bob["start_ms"]
    stats = data["stats"]
    assert stats["users"][str(BOB)]["duplicates"] == 1
    assert stats["users"][str(ALICE)]["decoded_frames"] > 100
    assert stats["malformed"] == 0 and stats["users"][str(ALICE)]["transport_failures"] == 0


class SilentSTT:
    """A recogniser that hears nothing (for checks that need no real speech recognition)."""

    def __init__(self) -> None:
        self.calls = 0

    async def transcribe(self, audio: Pcm16k, language: str | None = None) -> Transcript:
        """Return an empty transcript."""
        self.calls += 1
        return Transcript("", (), language or "en", 0)


async def test_turn_times_follow_the_capture_clock(capture: Path) -> None:
    stt = SilentSTT()
    result = await replay_capture(capture, stt)
    assert isinstance(result, ReplayResult)
    grouped = result.by_user()
    assert sorted(grouped) == [ALICE, BOB] and stt.calls == 2
    [alice], [bob] = grouped[ALICE], grouped[BOB]
    # Bob's first packet arrives 1.5 s after Alice's last one.
    assert bob.start_ms - alice.end_ms >= 1500
    assert result.stats.for_user(ALICE).late == 0  # the swapped pair was reordered, not lost


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "line 1"),
        ("not json\n", "line 1"),
        (
            json.dumps({"mode": XCHACHA20, "secret_key": TEST_KEY.hex(), "ssrc_users": {}})
            + '\n{"t": 0, "packet": "00"}\n{"t": 20, "packet": "zz"}\n',
            "line 3",
        ),
    ],
)
def test_a_broken_capture_exits_2_with_a_message(
    tmp_path: Path, content: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text(content, encoding="utf-8")
    out = io.StringIO()
    assert replay_main([str(path)], out, stt=SilentSTT()) == 2
    message = out.getvalue()
    assert "broken" in message and expected in message
    assert "Traceback" not in message + capsys.readouterr().err


def test_a_missing_capture_exits_2(tmp_path: Path) -> None:
    out = io.StringIO()
    code = replay_main([str(tmp_path / "nope.jsonl")], out, stt=SilentSTT())
    assert code == 2 and "nope.jsonl" in out.getvalue()

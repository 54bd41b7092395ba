"""Sentence-by-sentence playback: splitting, pipelining and interruption."""

from __future__ import annotations

import asyncio

from bot.speech.errors import SynthesisError
from bot.voice.playback import SentenceSpeaker, split_sentences


class _Audio:
    def __init__(self, text: str) -> None:
        self.text = text

    def pcm_48k_stereo(self) -> bytes:
        return self.text.encode()


class _TTS:
    def __init__(self, fail_on: str | None = None) -> None:
        self.calls: list[str] = []
        self.fail_on = fail_on

    async def synthesize(self, text: str, language: str = "en") -> _Audio:
        self.calls.append(text)
        if self.fail_on and self.fail_on in text:
            raise SynthesisError("no voice")
        return _Audio(text)


def test_sentences_split_merge_short_fragments_and_break_long_ones() -> None:
    text = "Okay. Tell me about a time you led a project. What was the result?"
    assert split_sentences(text) == [
        "Okay. Tell me about a time you led a project.",
        "What was the result?",
    ]
    long = "word " * 120
    parts = split_sentences(long, max_chars=100)
    assert all(len(p) <= 100 for p in parts)
    assert " ".join(parts).split() == long.split()
    assert split_sentences("프로젝트를 설명해 주세요. 결과는 무엇이었나요?") == [
        "프로젝트를 설명해 주세요.",
        "결과는 무엇이었나요?",
    ]
    assert split_sentences("  \n ") == []


async def test_speaks_every_sentence_in_order_and_skips_one_that_fails() -> None:
    played: list[bytes] = []

    async def play(pcm: bytes) -> bool:
        played.append(pcm)
        return True

    speaker = SentenceSpeaker(_TTS(fail_on="broken"), play, lambda: None)
    finished = await speaker.speak("First sentence here. A broken one here. Last sentence here.")
    assert finished is True
    assert played == [b"First sentence here.", b"Last sentence here."]


async def test_interrupt_stops_playback_and_drops_the_rest() -> None:
    played: list[bytes] = []
    stopped: list[bool] = []
    release = asyncio.Event()
    started = asyncio.Event()

    async def play(pcm: bytes) -> bool:
        played.append(pcm)
        started.set()
        await release.wait()
        return not stopped

    speaker: SentenceSpeaker

    def stop() -> None:
        stopped.append(True)
        release.set()

    tts = _TTS()
    speaker = SentenceSpeaker(tts, play, stop)
    task = asyncio.create_task(speaker.speak("One sentence long. Two sentence long. Three too."))
    await started.wait()
    speaker.interrupt()
    assert await task is False
    assert played == [b"One sentence long."]
    assert stopped == [True]
    # A later question is spoken normally.
    stopped.clear()
    release.set()
    assert await speaker.speak("Next question please.") is True

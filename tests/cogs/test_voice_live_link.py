"""`/voice interview` through py-cord and the Discord fake with the REAL DiscordVoiceLink.

The link runs on the stand-in voice client of ``tests/voice/test_discord_link.py``: forged,
encrypted Opus packets of espeak-ng speech go in through its socket listener, the real
receive path, turn-taking and sentence playback run, and a scripted recogniser stands in
for Whisper so the flow stays fast and deterministic (the receiver runs on a hand-moved
clock). One test uses the real offline tiny.en model instead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import numpy as np
import pytest
from discord_harness import FakeDiscord, Harness, harness

from bot.catalog import Language
from bot.copy import text
from bot.discord_app import MockingbirdBot, intents
from bot.interview.engine import InterviewEngine
from bot.speech.stt import SpeechToText, Transcript, WhisperSTT
from bot.voice.coach import VoiceCoach
from bot.voice.discord_link import DiscordVoiceLink
from bot.voice.playback import split_sentences
from bot.voice.receive import VoiceReceiver
from cogs.interview import InterviewCog
from cogs.voice import VoiceCog
from storage.db import Database
from storage.rounds import SqliteRoundStore
from storage.sessions import SqliteSessionStore
from tests.fakes.evaluator import ScriptedEvaluator, make_bank
from tests.voice.doubles import (
    SETTINGS,
    FakeClock,
    FakeConnectionState,
    FakeVoiceClient,
    send_paced,
)
from tests.voice.packets import make_stream, opus_frames, speech_pcm_48k

log = logging.getLogger(__name__)

Json = dict[str, Any]
CONSENT_NOTICE = text("voice.spoken.consent")
ALICE_SSRC, BOB_SSRC = 11, 22
ANSWER = "great answer: I led the migration to the new billing system"
PCM_PER_SENTENCE = 3840 * 5


class RecordingTTS:
    """Synthesis double: records every sentence and its language, returns 100 ms of PCM."""

    def __init__(self) -> None:
        self.sentences: list[tuple[str, str]] = []

    async def synthesize(self, text: str, language: str = "en") -> Any:
        self.sentences.append((text, language))
        return SimpleNamespace(pcm_48k_stereo=lambda: b"\x01\x00" * (PCM_PER_SENTENCE // 2))

    def said(self, text: str) -> bool:
        """Tell whether every sentence of ``text`` was synthesised."""
        spoken = [s for s, _ in self.sentences]
        return all(sentence in spoken for sentence in split_sentences(text))


class AnswerSTT:
    """Recognition double: audio with a voice in it reads as ``text``; silence as nothing."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls: list[tuple[float, str | None]] = []

    async def transcribe(self, audio: Any, language: str | None = None) -> Transcript:
        self.calls.append((len(audio) / 16_000, language))
        voiced = len(audio) >= 8_000 and float(np.max(np.abs(audio))) > 0.05
        text = self.text if voiced else ""
        return Transcript(
            text=text, words=(), language=language or "en", duration_ms=len(audio) // 16
        )


class LiveConnector:
    """A VoiceConnector double handing out the real DiscordVoiceLink on a stand-in client."""

    def __init__(self, h: Harness, stt: SpeechToText, tts: RecordingTTS) -> None:
        self.h = h
        self.stt = stt
        self.tts = tts
        self.clock = FakeClock()
        self.ssrcs: dict[int, int] = {}
        self.clients: list[FakeVoiceClient] = []
        self.links: list[DiscordVoiceLink] = []

    async def connect(
        self, guild_id: int, channel_id: int, language: Language = Language.EN
    ) -> DiscordVoiceLink:
        """Join (in the fake world) and return a started real link."""
        guild = self.h.bot.get_guild(guild_id)
        assert guild is not None
        channel = guild.get_channel(channel_id)
        state = FakeConnectionState()
        state._ssrcs = dict(self.ssrcs)
        vc = FakeVoiceClient(state, [], channel=channel)
        vc.user = self.h.bot.user
        vc.client = self.h.bot  # type: ignore[attr-defined]
        # py-cord's connect puts the bot in the channel: Discord echoes its voice state.
        self.h.feed(
            "VOICE_STATE_UPDATE",
            self.h.fake.set_voice_state(guild_id, self.h.fake.bot_user, channel_id),
        )
        link = DiscordVoiceLink(
            vc,  # type: ignore[arg-type]
            stt=self.stt,
            tts=self.tts,
            settings=SETTINGS,
            receiver_factory=VoiceReceiver,
            clock=self.clock,
        )
        link.start()
        self.clients.append(vc)
        self.links.append(link)
        return link

    @property
    def vc(self) -> FakeVoiceClient:
        """Return the newest stand-in voice client."""
        return self.clients[-1]

    @property
    def state(self) -> FakeConnectionState:
        """Return the newest stand-in connection state (its socket listeners)."""
        state: FakeConnectionState = self.vc._connection
        return state


class Live:
    """Everything one test needs: harness, engine, coach, the live connector."""

    def __init__(
        self,
        h: Harness,
        evaluator: ScriptedEvaluator,
        coach: VoiceCoach,
        connector: LiveConnector,
        voice_id: int,
    ) -> None:
        self.h = h
        self.evaluator = evaluator
        self.coach = coach
        self.connector = connector
        self.voice_id = voice_id

    @property
    def fake(self) -> FakeDiscord:
        return self.h.fake

    def uid(self, user: Json) -> int:
        return int(user["id"])

    def thread_id(self) -> int:
        threads = self.fake.threads_of(self.h.channel_id)
        assert threads
        return int(threads[-1]["id"])

    def bot_messages(self) -> list[Json]:
        bot_id = int(self.fake.bot_user["id"])
        return [
            m for m in self.fake.messages_in(self.thread_id()) if int(m["author"]["id"]) == bot_id
        ]

    def texts(self) -> list[str]:
        return [m.get("content") or "" for m in self.bot_messages()]

    def embeds(self) -> list[Json]:
        return [e for m in self.bot_messages() for e in m.get("embeds") or []]

    def question(self, number: int, of: int) -> str | None:
        title = f"Question {number} of {of}"
        found = next((e for e in self.embeds() if e.get("title") == title), None)
        return None if found is None else str(found["description"])

    def notice(self) -> Json:
        return next(m for m in self.bot_messages() if m.get("components"))

    def last_ephemeral(self) -> str:
        bodies = self.fake.bodies_to("POST", "/webhooks/{application_id}/{interaction_token}")
        return str((bodies[-1] or {}).get("content") or "")

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Let the bot and the voice threads run until ``condition`` holds."""
        for _ in range(1500):
            await self.h.settle()
            if condition():
                return
            await asyncio.sleep(0.01)
        run = self.coach.active(self.h.guild_id)
        raise AssertionError(
            f"never happened: {what}; thread: {self.texts()!r}; last private reply: "
            f"{self.last_ephemeral()!r}; run: {run and run.round.participants!r}"
        )


@pytest.fixture(scope="module")
def packets() -> dict[str, list[bytes]]:
    """Forge the candidate's spoken answer and a bystander's voice as encrypted RTP."""
    speech = opus_frames(speech_pcm_48k("I led the migration to the new billing system."))
    other = opus_frames(speech_pcm_48k("Is this thing on? I am just sitting here."))
    return {
        "alice": make_stream(speech, ssrc=ALICE_SSRC),
        "alice_again": make_stream(speech, ssrc=ALICE_SSRC, seq0=3000, ts0=900_000),
        "bob": make_stream(other, ssrc=BOB_SSRC),
    }


@pytest.fixture
async def live(tmp_path: Path, discord_fake: FakeDiscord) -> AsyncIterator[Live]:
    db = await Database(tmp_path / "live.sqlite3").open()
    evaluator = ScriptedEvaluator()
    engine = InterviewEngine(SqliteSessionStore(db), make_bank(), evaluator)
    bot = MockingbirdBot(intents=intents())
    try:
        async with harness(bot, discord_fake) as h:
            connector = LiveConnector(h, AnswerSTT(ANSWER), RecordingTTS())
            connector.ssrcs = {int(h.alice["id"]): ALICE_SSRC, int(h.bob["id"]): BOB_SSRC}
            coach = VoiceCoach(
                engine, connector, SqliteRoundStore(db), turn_timeout_s=30.0, stop_wait_s=10.0
            )
            bot.add_cog(InterviewCog(bot, engine))
            bot.add_cog(VoiceCog(bot, coach))
            # The voice run, the link's clocks and waits, and the receiver's tick live on.
            h.ignore_tasks.append(lambda t: t.get_name().startswith(("mb-voice", "mb-round")))
            h.ignore_tasks.append(lambda t: t.get_name() == "voice-receive-tick")
            voice_id = await h.add_voice_channel("Practice room")
            yield Live(h, evaluator, coach, connector, voice_id)
            await coach.shutdown()
    finally:
        await db.close()


async def test_voice_interview_end_to_end_over_the_real_link(
    live: Live, packets: dict[str, list[bytes]]
) -> None:
    h, connector = live.h, live.connector
    alice, bob = live.uid(h.alice), live.uid(h.bob)
    await h.join_voice(h.alice, live.voice_id)
    await h.join_voice(h.bob, live.voice_id)
    await h.slash("voice", "interview", options={"questions": 2})
    assert "I joined <#" in live.last_ephemeral()
    link, vc, tts = connector.links[-1], connector.vc, connector.tts
    # The bot in the channel is not a person; the people come from voice states.
    assert link.member_ids() == {alice, bob}

    # Before consent: the notice is posted and spoken, and nobody is decoded.
    await live.until(lambda: bool(vc.played), "the consent notice plays")
    assert split_sentences(CONSENT_NOTICE)[0] in [s for s, _ in tts.sentences]
    send_paced(connector.state, connector.clock, packets["alice"][:50])
    await live.until(lambda: link.diagnostics().stats.packets >= 50, "packets reach the link")
    early = link.diagnostics().stats.users[alice]
    assert early.dropped_no_consent == 50 and early.decoded_frames == 0

    await h.click(live.notice(), label="Consent", user=h.alice)
    assert "listening to you now" in live.last_ephemeral()
    await live.until(lambda: live.question(1, 2) is not None, "question 1 is posted")
    first = live.question(1, 2)
    assert first is not None
    await live.until(lambda: tts.said(first), "question 1 is spoken")
    assert all(len(pcm) >= PCM_PER_SENTENCE for pcm in vc.played)
    assert link.diagnostics().listening_to == (alice,)
    assert any("Listening to: **Alice**" in t for t in live.texts())

    # Bob talks too (he never consented), then Alice answers and falls silent.
    played = len(vc.played)
    send_paced(connector.state, connector.clock, packets["bob"])
    send_paced(connector.state, connector.clock, packets["alice"])
    connector.clock.advance(3.0)
    await live.until(
        lambda: any(t.startswith("**Score 92/100**") for t in live.texts()), "graded feedback"
    )
    assert live.evaluator.calls == [ANSWER]
    await live.until(lambda: live.question(2, 2) is not None, "question 2 is posted")
    second = live.question(2, 2)
    assert second is not None
    await live.until(lambda: tts.said(second), "question 2 is spoken")
    assert len(vc.played) > played

    stats = link.diagnostics().stats
    assert stats.users[bob].dropped_no_consent == len(packets["bob"])
    assert stats.users[bob].decoded_frames == 0 and stats.users[bob].transport_failures == 0
    assert stats.users[alice].decoded_frames > 0
    assert connector.stt.calls and all(lang == "en" for _, lang in connector.stt.calls)
    assert {lang for _, lang in tts.sentences} == {"en"}

    # The second answer ends the interview; the link is closed and the bot leaves.
    send_paced(connector.state, connector.clock, packets["alice_again"])
    connector.clock.advance(3.0)
    await live.until(lambda: live.coach.active(h.guild_id) is None, "the interview ends")
    assert live.evaluator.calls == [ANSWER, ANSWER]
    assert vc.disconnected == 1 and connector.state.listeners == []
    assert link.diagnostics().listening_to == ()


async def test_people_in_the_channel_come_from_voice_states_not_the_member_cache(
    live: Live,
) -> None:
    h, connector = live.h, live.connector
    alice, bob = live.uid(h.alice), live.uid(h.bob)
    await h.join_voice(h.alice, live.voice_id)
    await h.join_voice(h.bob, live.voice_id)
    await h.slash("voice", "interview", options={"questions": 1})
    link = connector.links[-1]
    # Without the members intent py-cord caches nobody but itself at start-up (see
    # Guild._from_data): someone already sitting in voice then has a voice state only.
    guild = h.guild
    bob_member = guild.get_member(bob)
    assert bob_member is not None
    guild._remove_member(bob_member)
    channel = guild.get_channel(live.voice_id)
    assert isinstance(channel, discord.VoiceChannel)
    assert {m.id for m in channel.members} == {alice, live.uid(live.fake.bot_user)}
    assert link.member_ids() == {alice, bob}
    await h.leave_voice(h.alice)
    assert link.member_ids() == {bob}
    # Alice left before consenting; Bob is still there, so nothing ends yet.
    assert live.coach.active(h.guild_id) is not None


async def test_bot_moved_away_ends_the_session_and_leaves(live: Live) -> None:
    h, connector = live.h, live.connector
    await h.join_voice(h.alice, live.voice_id)
    await h.slash("voice", "interview", options={"questions": 1})
    await h.click(live.notice(), label="Consent", user=h.alice)
    await live.until(lambda: live.question(1, 1) is not None, "question 1 is posted")
    elsewhere = await h.add_voice_channel("Other room")
    await h.join_voice(live.fake.bot_user, elsewhere)
    await live.until(lambda: live.coach.active(h.guild_id) is None, "the session ends")
    assert connector.vc.disconnected == 1 and connector.state.listeners == []
    assert any("disconnected from the voice channel" in t for t in live.texts())


async def test_real_recognition_of_the_forged_answer_reaches_the_grader(
    live: Live, packets: dict[str, list[bytes]], whisper: WhisperSTT
) -> None:
    h, connector = live.h, live.connector
    connector.stt = whisper
    await h.join_voice(h.alice, live.voice_id)
    await h.slash("voice", "interview", options={"questions": 2})
    await h.click(live.notice(), label="Consent", user=h.alice)
    await live.until(lambda: live.question(1, 2) is not None, "question 1 is posted")
    first = live.question(1, 2)
    assert first is not None
    await live.until(lambda: connector.tts.said(first), "question 1 is spoken")
    send_paced(connector.state, connector.clock, packets["alice"])
    connector.clock.advance(3.0)
    await live.until(lambda: bool(live.evaluator.calls), "the answer is graded")
    heard = live.evaluator.calls[0].lower()
    assert "migration" in heard and "billing" in heard
    await live.until(lambda: live.question(2, 2) is not None, "question 2 is posted")

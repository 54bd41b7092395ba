"""A bot logged in to the Discord fake whose voice joins go to the loopback voice server."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import numpy as np
import pytest
from discord_harness import FakeDiscord, Harness, harness

from bot.config import VoiceSettings
from bot.discord_app import MockingbirdBot, intents
from bot.speech.stt import Transcript
from bot.voice.discord_link import DiscordVoiceConnector, DiscordVoiceLink
from bot.voice.receive import GuardedVoiceClient

from ..doubles import SilentTTS
from .gateway import MainGatewayStandIn
from .server import LoopbackVoiceServer

log = logging.getLogger(__name__)

SETTINGS = VoiceSettings(voice_end_silence_min_ms=500, voice_end_silence_max_ms=1000)


class LoudnessSTT:
    """Recognition double: audio with a voice in it reads as "words <seconds>", silence as ""."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def transcribe(self, audio: Any, language: str | None = None) -> Transcript:
        seconds = len(audio) / 16_000
        self.calls.append(seconds)
        voiced = len(audio) >= 4_000 and float(np.max(np.abs(audio))) > 0.05
        return Transcript(
            text=f"words {seconds:.1f}." if voiced else "",
            words=(),
            language=language or "en",
            duration_ms=len(audio) // 16,
        )


@dataclass
class Call:
    """A bot in a voice channel served by the loopback voice server."""

    h: Harness
    server: LoopbackVoiceServer
    gateway: MainGatewayStandIn
    voice_id: int
    stt: LoudnessSTT
    keepalive_interval_s: float
    links: list[DiscordVoiceLink] = field(default_factory=list)

    def uid(self, user: dict[str, Any]) -> int:
        """Return a raw user's id."""
        return int(user["id"])

    async def join(self) -> DiscordVoiceLink:
        """Join through the production connector: py-cord's real handshake, the real link."""
        connector = DiscordVoiceConnector(
            self.h.bot,
            stt=self.stt,
            tts=SilentTTS(),  # type: ignore[arg-type]
            settings=SETTINGS,
            keepalive_interval_s=self.keepalive_interval_s,
        )
        link = await connector.connect(self.h.guild_id, self.voice_id)
        assert isinstance(link, DiscordVoiceLink)
        self.links.append(link)
        return link

    @property
    def voice_client(self) -> GuardedVoiceClient:
        """Return py-cord's voice client of the harness guild."""
        client = self.h.guild.voice_client
        assert isinstance(client, GuardedVoiceClient)
        return client

    async def until(self, condition: Callable[[], bool], what: str, limit_s: float = 20.0) -> None:
        """Wait until ``condition()`` holds."""
        await self.server.wait_for(condition, limit_s, what)


@pytest.fixture
async def call(discord_fake: FakeDiscord) -> AsyncIterator[Call]:
    """Yield a logged-in bot, a voice channel with Alice and Bob, and the voice server."""
    server = LoopbackVoiceServer()
    await server.start()
    connector = aiohttp.TCPConnector(ssl=server.tls.client_context())
    bot = MockingbirdBot(intents=intents(), connector=connector)
    try:
        async with harness(bot, discord_fake) as h:
            # Voice connections, heartbeats, the receiver's clocks and the keepalive live on.
            h.ignore_tasks.append(lambda t: "voice" in t.get_name())
            h.ignore_tasks.append(lambda t: t.get_name().startswith(("mb-", "Task-")))
            gateway = MainGatewayStandIn(h, server)
            bot.ws = gateway  # type: ignore[assignment]
            voice_id = await h.add_voice_channel("Practice room")
            await h.join_voice(h.alice, voice_id)
            await h.join_voice(h.bob, voice_id)
            call = Call(h, server, gateway, voice_id, LoudnessSTT(), keepalive_interval_s=0.05)
            try:
                yield call
            finally:
                for link in call.links:
                    await link.close()
                await asyncio.sleep(0)
    finally:
        await server.close()

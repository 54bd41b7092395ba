"""The main-gateway half of joining voice: answer op 4 with VOICE_STATE/SERVER_UPDATE.

py-cord joins a channel by sending op 4 VOICE_STATE_UPDATE on the main gateway and waiting
for Discord's two dispatches; this stand-in (set as ``bot.ws``) answers the way Discord does,
feeding raw payloads through py-cord's own parsers, with the loopback server as the endpoint.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from .server import LoopbackVoiceServer

log = logging.getLogger(__name__)


@dataclass
class MainGatewayStandIn:
    """What ``Guild.change_voice_state`` talks to: records op 4 and answers it."""

    harness: Any
    server: LoopbackVoiceServer
    requests: list[tuple[int, int | None]] = field(default_factory=list)
    open: bool = False  # Client.close() closes an open gateway; there is none

    async def voice_state(
        self,
        guild_id: int,
        channel_id: int | None,
        self_mute: bool = False,
        self_deaf: bool = False,
    ) -> None:
        """Record the request; Discord answers asynchronously, so do the same."""
        del self_mute, self_deaf
        self.requests.append((guild_id, channel_id))
        asyncio.get_running_loop().call_soon(self._answer, guild_id, channel_id)

    def _answer(self, guild_id: int, channel_id: int | None) -> None:
        h = self.harness
        state = h.fake.set_voice_state(guild_id, h.fake.bot_user, channel_id)
        h.feed("VOICE_STATE_UPDATE", state)
        if channel_id is not None:
            h.feed(
                "VOICE_SERVER_UPDATE",
                {
                    "token": self.server.token,
                    "guild_id": str(guild_id),
                    "endpoint": self.server.endpoint,
                },
            )

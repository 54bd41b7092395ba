"""A loopback Discord voice server (voice gateway v8 + UDP) for py-cord's real VoiceClient."""

from __future__ import annotations

import logging

from .gateway import MainGatewayStandIn
from .server import Keepalive, LoopbackVoiceServer, Speaker

log = logging.getLogger(__name__)

__all__ = ["Keepalive", "LoopbackVoiceServer", "MainGatewayStandIn", "Speaker"]

"""A loopback Discord voice server: voice gateway v8 over wss:// and a UDP media endpoint.

It speaks to py-cord's real ``VoiceClient`` the way Discord's voice servers do:

websocket (TLS, ``wss://127.0.0.1:<port>/?v=8``)
    server: op 8 HELLO on connect; client: op 0 IDENTIFY -> server: op 2 READY (ssrc, ip,
    port, modes); the client runs IP discovery over UDP, then op 1 SELECT_PROTOCOL -> server:
    op 4 SESSION_DESCRIPTION (mode, secret key, dave_protocol_version). op 3 HEARTBEAT ->
    op 6 HEARTBEAT_ACK; op 7 RESUME -> op 9 RESUMED, then every message the client missed
    (v8 buffering, by ``seq``). Server-sent messages carry ``seq``. The test makes the server
    send op 5 SPEAKING, op 11 CLIENTS_CONNECT and op 13 CLIENT_DISCONNECT, and can drop the
    websocket (with a close code, or by cutting the connection).

UDP (``127.0.0.1:<port>``)
    74-byte IP discovery requests get their reply (after ``discovery_delay_s``, a network
    round trip); 8-byte keepalives are recorded (with their
    counter) and echoed; anything else from the client is its own voice and only counted.
    ``send`` forges voice for a speaker: RTP with a one-word header extension, encrypted with
    ``aead_xchacha20_poly1305_rtpsize`` (PyNaCl directly, not the bot's own cipher), optionally
    RTP-padded, to the address the client discovered.

DAVE: this server offers protocol version 0 only (no end-to-end encryption). Real DAVE would
need the server to be the MLS external sender (sign Add proposals for each member's key
package, relay commits and welcomes); davey 0.1.7 exposes only the member side, so that is
not built here (see README.md beside this file).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt

from .tls import HOST, LoopbackTls, make_tls

log = logging.getLogger(__name__)

XCHACHA20 = "aead_xchacha20_poly1305_rtpsize"
OP_IDENTIFY, OP_SELECT_PROTOCOL, OP_READY, OP_HEARTBEAT = 0, 1, 2, 3
OP_SESSION_DESCRIPTION, OP_SPEAKING, OP_HEARTBEAT_ACK, OP_RESUME = 4, 5, 6, 7
OP_HELLO, OP_RESUMED, OP_CLIENTS_CONNECT, OP_CLIENT_DISCONNECT = 8, 9, 11, 13
SESSION_INVALID = 4006


@dataclass
class Keepalive:
    """One 8-byte keepalive that reached the server."""

    at: float
    counter: int
    source: tuple[str, int]


@dataclass
class Speaker:
    """A speaker's RTP stream as the SFU relays it: SSRC, sequence, timestamp, nonce."""

    user_id: int
    ssrc: int
    sequence: int = 7000
    timestamp: int = 123_456
    counter: int = 1


@dataclass
class Connection:
    """One voice websocket connection (a new one after every reconnect)."""

    ws: web.WebSocketResponse
    received: list[dict[str, Any]] = field(default_factory=list)
    identified: dict[str, Any] | None = None
    resumed: bool = False


class LoopbackVoiceServer:
    """Serve one voice session on 127.0.0.1 for py-cord's real voice client."""

    def __init__(
        self,
        *,
        modes: Sequence[str] = (XCHACHA20, "aead_aes256_gcm_rtpsize"),
        heartbeat_interval_ms: int = 13_750,
        echo_keepalives: bool = True,
        token: str = "loopback-voice-token",
        discovery_delay_s: float = 0.02,
    ) -> None:
        self.modes = list(modes)
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.echo_keepalives = echo_keepalives
        # A real voice server is a network round trip away. py-cord registers its IP discovery
        # listener only after sending the request, so an instant loopback reply can be read
        # (and dropped) by a socket reader that is already running before the listener exists.
        self.discovery_delay_s = discovery_delay_s
        self.token = token
        self.tls: LoopbackTls = make_tls()
        self.ws_port = 0
        self.udp_port = 0
        self.ssrc = 4242  # the bot's own SSRC
        self.secret_key: bytes | None = None
        self.mode: str | None = None
        self.session_id: str | None = None
        self.connections: list[Connection] = []
        self.keepalives: list[Keepalive] = []
        self.client_voice_packets = 0
        self.discoveries = 0
        self.client_address: tuple[str, int] | None = None
        self.heartbeats = 0
        # (op, data) dispatches to send right after READY, i.e. in the middle of the handshake.
        self.after_ready: list[tuple[int, Any]] = []
        self.sessions_described = 0
        self._seq = 0
        self._sent: list[tuple[int, dict[str, Any]]] = []  # v8 buffer for resumes
        self._runner: web.AppRunner | None = None
        self._udp: asyncio.DatagramTransport | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def endpoint(self) -> str:
        """Return the endpoint VOICE_SERVER_UPDATE carries (py-cord adds wss:// and ?v=8)."""
        return f"{HOST}:{self.ws_port}"

    async def start(self) -> None:
        """Open the websocket (TLS) and UDP endpoints on ephemeral loopback ports."""
        app = web.Application()
        app.router.add_get("/", self._websocket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, 0, ssl_context=self.tls.server_context())
        await site.start()
        server = site._server
        assert server is not None and server.sockets
        self.ws_port = int(server.sockets[0].getsockname()[1])
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _UdpEndpoint(self), local_addr=(HOST, 0), family=socket.AF_INET
        )
        self._udp = transport
        self.udp_port = int(transport.get_extra_info("sockname")[1])
        log.debug("loopback voice server on wss://%s, udp %s", self.endpoint, self.udp_port)

    async def close(self) -> None:
        """Close every connection and both endpoints."""
        for connection in self.connections:
            with contextlib.suppress(Exception):
                await connection.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._udp is not None:
            self._udp.close()

    # --- what the client did ------------------------------------------------------------------

    @property
    def connection(self) -> Connection:
        """Return the newest websocket connection."""
        return self.connections[-1]

    def ops_received(self, op: int) -> list[dict[str, Any]]:
        """Return the payloads of every message with ``op`` the client sent, oldest first."""
        return [m.get("d") or {} for c in self.connections for m in c.received if m["op"] == op]

    async def wait_for(self, condition: Any, limit_s: float = 20.0, what: str = "") -> None:
        """Poll ``condition()`` until it is true (fail after ``limit_s`` seconds)."""
        deadline = time.monotonic() + limit_s
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"loopback voice server: never happened: {what}")
            await asyncio.sleep(0.01)

    # --- the websocket ------------------------------------------------------------------------

    async def _websocket(self, request: web.Request) -> web.WebSocketResponse:
        if request.query.get("v") != "8":
            raise web.HTTPBadRequest(text="voice gateway version 8 only")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        connection = Connection(ws)
        self.connections.append(connection)
        await self._send(connection, OP_HELLO, {"heartbeat_interval": self.heartbeat_interval_ms})
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                payload = json.loads(message.data)
                connection.received.append(payload)
                await self._handle(connection, payload)
            elif message.type is WSMsgType.BINARY:
                connection.received.append({"op": message.data[0], "binary": message.data})
            else:
                break
        return ws

    async def _handle(self, connection: Connection, payload: dict[str, Any]) -> None:
        op, data = payload.get("op"), payload.get("d") or {}
        if op == OP_IDENTIFY:
            if data.get("token") != self.token or not data.get("session_id"):
                await connection.ws.close(code=SESSION_INVALID)
                return
            connection.identified = data
            self.session_id = str(data["session_id"])
            self._sent.clear()
            await self._send(
                connection,
                OP_READY,
                {"ssrc": self.ssrc, "ip": HOST, "port": self.udp_port, "modes": self.modes},
            )
            for op_then, data_then in self.after_ready:
                await self._send(connection, op_then, data_then)
        elif op == OP_SELECT_PROTOCOL:
            mode = (data.get("data") or {}).get("mode")
            if data.get("protocol") != "udp" or mode not in self.modes:
                await connection.ws.close(code=4016)  # unknown encryption mode
                return
            self.mode = mode
            self.secret_key = secrets.token_bytes(32)
            self.sessions_described += 1
            await self._send(
                connection,
                OP_SESSION_DESCRIPTION,
                {
                    "audio_codec": "opus",
                    "mode": mode,
                    "secret_key": list(self.secret_key),
                    "dave_protocol_version": 0,
                },
            )
        elif op == OP_HEARTBEAT:
            self.heartbeats += 1
            await self._send(connection, OP_HEARTBEAT_ACK, {"t": data.get("t")}, seq=False)
        elif op == OP_RESUME:
            if data.get("session_id") != self.session_id or data.get("token") != self.token:
                await connection.ws.close(code=SESSION_INVALID)
                return
            connection.resumed = True
            seq_ack = int(data.get("seq_ack", -1))
            await self._send(connection, OP_RESUMED, None, seq=False)
            for seq, missed in list(self._sent):
                if seq > seq_ack:
                    await connection.ws.send_str(json.dumps(missed))

    async def _send(self, connection: Connection, op: int, data: Any, *, seq: bool = True) -> None:
        payload: dict[str, Any] = {"op": op, "d": data}
        if seq:
            self._seq += 1
            payload["seq"] = self._seq
            self._sent.append((self._seq, payload))
        if not connection.ws.closed:
            await connection.ws.send_str(json.dumps(payload))

    async def send_op(self, op: int, data: Any) -> None:
        """Send a dispatch to the client on the newest connection (buffered for resumes)."""
        await self._send(self.connection, op, data)

    async def speaking(self, speaker: Speaker, *, flags: int = 1) -> None:
        """Send op 5 SPEAKING: ``speaker.user_id`` speaks on ``speaker.ssrc``."""
        await self.send_op(
            OP_SPEAKING, {"user_id": str(speaker.user_id), "ssrc": speaker.ssrc, "speaking": flags}
        )

    async def clients_connect(self, *user_ids: int) -> None:
        """Send op 11 CLIENTS_CONNECT."""
        await self.send_op(OP_CLIENTS_CONNECT, {"user_ids": [str(u) for u in user_ids]})

    async def client_disconnect(self, user_id: int) -> None:
        """Send op 13 CLIENT_DISCONNECT."""
        await self.send_op(OP_CLIENT_DISCONNECT, {"user_id": str(user_id)})

    async def drop_websocket(self, code: int | None = None) -> None:
        """End the newest websocket: with a close code, or (None) by cutting the TCP stream."""
        ws = self.connection.ws
        if code is None:
            transport = getattr(ws._req, "transport", None) if ws._req is not None else None
            if transport is not None:
                transport.abort()
            return
        await ws.close(code=WSCloseCode(code) if code in WSCloseCode._value2member_map_ else code)

    # --- media --------------------------------------------------------------------------------

    def packet(
        self, speaker: Speaker, opus: bytes, *, padding: int = 0, key: bytes | None = None
    ) -> bytes:
        """Return the next encrypted RTP packet of ``speaker`` carrying ``opus``.

        ``key`` overrides the session key (a packet nobody can decrypt: any attempt to would
        show up as a transport failure in the receiver's counters).
        """
        if self.secret_key is None or self.mode != XCHACHA20:
            raise RuntimeError("no session (or not the xchacha20 mode) to encrypt with")
        first = 0x90 | (0x20 if padding else 0)  # version 2, extension, maybe padding
        header = struct.pack(
            ">BBHII", first, 120, speaker.sequence & 0xFFFF, speaker.timestamp, speaker.ssrc
        )
        header += struct.pack(">HH", 0xBEDE, 1)  # one-word extension (audio level), as clients
        body = bytes([0x10, 0x7F, 0, 0]) + opus
        if padding:
            body += bytes(padding - 1) + bytes([padding])
        nonce = struct.pack(">I", speaker.counter)
        sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(
            body, header, nonce + bytes(20), key or self.secret_key
        )
        speaker.sequence = (speaker.sequence + 1) & 0xFFFF
        speaker.timestamp = (speaker.timestamp + 960) & 0xFFFFFFFF
        speaker.counter = (speaker.counter + 1) & 0xFFFFFFFF
        return header + sealed + nonce

    def padding_packet(self, speaker: Speaker, size: int = 32) -> bytes:
        """Return a padding-only packet (its timestamp does not advance, as in a probe burst)."""
        packet = self.packet(speaker, b"", padding=size)
        speaker.timestamp = (speaker.timestamp - 960) & 0xFFFFFFFF
        return packet

    def send_datagram(self, data: bytes) -> None:
        """Send raw bytes to the client's discovered UDP address."""
        if self._udp is None or self.client_address is None:
            raise RuntimeError("the client has not done IP discovery yet")
        self._udp.sendto(data, self.client_address)

    async def send(
        self,
        speaker: Speaker,
        frames: Sequence[bytes],
        *,
        pace_s: float = 0.02,
        batch: int = 5,
        key: bytes | None = None,
    ) -> None:
        """Send ``frames`` as ``speaker``'s packets, ``batch`` at a time, paced like a client."""
        for index, opus in enumerate(frames):
            self.send_datagram(self.packet(speaker, opus, key=key))
            if (index + 1) % batch == 0:
                await asyncio.sleep(pace_s * batch)

    def on_datagram(self, data: bytes, source: tuple[str, int]) -> None:
        """Handle one datagram from the client."""
        assert self._udp is not None
        if len(data) == 74 and data[:4] == b"\x00\x01\x00\x46":
            self.discoveries += 1
            self.client_address = source
            reply = bytearray(74)
            struct.pack_into(">HHI", reply, 0, 2, 70, struct.unpack_from(">I", data, 4)[0])
            address = source[0].encode("ascii")
            reply[8 : 8 + len(address)] = address
            struct.pack_into(">H", reply, 72, source[1])
            asyncio.get_running_loop().call_later(
                self.discovery_delay_s, self._udp.sendto, bytes(reply), source
            )
        elif len(data) == 8:
            self.keepalives.append(
                Keepalive(time.monotonic(), struct.unpack_from("<I", data)[0], source)
            )
            if self.echo_keepalives:
                self._udp.sendto(data, source)
        else:
            self.client_voice_packets += 1


class _UdpEndpoint(asyncio.DatagramProtocol):
    """Route datagrams to the server."""

    def __init__(self, server: LoopbackVoiceServer) -> None:
        self.server = server

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            self.server.on_datagram(data, addr)
        except Exception:
            log.exception("loopback voice server: bad datagram")

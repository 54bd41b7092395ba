"""Parse the RTP header of a Discord voice packet and recognise what is not audio."""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from typing import Final

log = logging.getLogger(__name__)

RTP_VERSION: Final = 2
FIXED_HEADER_LEN: Final = 12
EXTENSION_HEADER_LEN: Final = 4
OPUS_PAYLOAD_TYPE: Final = 120
# RTCP reuses the second byte: 200..204 (SR, RR, SDES, BYE, APP), i.e. 72..76 without the marker.
RTCP_PAYLOAD_TYPES: Final = range(72, 77)
# Discord's IP discovery reply: type 0x0002, length 70, 74 bytes in all.
_IP_DISCOVERY_LEN: Final = 74
# A UDP keepalive (an 8-byte counter, as @discordjs/voice sends) and its echo.
KEEPALIVE_LEN: Final = 8


class RtpError(ValueError):
    """A UDP payload that is not an audio RTP packet we can use."""


class MalformedPacket(RtpError):
    """The bytes do not form a valid RTP packet (too short, wrong version, bad lengths)."""


class NonAudioPacket(RtpError):
    """A valid packet that carries no voice: RTCP, IP discovery or another payload type."""


class KeepalivePacket(NonAudioPacket):
    """An 8-byte UDP keepalive coming back from the voice server."""


@dataclass(frozen=True, slots=True)
class RtpHeader:
    """The fields of one RTP header; ``header_len`` includes CSRCs and the 4-byte extension header.

    ``header_len`` is where Discord's "rtpsize" AAD ends: the extension *body* (``ext_words``
    32-bit words) is encrypted and sits at the start of the decrypted payload.
    """

    version: int
    padding: bool
    extension: bool
    csrc_count: int
    marker: bool
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    csrcs: tuple[int, ...]
    ext_profile: int | None
    ext_words: int
    header_len: int

    @property
    def ext_body_len(self) -> int:
        """Return the byte length of the (encrypted) header-extension body."""
        return self.ext_words * 4


def is_rtcp(packet: bytes) -> bool:
    """Tell whether ``packet`` looks like RTCP (payload type 72..76 ignoring the marker bit)."""
    return (
        len(packet) >= 2
        and packet[0] >> 6 == RTP_VERSION
        and (packet[1] & 0x7F) in RTCP_PAYLOAD_TYPES
    )


def parse_rtp(packet: bytes, *, audio_payload_type: int = OPUS_PAYLOAD_TYPE) -> RtpHeader:
    """Parse an audio RTP header, raising NonAudioPacket or MalformedPacket otherwise."""
    size = len(packet)
    if size == KEEPALIVE_LEN:
        raise KeepalivePacket("keepalive echo")
    if size == _IP_DISCOVERY_LEN and packet[:4] == b"\x00\x02\x00\x46":
        raise NonAudioPacket("ip discovery reply")
    if size < FIXED_HEADER_LEN:
        raise MalformedPacket(f"{size} bytes is shorter than an RTP header")
    first, second = packet[0], packet[1]
    version = first >> 6
    if version != RTP_VERSION:
        raise MalformedPacket(f"RTP version {version}")
    payload_type = second & 0x7F
    if payload_type in RTCP_PAYLOAD_TYPES:
        raise NonAudioPacket(f"RTCP type {second}")
    if payload_type != audio_payload_type:
        raise NonAudioPacket(f"payload type {payload_type}")
    csrc_count = first & 0x0F
    extension = bool(first & 0x10)
    sequence, timestamp, ssrc = struct.unpack_from(">HII", packet, 2)
    offset = FIXED_HEADER_LEN + 4 * csrc_count
    if size < offset:
        raise MalformedPacket(f"{csrc_count} CSRCs do not fit in {size} bytes")
    csrcs = struct.unpack_from(f">{csrc_count}I", packet, FIXED_HEADER_LEN) if csrc_count else ()
    ext_profile: int | None = None
    ext_words = 0
    if extension:
        if size < offset + EXTENSION_HEADER_LEN:
            raise MalformedPacket("extension header cut short")
        ext_profile, ext_words = struct.unpack_from(">HH", packet, offset)
        offset += EXTENSION_HEADER_LEN
    return RtpHeader(
        version=version,
        padding=bool(first & 0x20),
        extension=extension,
        csrc_count=csrc_count,
        marker=bool(second & 0x80),
        payload_type=payload_type,
        sequence=sequence,
        timestamp=timestamp,
        ssrc=ssrc,
        csrcs=tuple(csrcs),
        ext_profile=ext_profile,
        ext_words=ext_words,
        header_len=offset,
    )


def build_header(
    *,
    sequence: int,
    timestamp: int,
    ssrc: int,
    payload_type: int = OPUS_PAYLOAD_TYPE,
    marker: bool = False,
    csrcs: tuple[int, ...] = (),
    ext_words: int | None = None,
    ext_profile: int = 0xBEDE,
    padding: bool = False,
) -> bytes:
    """Return an RTP header (with the 4-byte extension header when ``ext_words`` is given)."""
    if len(csrcs) > 15:
        raise ValueError("at most 15 CSRCs")
    first = (RTP_VERSION << 6) | len(csrcs)
    if padding:
        first |= 0x20
    if ext_words is not None:
        first |= 0x10
    second = (0x80 if marker else 0) | (payload_type & 0x7F)
    header = struct.pack(
        ">BBHII", first, second, sequence & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc & 0xFFFFFFFF
    )
    header += b"".join(struct.pack(">I", c) for c in csrcs)
    if ext_words is not None:
        header += struct.pack(">HH", ext_profile, ext_words)
    return header

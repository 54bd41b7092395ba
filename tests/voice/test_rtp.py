"""RTP header parsing: extensions, CSRCs, RTCP and malformed input."""

from __future__ import annotations

import logging
import struct

import pytest

from bot.voice.rtp import MalformedPacket, NonAudioPacket, build_header, is_rtcp, parse_rtp

log = logging.getLogger(__name__)


@pytest.mark.parametrize("words", [0, 1, 3])
def test_extension_header_length_is_read_in_words(words: int) -> None:
    header = build_header(sequence=65535, timestamp=0xFFFFFFF0, ssrc=0xDEADBEEF, ext_words=words)
    parsed = parse_rtp(header + b"payload")
    assert parsed.extension
    assert parsed.ext_profile == 0xBEDE
    assert parsed.ext_words == words
    assert parsed.ext_body_len == 4 * words
    assert parsed.header_len == 16
    assert (parsed.sequence, parsed.timestamp, parsed.ssrc) == (65535, 0xFFFFFFF0, 0xDEADBEEF)


def test_no_extension_and_csrcs_and_marker() -> None:
    header = build_header(sequence=7, timestamp=960, ssrc=5, csrcs=(1, 2), marker=True)
    parsed = parse_rtp(header + b"x" * 20)
    assert not parsed.extension
    assert parsed.ext_profile is None
    assert parsed.csrcs == (1, 2)
    assert parsed.csrc_count == 2
    assert parsed.marker
    assert parsed.header_len == 12 + 8


def test_csrcs_then_extension_offsets() -> None:
    header = build_header(sequence=1, timestamp=2, ssrc=3, csrcs=(9,), ext_words=2)
    assert parse_rtp(header).header_len == 12 + 4 + 4


@pytest.mark.parametrize("second_byte", [200, 201, 202, 203, 204, 72, 76])
def test_rtcp_is_recognised_as_non_audio(second_byte: int) -> None:
    packet = bytes([0x80, second_byte]) + struct.pack(">H", 6) + b"\x00" * 24
    assert is_rtcp(packet)
    with pytest.raises(NonAudioPacket):
        parse_rtp(packet)


def test_other_payload_type_and_ip_discovery_are_non_audio() -> None:
    with pytest.raises(NonAudioPacket):
        parse_rtp(build_header(sequence=1, timestamp=1, ssrc=1, payload_type=101) + b"v")
    discovery = b"\x00\x02\x00\x46" + b"\x00" * 70
    with pytest.raises(NonAudioPacket):
        parse_rtp(discovery)
    assert not is_rtcp(build_header(sequence=1, timestamp=1, ssrc=1))


@pytest.mark.parametrize(
    "packet",
    [
        b"",
        b"\x80\x78",
        b"\x80\x78" + b"\x00" * 9,  # 11 bytes
        b"\x40\x78" + b"\x00" * 20,  # version 1
        b"\x83\x78" + b"\x00" * 10 + b"\x00" * 8,  # 3 CSRCs announced, 2 present
        b"\x90\x78" + b"\x00" * 10 + b"\xbe",  # extension header cut short
    ],
)
def test_malformed_packets_raise(packet: bytes) -> None:
    with pytest.raises(MalformedPacket):
        parse_rtp(packet)

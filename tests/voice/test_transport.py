"""Transport decryption of both rtpsize AEAD modes, checked against independent primitives."""

from __future__ import annotations

import logging
import struct

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl.bindings import crypto_aead_xchacha20poly1305_ietf_encrypt

from bot.voice.rtp import build_header, parse_rtp
from bot.voice.transport import (
    AES256_GCM,
    SUPPORTED_MODES,
    XCHACHA20,
    TransportCipher,
    TransportError,
    TruncatedPayload,
    UnsupportedMode,
    decrypt_packet,
)

from .packets import TEST_KEY, WRONG_KEY, make_packet

log = logging.getLogger(__name__)

OPUS = b"\xfc\x01\x02\x03opus-frame-bytes"


def test_xchacha_layout_matches_libsodium_directly() -> None:
    # Built by hand from the rules: AAD = header incl. the 4-byte ext header, nonce = counter
    # (big-endian) then 20 zero bytes, ciphertext+tag, then the 4 counter bytes.
    header = build_header(sequence=10, timestamp=4800, ssrc=77, ext_words=2)
    body = b"\x10\x20\x30\x40\x50\x60\x70\x80"
    counter = struct.pack(">I", 0x01020304)
    sealed = crypto_aead_xchacha20poly1305_ietf_encrypt(
        body + OPUS, header, counter + bytes(20), TEST_KEY
    )
    packet = header + sealed + counter
    assert decrypt_packet(XCHACHA20, list(TEST_KEY), packet, parse_rtp(packet)) == OPUS


def test_aes_gcm_layout_matches_cryptography_directly() -> None:
    header = build_header(sequence=11, timestamp=5760, ssrc=78, ext_words=1)
    counter = struct.pack(">I", 42)
    sealed = AESGCM(TEST_KEY).encrypt(counter + bytes(8), b"\xaa" * 4 + OPUS, header)
    packet = header + sealed + counter
    assert decrypt_packet(AES256_GCM, TEST_KEY, packet, parse_rtp(packet)) == OPUS


@pytest.mark.parametrize("mode", SUPPORTED_MODES)
@pytest.mark.parametrize("words", [None, 0, 1, 3])
def test_round_trip_strips_the_declared_extension_body(mode: str, words: int | None) -> None:
    packet = make_packet(OPUS, ssrc=1, seq=5, ts=960, mode=mode, ext_words=words)
    header = parse_rtp(packet)
    assert TransportCipher(mode, TEST_KEY).decrypt(packet, header) == OPUS


def test_wrong_key_and_tampering_raise_transport_error() -> None:
    packet = make_packet(OPUS, ssrc=1, seq=5, ts=960)
    header = parse_rtp(packet)
    with pytest.raises(TransportError):
        TransportCipher(XCHACHA20, WRONG_KEY).decrypt(packet, header)
    tampered = bytearray(packet)
    tampered[3] ^= 1  # sequence number is authenticated as AAD
    with pytest.raises(TransportError):
        TransportCipher(XCHACHA20, TEST_KEY).decrypt(bytes(tampered), parse_rtp(bytes(tampered)))
    wrong_counter = packet[:-1] + bytes([packet[-1] ^ 1])
    with pytest.raises(TransportError):
        TransportCipher(XCHACHA20, TEST_KEY).decrypt(wrong_counter, header)


def test_too_short_and_overlong_extension_are_truncated_payload() -> None:
    cipher = TransportCipher(XCHACHA20, TEST_KEY)
    header_bytes = build_header(sequence=1, timestamp=1, ssrc=1, ext_words=1)
    short = header_bytes + b"\x00" * 10
    with pytest.raises(TruncatedPayload):
        cipher.decrypt(short, parse_rtp(short))
    # Declares 5 words of extension body but encrypts only 8 bytes in all.
    lying = build_header(sequence=1, timestamp=1, ssrc=1, ext_words=5)
    packet = cipher.encrypt(lying, b"12345678", 1)
    with pytest.raises(TruncatedPayload):
        cipher.decrypt(packet, parse_rtp(packet))


def test_rtp_padding_is_removed() -> None:
    header = build_header(sequence=1, timestamp=1, ssrc=1, ext_words=1, padding=True)
    cipher = TransportCipher(XCHACHA20, TEST_KEY)
    packet = cipher.encrypt(header, b"\xee" * 4 + OPUS + b"\x00\x00\x03", 9)
    assert cipher.decrypt(packet, parse_rtp(packet)) == OPUS


def test_unknown_mode_and_bad_key_fail_at_construction() -> None:
    with pytest.raises(UnsupportedMode, match="xsalsa20_poly1305_lite"):
        TransportCipher("xsalsa20_poly1305_lite", TEST_KEY)
    with pytest.raises(ValueError, match="32 bytes"):
        TransportCipher(XCHACHA20, b"short")

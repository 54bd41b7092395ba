"""Discord's transport encryption for voice: the two AEAD "rtpsize" modes, both directions."""

from __future__ import annotations

import logging
import struct
from collections.abc import Sequence
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from nacl.bindings import (
    crypto_aead_xchacha20poly1305_ietf_decrypt,
    crypto_aead_xchacha20poly1305_ietf_encrypt,
)
from nacl.exceptions import CryptoError

from bot.voice.rtp import RtpHeader

log = logging.getLogger(__name__)

XCHACHA20: Final = "aead_xchacha20_poly1305_rtpsize"
AES256_GCM: Final = "aead_aes256_gcm_rtpsize"
SUPPORTED_MODES: Final = (XCHACHA20, AES256_GCM)
KEY_LEN: Final = 32
TAG_LEN: Final = 16
COUNTER_LEN: Final = 4
_NONCE_LEN: Final = {XCHACHA20: 24, AES256_GCM: 12}


class TransportError(Exception):
    """A packet could not be transport-decrypted (wrong key, tampered, or cut short)."""


class TruncatedPayload(TransportError):
    """The packet is too short for its tag, counter or declared extension body."""


class UnsupportedMode(ValueError):
    """The voice server chose an encryption mode this receiver does not implement."""


def _key_bytes(secret_key: bytes | Sequence[int]) -> bytes:
    """Return the key as bytes, checking its length."""
    key = bytes(secret_key)
    if len(key) != KEY_LEN:
        raise ValueError(f"voice secret key must be {KEY_LEN} bytes, got {len(key)}")
    return key


class TransportCipher:
    """Decrypt (and, for tests and replays, encrypt) packets of one mode with one key."""

    __slots__ = ("_aes", "_key", "_nonce_pad", "mode")

    def __init__(self, mode: str, secret_key: bytes | Sequence[int]) -> None:
        if mode not in SUPPORTED_MODES:
            raise UnsupportedMode(
                f"unsupported voice encryption mode {mode!r}; "
                f"supported: {', '.join(SUPPORTED_MODES)}"
            )
        self.mode = mode
        self._key = _key_bytes(secret_key)
        self._nonce_pad = bytes(_NONCE_LEN[mode] - COUNTER_LEN)
        self._aes = AESGCM(self._key) if mode == AES256_GCM else None

    def _seal(self, plaintext: bytes, aad: bytes, nonce: bytes) -> bytes:
        """Encrypt with the mode's AEAD."""
        if self._aes is not None:
            return self._aes.encrypt(nonce, plaintext, aad)
        return crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, aad, nonce, self._key)

    def _open(self, ciphertext: bytes, aad: bytes, nonce: bytes) -> bytes:
        """Decrypt with the mode's AEAD, raising TransportError on a bad tag."""
        try:
            if self._aes is not None:
                return self._aes.decrypt(nonce, ciphertext, aad)
            return crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, aad, nonce, self._key)
        except (CryptoError, InvalidTag) as exc:
            raise TransportError("authentication failed") from exc

    def decrypt(self, packet: bytes, header: RtpHeader) -> bytes:
        """Return the media payload: decrypted, extension body and RTP padding removed."""
        body_end = len(packet) - COUNTER_LEN
        if body_end - header.header_len < TAG_LEN:
            raise TruncatedPayload("packet too short for tag and nonce counter")
        aad = packet[: header.header_len]
        nonce = packet[body_end:] + self._nonce_pad
        plaintext = self._open(packet[header.header_len : body_end], aad, nonce)
        # The extension body's length is declared in the clear header; clients send 1..n words.
        skip = header.ext_body_len
        if len(plaintext) < skip:
            raise TruncatedPayload(f"extension body of {skip} bytes exceeds the payload")
        end = len(plaintext)
        if header.padding and end > skip:
            pad = plaintext[-1]
            if pad == 0 or pad > end - skip:
                raise TruncatedPayload("bad RTP padding")
            end -= pad
        return plaintext[skip:end]

    def encrypt(self, header: bytes, plaintext: bytes, counter: int) -> bytes:
        """Return header + ciphertext + tag + counter; ``plaintext`` starts with the ext body."""
        counter_bytes = struct.pack(">I", counter & 0xFFFFFFFF)
        sealed = self._seal(plaintext, header, counter_bytes + self._nonce_pad)
        return header + sealed + counter_bytes


def decrypt_packet(
    mode: str, secret_key: bytes | Sequence[int], packet: bytes, header: RtpHeader
) -> bytes:
    """Decrypt one packet (convenience over TransportCipher)."""
    return TransportCipher(mode, secret_key).decrypt(packet, header)


def encrypt_packet(
    mode: str, secret_key: bytes | Sequence[int], header: bytes, plaintext: bytes, counter: int
) -> bytes:
    """Encrypt one packet (convenience over TransportCipher)."""
    return TransportCipher(mode, secret_key).encrypt(header, plaintext, counter)

"""Per-server API keys encrypted with Fernet, plus redaction of keys from text and logs."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable

from cryptography.fernet import Fernet, InvalidToken

from bot.llm.types import LLMError

log = logging.getLogger(__name__)

MASTER_KEY_ENV = "MOCKINGBIRD_MASTER_KEY"
REDACTED = "[REDACTED]"
# Shorter strings are too likely to be ordinary words to mask safely.
MIN_SECRET_LEN = 8


class KeyVaultError(LLMError):
    """The vault cannot be built or a stored key cannot be decrypted; never holds key text."""


class SecretRedactor:
    """Remember secrets and mask them, including the partial forms vendors echo back."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._needles: tuple[str, ...] = ()
        for s in secrets:
            self.add(s)

    def add(self, secret: str) -> None:
        """Start masking ``secret`` (and its first 12 / last 8 characters)."""
        secret = secret.strip()
        if len(secret) < MIN_SECRET_LEN:
            return
        forms = {secret}
        if len(secret) >= 16:
            # Error messages quote keys as "sk-abc...wxyz"; mask the revealing ends too.
            forms.update({secret[:12], secret[-8:]})
        with self._lock:
            # Longest first so a full key is masked before its fragments.
            merged = set(self._needles) | forms
            self._needles = tuple(sorted(merged, key=len, reverse=True))

    def __len__(self) -> int:
        return len(self._needles)

    def redact(self, text: str) -> str:
        """Return ``text`` with every known secret masked."""
        for needle in self._needles:
            if needle in text:
                text = text.replace(needle, REDACTED)
        return text


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the message, its args and any traceback.

    Attach it to handlers (``handler.addFilter``): logger-level filters do not see records
    propagated from child loggers.
    """

    def __init__(self, redactor: SecretRedactor) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place; always keep it."""
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg = self._redactor.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redactor.redact(record.stack_info)
        return True


def install_redaction(redactor: SecretRedactor, logger: logging.Logger | None = None) -> None:
    """Add a RedactingFilter to every handler of ``logger`` (the root logger by default)."""
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(redactor))


class KeyVault:
    """Encrypt and decrypt per-server API keys with one Fernet master key."""

    def __init__(self, master_key: str | bytes, redactor: SecretRedactor | None = None) -> None:
        try:
            self._fernet = Fernet(master_key)
        except (ValueError, TypeError):
            raise KeyVaultError(
                "master key is not a valid Fernet key (32 url-safe base64-encoded bytes)"
            ) from None
        self.redactor = redactor or SecretRedactor()

    @classmethod
    def from_env(
        cls, env: str = MASTER_KEY_ENV, redactor: SecretRedactor | None = None
    ) -> KeyVault:
        """Build the vault from the master key in the environment."""
        value = os.environ.get(env)
        if not value:
            raise KeyVaultError(f"environment variable {env} is not set")
        return cls(value, redactor)

    @staticmethod
    def generate_master_key() -> str:
        """Return a fresh master key to put in the environment."""
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, api_key: str) -> str:
        """Return the encrypted token for storage; the key is also registered for redaction."""
        if not api_key.strip():
            raise KeyVaultError("refusing to store an empty API key")
        self.redactor.add(api_key)
        return self._fernet.encrypt(api_key.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """Return the API key in a stored token and register it for redaction."""
        try:
            api_key = self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, ValueError):
            raise KeyVaultError(
                "stored API key cannot be decrypted (wrong master key or corrupted data)"
            ) from None
        self.redactor.add(api_key)
        return api_key

    def redact(self, text: str) -> str:
        """Mask every key this vault has seen."""
        return self.redactor.redact(text)


def mask_key(api_key: str) -> str:
    """Return a display form such as ``sk-…wxyz`` for confirming which key is stored."""
    if len(api_key) < 12:
        return "…"
    return f"{api_key[:3]}…{api_key[-4:]}"

"""Per-server API keys encrypted with Fernet, plus redaction of keys from text and logs."""

from __future__ import annotations

import copy
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from bot.llm.types import LLMError

log = logging.getLogger(__name__)

MASTER_KEY_ENV = "MOCKINGBIRD_MASTER_KEY"
REDACTED = "[REDACTED]"
# Shorter strings are too likely to be ordinary words to mask safely.
MIN_SECRET_LEN = 8
# Secrets recognised by their shape, before (or without) anyone telling the redactor the
# value: OpenAI keys (sk-..., sk-proj-...), Anthropic keys (sk-ant-...), Discord bot tokens
# (three base64url parts), and bearer credentials in headers.
SECRET_SHAPES = re.compile(
    r"(?<![A-Za-z0-9_-])sk-[A-Za-z0-9_-]{16,}"
    r"|(?<![A-Za-z0-9_.-])[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}"
    r"|(?<=Bearer )[A-Za-z0-9._~+/=-]{16,}"
    r"""|(?<=['"]token['"]: ['"])[A-Za-z0-9._-]{20,}""",
)
# Interaction and webhook tokens in URLs: short-lived, but whoever holds one can answer in
# the bot's name until it expires. The id before the token stays readable.
_URL_TOKENS = re.compile(r"(/(?:interactions|webhooks)/\d+/)[A-Za-z0-9_-]{20,}")
# Interaction type of a modal submission: what a user typed into a form (an API key in
# /admin llm-key), which py-cord logs whole at DEBUG as it arrives from the gateway.
_MODAL_SUBMIT = 5


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
        """Return ``text`` with every known secret, and anything shaped like one, masked."""
        # Shapes first: a known fragment masked inside a key would leave the rest of the key
        # too short to be recognised by its shape.
        return self.redact_known(redact_shapes(text))

    def redact_known(self, text: str) -> str:
        """Return ``text`` with the secrets this redactor was given masked."""
        for needle in self._needles:
            if needle in text:
                text = text.replace(needle, REDACTED)
        return text


def redact_shapes(text: str) -> str:
    """Return ``text`` with anything shaped like a key or a token masked."""
    text = _URL_TOKENS.sub(rf"\g<1>{REDACTED}", text)
    return SECRET_SHAPES.sub(REDACTED, text)


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
    """Mask ``redactor``'s secrets in every log record, from any logger, at any level.

    Every record is redacted as it is created (see ``install_log_redaction``), so records
    of py-cord, aiohttp, httpx, the SDKs and handlers added later (pytest's) are covered
    too. The handlers of ``logger`` (the root logger by default) also get a filter.
    """
    install_log_redaction(redactor)
    target = logger or logging.getLogger()
    for handler in target.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(redactor))


_LOG_REDACTORS: list[SecretRedactor] = []
_LOG_LOCK = threading.Lock()


def install_log_redaction(*redactors: SecretRedactor) -> None:
    """Redact every log record when it is created; add ``redactors``' secrets to mask.

    Without redactors this still masks anything shaped like a key or a token, and the
    values users type into modals. Call it before anything is logged; calling it again
    adds redactors and keeps one record factory.
    """
    with _LOG_LOCK:
        for redactor in redactors:
            if not any(redactor is known for known in _LOG_REDACTORS):
                _LOG_REDACTORS.append(redactor)
        factory = logging.getLogRecordFactory()
        if not getattr(factory, "_mockingbird_redacts", False):
            logging.setLogRecordFactory(_redacting_factory(factory))


def redact_for_log(text: str) -> str:
    """Mask in ``text`` every secret the log redaction knows, and anything key-shaped."""
    text = redact_shapes(text)
    for redactor in tuple(_LOG_REDACTORS):
        text = redactor.redact_known(text)
    return text


def _redacting_factory(inner: Any) -> Any:
    """Wrap a log record factory so each record leaves it with its secrets masked."""

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = inner(*args, **kwargs)
        _redact_record(record)
        return record

    factory._mockingbird_redacts = True  # type: ignore[attr-defined]
    return factory


def _redact_record(record: logging.LogRecord) -> None:
    """Format the record's message now, mask secrets in it and in any traceback."""
    try:
        if isinstance(record.args, tuple):
            record.args = tuple(_without_typed_values(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = _without_typed_values(record.args)
        message = record.getMessage()
    except Exception:
        message = str(record.msg)
    record.msg = redact_for_log(message)
    record.args = None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact_for_log(record.exc_text)
    if record.stack_info:
        record.stack_info = redact_for_log(record.stack_info)


def _without_typed_values(value: Any) -> Any:
    """Return a gateway payload with the values typed into a modal replaced, else ``value``.

    py-cord logs each raw gateway event at DEBUG; a modal submission (interaction type 5)
    carries what the user typed, such as an API key whose shape nobody can predict.
    """
    if not isinstance(value, Mapping) or not _holds_modal_submission(value):
        return value
    masked = copy.deepcopy(dict(value))
    _mask_component_values(masked)
    return masked


def _holds_modal_submission(payload: Mapping[str, Any]) -> bool:
    interaction = payload.get("d") if isinstance(payload.get("d"), Mapping) else payload
    return isinstance(interaction, Mapping) and interaction.get("type") == _MODAL_SUBMIT


def _mask_component_values(node: Any) -> None:
    """Replace every ``value``/``values`` under a ``components`` list, in place."""
    if isinstance(node, dict):
        for key, inner in node.items():
            if key in ("value", "values") and "custom_id" in node:
                node[key] = REDACTED
            else:
                _mask_component_values(inner)
    elif isinstance(node, list):
        for item in node:
            _mask_component_values(item)


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

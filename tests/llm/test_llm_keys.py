"""Fernet key vault and redaction of keys from text and logs."""

from __future__ import annotations

import logging

import pytest

from bot.llm import (
    KeyVault,
    KeyVaultError,
    RedactingFilter,
    SecretRedactor,
    install_redaction,
    mask_key,
)

log = logging.getLogger(__name__)

SERVER_KEY = "sk-proj-server-key-ABCDEFGH12345678"


def test_round_trip() -> None:
    vault = KeyVault(KeyVault.generate_master_key())
    token = vault.encrypt(SERVER_KEY)
    assert SERVER_KEY not in token
    assert vault.decrypt(token) == SERVER_KEY
    # Fernet tokens are randomised: the same key encrypts differently each time.
    assert vault.encrypt(SERVER_KEY) != token


def test_wrong_master_key_fails_cleanly() -> None:
    token = KeyVault(KeyVault.generate_master_key()).encrypt(SERVER_KEY)
    other = KeyVault(KeyVault.generate_master_key())
    with pytest.raises(KeyVaultError) as info:
        other.decrypt(token)
    assert "wrong master key" in str(info.value)
    assert token not in str(info.value)
    assert info.value.__cause__ is None


@pytest.mark.parametrize("bad", ["", "not-a-key", "A" * 44])
def test_invalid_master_key(bad: str) -> None:
    with pytest.raises(KeyVaultError, match="not a valid Fernet key"):
        KeyVault(bad)


def test_corrupted_token_fails_cleanly() -> None:
    vault = KeyVault(KeyVault.generate_master_key())
    token = vault.encrypt(SERVER_KEY)
    with pytest.raises(KeyVaultError):
        vault.decrypt(token[:-4] + "AAAA")


def test_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    master = KeyVault.generate_master_key()
    monkeypatch.setenv("MOCKINGBIRD_MASTER_KEY", master)
    token = KeyVault(master).encrypt(SERVER_KEY)
    assert KeyVault.from_env().decrypt(token) == SERVER_KEY
    monkeypatch.delenv("MOCKINGBIRD_MASTER_KEY")
    with pytest.raises(KeyVaultError, match="MOCKINGBIRD_MASTER_KEY"):
        KeyVault.from_env()


def test_redactor_masks_full_and_partial_keys() -> None:
    r = SecretRedactor([SERVER_KEY, "short"])
    text = f"key={SERVER_KEY} echoed as {SERVER_KEY[:12]}...{SERVER_KEY[-8:]} short stays"
    out = r.redact(text)
    assert SERVER_KEY not in out
    assert SERVER_KEY[:12] not in out and SERVER_KEY[-8:] not in out
    assert "short stays" in out
    assert out.startswith("key=[REDACTED]")


def test_decrypted_keys_never_reach_captured_logs(caplog: pytest.LogCaptureFixture) -> None:
    master = KeyVault.generate_master_key()
    token = KeyVault(master).encrypt("sk-other-0000000000000000")
    fresh = KeyVault(master)  # a new process: it learns the key only by decrypting
    key = fresh.decrypt(token)
    caplog.handler.addFilter(RedactingFilter(fresh.redactor))
    with caplog.at_level(logging.DEBUG):
        log.info("using key %s for guild %d", key, 42)
        try:
            raise RuntimeError(f"auth failed for {key}")
        except RuntimeError:
            log.exception("provider error")
    assert key not in caplog.text
    assert "guild 42" in caplog.text
    assert "[REDACTED]" in caplog.text
    assert all(key not in r.getMessage() for r in caplog.records)


def test_install_redaction_on_handlers() -> None:
    logger = logging.getLogger("test.llm.keys.install")
    handler = logging.Handler()
    logger.addHandler(handler)
    try:
        install_redaction(SecretRedactor([SERVER_KEY]), logger)
        install_redaction(SecretRedactor([SERVER_KEY]), logger)
        assert sum(isinstance(f, RedactingFilter) for f in handler.filters) == 1
    finally:
        logger.removeHandler(handler)


def test_mask_key_for_display() -> None:
    assert mask_key(SERVER_KEY) == "sk-…5678"
    assert SERVER_KEY not in mask_key(SERVER_KEY)

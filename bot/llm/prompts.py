"""Versioned prompt templates loaded from ``prompts/llm/<id>/<version>.<lang>.yaml``.

Templates use ``{{name}}`` placeholders. Variables marked ``data`` (the answer, resume, job
description...) must sit inside their own ``<tag>...</tag>`` in the user message, and any
look-alike of those tags inside the value is neutralised so the content cannot close the
delimiter and pose as instructions. Versions of one prompt share traffic by their weights,
chosen deterministically from a key such as the session id.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.llm.types import ChatMessage, LLMError, LLMRequest

log = logging.getLogger(__name__)

DEFAULT_ROOT = Path(__file__).resolve().parents[2] / "prompts" / "llm"
FALLBACK_LANGUAGE = "en"
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_FILE_NAME = re.compile(r"^(?P<version>v\d+)\.(?P<lang>[a-z]{2})\.yaml$")


class PromptError(LLMError):
    """A prompt file is invalid, missing, or rendered with the wrong variables."""


class _VariableSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    description: str = ""
    required: bool = True
    default: str = ""
    data: bool = False
    tag: str | None = Field(default=None, pattern=r"^[a-z_]+$")


class _PromptFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z_]+$")
    version: str = Field(pattern=r"^v\d+$")
    language: str = Field(pattern=r"^[a-z]{2}$")
    weight: int = Field(ge=0, le=1000)
    description: str
    json_mode: bool = True
    temperature: float = Field(default=0.2, ge=0.0, le=2.0)
    max_tokens: int = Field(default=1024, ge=1, le=32000)
    sections: list[str] = Field(default_factory=list)
    variables: dict[str, _VariableSpec]
    system_static: str
    system_dynamic: str = ""
    user: str


@dataclass(frozen=True, slots=True)
class PromptVariable:
    """One declared template variable."""

    name: str
    required: bool
    default: str
    data: bool
    tag: str | None


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """One version of one prompt in one language."""

    id: str
    version: str
    language: str
    weight: int
    description: str
    json_mode: bool
    temperature: float
    max_tokens: int
    sections: tuple[str, ...]
    variables: Mapping[str, PromptVariable]
    system_static: str
    system_dynamic: str
    user: str
    path: Path | None = None

    def render(self, **values: object) -> LLMRequest:
        """Fill the template and return a request tagged with this prompt's id and version."""
        unknown = set(values) - set(self.variables)
        if unknown:
            raise PromptError(f"{self.id}/{self.version}: unknown variables {sorted(unknown)}")
        filled: dict[str, str] = {}
        for name, var in self.variables.items():
            raw = values.get(name)
            if raw is None or str(raw).strip() == "":
                if var.required:
                    raise PromptError(f"{self.id}/{self.version}: variable {name!r} is required")
                text = var.default
            else:
                text = str(raw)
            filled[name] = self._neutralise(text) if var.data else text
        return LLMRequest(
            messages=(ChatMessage("user", _substitute(self.user, filled)),),
            system_static=self.system_static.strip(),
            system_dynamic=_substitute(self.system_dynamic, filled).strip(),
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            json_mode=self.json_mode,
            prompt_id=self.id,
            prompt_version=self.version,
            language=self.language,
        )

    def _neutralise(self, text: str) -> str:
        """Defang anything in DATA that looks like one of this template's delimiter tags."""
        tags = sorted({v.tag for v in self.variables.values() if v.tag})
        if not tags:
            return text
        pattern = re.compile(r"<\s*(/?)\s*(" + "|".join(tags) + r")\b[^>]*>", re.IGNORECASE)
        return pattern.sub(lambda m: f"[{m.group(1)}{m.group(2)}]", text)


def _substitute(template: str, values: Mapping[str, str]) -> str:
    """Replace ``{{name}}`` placeholders in one pass, so values are never re-expanded."""
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _check(spec: _PromptFile, path: Path) -> None:
    """Enforce the rules a schema cannot express."""
    where = f"{path}"
    m = _FILE_NAME.match(path.name)
    if m is None or m["version"] != spec.version or m["lang"] != spec.language:
        raise PromptError(f"{where}: file name must be <version>.<language>.yaml matching fields")
    if path.parent.name != spec.id:
        raise PromptError(f"{where}: folder name must equal the prompt id {spec.id!r}")
    if _PLACEHOLDER.search(spec.system_static):
        raise PromptError(f"{where}: system_static must be static (no placeholders)")
    used = set(_PLACEHOLDER.findall(spec.system_dynamic + spec.user))
    undeclared = used - set(spec.variables)
    if undeclared:
        raise PromptError(f"{where}: undeclared placeholders {sorted(undeclared)}")
    unused = set(spec.variables) - used
    if unused:
        raise PromptError(f"{where}: declared but unused variables {sorted(unused)}")
    for name, var in spec.variables.items():
        if not var.data:
            continue
        if not var.tag:
            raise PromptError(f"{where}: data variable {name!r} needs a tag")
        wrapped = re.compile(
            rf"<{var.tag}>\s*\{{\{{\s*{name}\s*\}}\}}\s*</{var.tag}>", re.MULTILINE
        )
        if not wrapped.search(spec.user):
            raise PromptError(f"{where}: data variable {name!r} must sit inside <{var.tag}>")
        if re.search(rf"\{{\{{\s*{name}\s*\}}\}}", spec.system_dynamic):
            raise PromptError(f"{where}: data variable {name!r} may not appear in the system")


def load_template(path: Path) -> PromptTemplate:
    """Load and validate one prompt file."""
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
        spec = _PromptFile.model_validate(raw)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise PromptError(f"{path}: {exc}") from None
    _check(spec, path)
    return PromptTemplate(
        id=spec.id,
        version=spec.version,
        language=spec.language,
        weight=spec.weight,
        description=spec.description,
        json_mode=spec.json_mode,
        temperature=spec.temperature,
        max_tokens=spec.max_tokens,
        sections=tuple(spec.sections),
        variables={
            name: PromptVariable(name, v.required, v.default, v.data, v.tag)
            for name, v in spec.variables.items()
        },
        system_static=spec.system_static,
        system_dynamic=spec.system_dynamic,
        user=spec.user,
        path=path,
    )


def bucket(prompt_id: str, key: str, total: int) -> int:
    """Map a key to a stable bucket in [0, total) (stable across processes, unlike hash())."""
    digest = hashlib.sha256(f"{prompt_id}|{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % total


class PromptRegistry:
    """All prompt templates, indexed by id, language and version."""

    def __init__(self, templates: list[PromptTemplate]) -> None:
        self._by_key: dict[tuple[str, str, str], PromptTemplate] = {}
        for t in templates:
            k = (t.id, t.language, t.version)
            if k in self._by_key:
                raise PromptError(f"duplicate prompt {k}")
            self._by_key[k] = t

    @classmethod
    def load(cls, root: Path = DEFAULT_ROOT) -> PromptRegistry:
        """Load every ``<id>/<version>.<lang>.yaml`` under ``root``."""
        paths = sorted(root.glob("*/*.yaml"))
        if not paths:
            raise PromptError(f"no prompt files under {root}")
        registry = cls([load_template(p) for p in paths])
        log.debug("loaded %d prompt templates from %s", len(paths), root)
        return registry

    def ids(self) -> list[str]:
        """Return every prompt id."""
        return sorted({k[0] for k in self._by_key})

    def templates(self) -> list[PromptTemplate]:
        """Return every template."""
        return list(self._by_key.values())

    def get(self, prompt_id: str, version: str, language: str) -> PromptTemplate:
        """Return one exact template, falling back to English if the language is missing."""
        for lang in (language, FALLBACK_LANGUAGE):
            t = self._by_key.get((prompt_id, lang, version))
            if t is not None:
                return t
        raise PromptError(f"no prompt {prompt_id}/{version} for {language}")

    def versions(self, prompt_id: str, language: str) -> list[PromptTemplate]:
        """Return the versions available in a language (English if it has none), oldest first."""
        for lang in (language, FALLBACK_LANGUAGE):
            found = [t for (i, lg, _), t in self._by_key.items() if i == prompt_id and lg == lang]
            if found:
                return sorted(found, key=lambda t: int(t.version[1:]))
        raise PromptError(f"no prompt {prompt_id!r}")

    def choose(self, prompt_id: str, language: str, key: str) -> PromptTemplate:
        """Pick a version by weight, deterministically for ``key`` (e.g. the session id)."""
        live = [t for t in self.versions(prompt_id, language) if t.weight > 0]
        if not live:
            raise PromptError(f"prompt {prompt_id!r} has no version with weight > 0")
        point = bucket(prompt_id, key, sum(t.weight for t in live))
        for t in live:
            if point < t.weight:
                return t
            point -= t.weight
        return live[-1]  # pragma: no cover - point is always below the total

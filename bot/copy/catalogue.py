"""User-facing text, one key per message, in every language the product speaks.

Each language has a folder of YAML files, one per area (``interview.yaml``, ``voice.yaml``);
a key is the file's name followed by the path inside it: ``interview.not_yours``. Values are
``str.format`` templates with ``{named}`` placeholders. Every key exists in every language
with the same placeholders (a test holds this), so a Korean session is Korean everywhere.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml

from bot.catalog import Language

log = logging.getLogger(__name__)

FALLBACK: Final = Language.EN
# Discord's locale codes for each language, for slash-command localisations.
DISCORD_LOCALES: Final[Mapping[Language, tuple[str, ...]]] = {
    Language.EN: ("en-US", "en-GB"),
    Language.KO: ("ko",),
}


class CopyError(ValueError):
    """A catalogue file is missing or malformed."""


class _Keep(dict[str, Any]):
    """Leave unknown placeholders visible instead of failing in front of a user."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def placeholders(template: str) -> frozenset[str]:
    """Return the names of a template's ``{placeholders}``."""
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)
    except ValueError as exc:
        raise CopyError(f"bad template {template!r}: {exc}") from exc


def _flatten(prefix: str, value: Any, out: dict[str, str], where: Path) -> None:
    if isinstance(value, str):
        out[prefix] = value
        return
    if not isinstance(value, dict) or not value:
        raise CopyError(f"{where}: {prefix} must be text or a non-empty mapping")
    for key, inner in value.items():
        if not isinstance(key, str) or not key or "." in key:
            raise CopyError(f"{where}: bad key {key!r} under {prefix}")
        _flatten(f"{prefix}.{key}", inner, out, where)


def read_language(folder: Path) -> dict[str, str]:
    """Read one language's folder into a flat ``key -> template`` mapping."""
    texts: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise CopyError(f"{path}: cannot read: {exc}") from exc
        _flatten(path.stem, raw, texts, path)
    for key, template in texts.items():
        placeholders(template)  # fail at load, not in front of a user
        if not template.strip():
            raise CopyError(f"{folder}: {key} is empty")
    return texts


@dataclass(frozen=True)
class Catalogue:
    """Every language's texts; ``text`` fills a template for one language."""

    texts: Mapping[Language, Mapping[str, str]]

    @classmethod
    def load(cls, root: Path) -> Catalogue:
        """Read ``<root>/<language>/*.yaml`` for every language that has a folder."""
        texts = {
            language: read_language(root / language.value)
            for language in Language
            if (root / language.value).is_dir()
        }
        if FALLBACK not in texts:
            raise CopyError(f"{root}: no {FALLBACK.value}/ catalogue")
        return cls(texts)

    def key_set(self, language: Language = FALLBACK) -> frozenset[str]:
        """Return every key a language defines."""
        return frozenset(self.texts.get(language, {}))

    def has(self, key: str) -> bool:
        """Tell whether the fallback language defines ``key``."""
        return key in self.texts[FALLBACK]

    def template(self, key: str, language: Language) -> str:
        """Return the raw template, in English when the language lacks it (logged)."""
        found = self.texts.get(language, {}).get(key)
        if found is not None:
            return found
        fallback = self.texts[FALLBACK].get(key)
        if fallback is None:
            # A missing key is a bug; show something readable rather than a traceback.
            log.error("copy key %s is missing", key)
            return key
        log.warning("copy key %s has no %s text; using %s", key, language.value, FALLBACK.value)
        return fallback

    def text(self, key: str, language: Language = FALLBACK, **params: Any) -> str:
        """Return the text for ``key`` in ``language`` with its placeholders filled."""
        return self.template(key, language).format_map(_Keep(params))

    def localizations(self, key: str) -> dict[str, str]:
        """Return Discord ``*_localizations`` for ``key``: every non-fallback language."""
        found: dict[str, str] = {}
        for language, locales in DISCORD_LOCALES.items():
            if language is FALLBACK:
                continue
            value = self.texts.get(language, {}).get(key)
            if value:
                found.update(dict.fromkeys(locales, value))
        return found

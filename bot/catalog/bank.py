"""Question bank and follow-up bank, loaded from versioned YAML data files."""

from __future__ import annotations

import json
import logging
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import jsonschema  # type: ignore[import-untyped]
import yaml

try:  # libyaml's parser is several times faster; the constructor stays in Python either way
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]

from bot.catalog.vocabulary import Kind, Language, Level, Question

log = logging.getLogger(__name__)

QUESTIONS_DIR = "questions"
FOLLOWUPS_DIR = "followups"
SCHEMA_DIR = "schema"
QUESTIONS_SCHEMA = "questions.schema.json"
FOLLOWUPS_SCHEMA = "followups.schema.json"
SUFFIX = ".yaml"

ID_PREFIX: Mapping[Kind, str] = {
    Kind.BEHAVIORAL: "beh-",
    Kind.TECHNICAL: "tech-",
    Kind.SYSTEM_DESIGN: "sd-",
    Kind.CODING: "code-",
}

# Schema errors can be numerous for a badly broken file; a few are enough to fix it.
_MAX_REPORTED_ERRORS = 3


class BankError(Exception):
    """A prompts data file is missing, malformed or inconsistent."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


def default_prompts_root() -> Path:
    """Return the repository's prompts/ folder."""
    return Path(__file__).resolve().parents[2] / "prompts"


class ExtraQuestions(Protocol):
    """Questions a server added for itself, beside the bank (the bank itself never changes).

    Lookups answer from memory: the engine asks while it picks and presents questions.
    """

    def questions(self, guild_id: int | None, kind: Kind, language: Language) -> list[Question]:
        """Return the server's own questions of one kind and language."""
        ...

    def get(self, question_id: str) -> Question | None:
        """Return one of the servers' questions by id, or None."""
        ...


class QuestionBank:
    """Interview questions by kind and language, and follow-up probes by rubric rule."""

    def __init__(
        self,
        questions: Iterable[Question] = (),
        follow_ups: Mapping[Language, Mapping[str, Sequence[str] | Mapping[str, Sequence[str]]]]
        | None = None,
        generic_follow_ups: Mapping[Language, Sequence[str] | Mapping[str, Sequence[str]]]
        | None = None,
    ) -> None:
        """Build a bank in memory; ``load`` is the way to read the data files."""
        self._questions: dict[tuple[Kind, Language], list[Question]] = {}
        self._by_id: dict[str, Question] = {}
        for question in questions:
            if question.id in self._by_id:
                raise ValueError(f"duplicate question id {question.id!r}")
            self._by_id[question.id] = question
            self._questions.setdefault((question.kind, question.language), []).append(question)
        # Probes by language, rule and kind ("any" fits every kind).
        self._rules = {
            Language(lang): {
                rule: {kind: tuple(texts) for kind, texts in _by_kind(probes).items()}
                for rule, probes in rules.items()
            }
            for lang, rules in (follow_ups or {}).items()
        }
        self._generic = {
            Language(lang): {kind: tuple(texts) for kind, texts in _by_kind(probes).items()}
            for lang, probes in (generic_follow_ups or {}).items()
        }

    @classmethod
    def load(cls, root: Path) -> QuestionBank:
        """Load and validate every question and follow-up file under ``root`` (prompts/)."""
        root = Path(root)
        questions_schema = _load_schema(root, QUESTIONS_SCHEMA)
        followups_schema = _load_schema(root, FOLLOWUPS_SCHEMA)

        questions: list[Question] = []
        files = 0
        origin: dict[str, Path] = {}
        seen_text: dict[tuple[Language, str], tuple[str, Path]] = {}
        for language, kind, path in _question_files(root / QUESTIONS_DIR):
            data = _read_yaml(path)
            _validate(path, data, questions_schema)
            _expect(path, "kind", data["kind"], kind.value)
            _expect(path, "language", data["language"], language.value)
            files += 1
            for entry in data["questions"]:
                question = _question(path, kind, language, entry)
                if question.id in origin:
                    other = origin[question.id]
                    raise BankError(
                        path, f"duplicate question id {question.id!r} (also in {other})"
                    )
                origin[question.id] = path
                text_key = (language, _normalise(question.text))
                if text_key in seen_text:
                    other_id, other_path = seen_text[text_key]
                    problem = f"question {question.id!r} repeats the text of {other_id!r}"
                    raise BankError(path, f"{problem} in {other_path}")
                seen_text[text_key] = (question.id, path)
                questions.append(question)

        rules: dict[Language, dict[str, dict[str, list[str]]]] = {}
        generic: dict[Language, dict[str, list[str]]] = {}
        for language, path in _followup_files(root / FOLLOWUPS_DIR):
            data = _read_yaml(path)
            _validate(path, data, followups_schema)
            _expect(path, "language", data["language"], language.value)
            generic[language] = {
                kind: [_clean(path, "generic", t) for t in probes]
                for kind, probes in data["generic"].items()
            }
            rules[language] = {
                rule: {
                    kind: [_clean(path, rule, t) for t in texts]
                    for kind, texts in _by_kind(probes).items()
                }
                for rule, probes in data["rules"].items()
            }

        bank = cls(questions, rules, generic)
        log.info(
            "Loaded question bank from %s: %d questions in %d files, follow-ups for %s",
            root,
            len(bank),
            files,
            ", ".join(sorted(lang.value for lang in rules)) or "no language",
        )
        return bank

    def __len__(self) -> int:
        """Return the number of questions in the bank."""
        return len(self._by_id)

    def __iter__(self) -> Iterator[Question]:
        """Iterate over every question, file by file in load order."""
        for items in self._questions.values():
            yield from items

    def questions(
        self, kind: Kind, language: Language, level: Level | None = None
    ) -> list[Question]:
        """Return the questions of one kind and language, optionally only those for ``level``."""
        items = self._questions.get((Kind(kind), Language(language)), [])
        if level is None:
            return list(items)
        return [q for q in items if Level(level) in q.levels]

    def get(self, question_id: str) -> Question | None:
        """Return the question with this id, or None."""
        return self._by_id.get(question_id)

    def follow_ups(self, rule_id: str, language: Language, kind: Kind | None = None) -> list[str]:
        """Return the probes for a rubric rule in ``language`` that fit ``kind``."""
        by_kind = self._rules.get(Language(language), {}).get(rule_id, {})
        return _for_kind(by_kind, kind)

    def generic_follow_ups(self, language: Language, kind: Kind | None = None) -> list[str]:
        """Return the probes that fit any answer of ``kind`` in ``language``."""
        return _for_kind(self._generic.get(Language(language), {}), kind)

    def rule_ids(self, language: Language) -> list[str]:
        """Return the rubric rule ids that have probes in ``language``, sorted."""
        return sorted(self._rules.get(Language(language), {}))


ANY_KIND = "any"


def _by_kind(probes: Any) -> dict[str, list[str]]:
    """Return probes keyed by kind: a plain list fits every kind."""
    if isinstance(probes, Mapping):
        return {str(kind): list(texts) for kind, texts in probes.items()}
    return {ANY_KIND: list(probes)}


def _for_kind(by_kind: Mapping[str, Sequence[str]], kind: Kind | None) -> list[str]:
    """Return the probes written for ``kind`` first, then those for any kind."""
    chosen = list(by_kind.get(Kind(kind).value, ())) if kind is not None else []
    if kind is None:
        for texts in by_kind.values():
            chosen += [t for t in texts if t not in chosen]
        return chosen
    return chosen + [t for t in by_kind.get(ANY_KIND, ()) if t not in chosen]


class _StrictLoader(_SafeLoader):
    """Safe YAML loader that rejects duplicate mapping keys instead of keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key_node.value!r}",
                        key_node.start_mark,
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BankError(path, f"cannot read file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise BankError(path, f"not valid UTF-8: {exc.reason}") from exc
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        raise BankError(path, f"invalid YAML: {_describe_yaml_error(exc)}") from exc


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or exc.context or "syntax error"
        if exc.problem_mark is not None:
            mark = exc.problem_mark
            return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
        return problem
    return str(exc)


def _load_schema(root: Path, name: str) -> Any:
    # A custom bank without its own schema folder is checked against the shipped schema.
    path = root / SCHEMA_DIR / name
    if not path.is_file():
        path = default_prompts_root() / SCHEMA_DIR / name
    try:
        schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BankError(path, f"cannot read schema: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BankError(path, f"invalid JSON schema file: {exc}") from exc
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        raise BankError(path, f"invalid JSON schema: {exc.message}") from exc
    return jsonschema.Draft202012Validator(schema)


def _validate(path: Path, data: Any, validator: Any) -> None:
    errors = list(validator.iter_errors(data))
    if not errors:
        return
    described = [f"{_json_path(e.absolute_path)}: {_shorten(e.message)}" for e in errors]
    more = len(described) - _MAX_REPORTED_ERRORS
    summary = "; ".join(described[:_MAX_REPORTED_ERRORS])
    if more > 0:
        summary += f"; and {more} more"
    raise BankError(path, f"does not match the schema: {summary}")


def _shorten(message: str, limit: int = 160) -> str:
    # jsonschema repeats the offending value, which can be a whole question.
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _json_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "(top level)"


def _expect(path: Path, key: str, found: str, wanted: str) -> None:
    if found != wanted:
        raise BankError(path, f"{key} is {found!r} but the file's location says {wanted!r}")


def _question(path: Path, kind: Kind, language: Language, entry: dict[str, Any]) -> Question:
    qid: str = entry["id"]
    prefix = ID_PREFIX[kind]
    if not qid.startswith(prefix):
        raise BankError(path, f"question id {qid!r} must start with {prefix!r} for kind {kind}")
    levels = sorted((Level(v) for v in entry["levels"]), key=lambda lv: lv.rank)
    return Question(
        id=qid,
        kind=kind,
        language=language,
        levels=tuple(levels),
        skills=tuple(entry["skills"]),
        text=_clean(path, qid, entry["text"]),
        hint=_clean(path, qid, entry["hint"]),
        keywords=tuple(_clean(path, qid, k) for k in entry["keywords"]),
    )


def _clean(path: Path, where: str, text: str) -> str:
    # Folded YAML scalars leave stray newlines; chat and speech both want one line.
    cleaned = " ".join(text.split())
    if not cleaned:
        raise BankError(path, f"{where}: empty text")
    return cleaned


def _normalise(text: str) -> str:
    return " ".join(text.casefold().split())


def _question_files(folder: Path) -> list[tuple[Language, Kind, Path]]:
    if not folder.is_dir():
        raise BankError(folder, "missing questions folder")
    languages = ", ".join(lang.value for lang in Language)
    kinds = ", ".join(k.value for k in Kind)
    found: list[tuple[Language, Kind, Path]] = []
    for lang_dir in _visible(folder):
        if not lang_dir.is_dir() or lang_dir.name not in {lang.value for lang in Language}:
            raise BankError(lang_dir, f"unexpected entry; expected a language folder ({languages})")
        for path in _visible(lang_dir):
            if (
                not path.is_file()
                or path.suffix != SUFFIX
                or path.stem not in {k.value for k in Kind}
            ):
                raise BankError(
                    path, f"unexpected file; expected <kind>{SUFFIX} with kind in {kinds}"
                )
            found.append((Language(lang_dir.name), Kind(path.stem), path))
    return found


def _followup_files(folder: Path) -> list[tuple[Language, Path]]:
    if not folder.is_dir():
        raise BankError(folder, "missing followups folder")
    languages = ", ".join(lang.value for lang in Language)
    found: list[tuple[Language, Path]] = []
    for path in _visible(folder):
        if (
            not path.is_file()
            or path.suffix != SUFFIX
            or path.stem not in {lang.value for lang in Language}
        ):
            raise BankError(path, f"unexpected file; expected <language>{SUFFIX} ({languages})")
        found.append((Language(path.stem), path))
    return found


def _visible(folder: Path) -> list[Path]:
    # Editors and OSes drop dotfiles (.DS_Store, swap files) next to data files.
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))

"""A server's own questions: added one at a time or from a YAML/CSV file, used beside the bank.

Every question is checked against the bank's JSON schema (``prompts/schema/``), so a server's
question is shaped exactly like a shipped one; a file's problems are reported with the line
they are on. Stored ids carry the server (``beh-g123-my-question``), so they never collide with
the bank's or another server's. Interviews and rounds in the server draw on them through the
engine's ``ExtraQuestions`` port (``questions`` and ``get`` answer from memory).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jsonschema  # type: ignore[import-untyped]
import yaml

from bot.catalog import Kind, Language, Level, Question
from bot.catalog.bank import ID_PREFIX, QUESTIONS_SCHEMA, SCHEMA_DIR, default_prompts_root
from bot.copy import text
from bot.errors import CoachError

log = logging.getLogger(__name__)

MAX_PER_SERVER = 200
MAX_FILE_BYTES = 256 * 1024
MAX_TEXT = 1000
MAX_HINT = 500
MAX_REPORTED = 10
LIST_SPLIT = re.compile(r"\s*[;,|]\s*")
CSV_COLUMNS = ("kind", "language", "id", "levels", "skills", "text", "hint", "keywords")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a question or a file: where (line, field) and what, in words."""

    line: int | None
    field: str
    message: str


class QuestionFileError(CoachError):
    """Questions that cannot be added; ``problems`` says where and why (shown line by line)."""

    def __init__(self, problems: Sequence[Problem], language: Language, more: int = 0) -> None:
        self.problems = tuple(problems)
        lines = [_describe(p, language) for p in self.problems[:MAX_REPORTED]]
        hidden = more + max(0, len(self.problems) - MAX_REPORTED)
        if hidden:
            lines.append(text("settings.questions.more_problems", language, count=hidden))
        super().__init__(
            key="settings.questions.rejected", language=language, problems="\n".join(lines)
        )


def _describe(problem: Problem, language: Language) -> str:
    where = (
        text("settings.questions.at_line", language, line=problem.line, field=problem.field)
        if problem.line is not None
        else text("settings.questions.at_field", language, field=problem.field)
    )
    return f"{where}: {problem.message}"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import added."""

    added: tuple[Question, ...]


class ServerQuestionStore(Protocol):
    """Persists every server's own questions."""

    async def all(self) -> list[tuple[int, Question]]:
        """Return (server, question) for every stored question."""
        ...

    async def add(self, guild_id: int, questions: Sequence[Question]) -> None:
        """Store questions for a server (all or none)."""
        ...

    async def remove(self, guild_id: int, question_id: str) -> bool:
        """Delete one of a server's questions; tell if it existed."""
        ...


def load_schema(prompts_root: Path | None = None) -> dict[str, Any]:
    """Return the bank's question-file schema (the shipped one when ``prompts_root`` has none)."""
    for root in (prompts_root, default_prompts_root()):
        if root is None:
            continue
        path = Path(root) / SCHEMA_DIR / QUESTIONS_SCHEMA
        if path.is_file():
            loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return loaded
    raise FileNotFoundError(QUESTIONS_SCHEMA)


class ServerQuestions:
    """Each server's own questions, kept in memory and stored through ``ServerQuestionStore``."""

    def __init__(
        self,
        store: ServerQuestionStore,
        schema: dict[str, Any],
        *,
        bank_ids: frozenset[str] = frozenset(),
        max_per_server: int = MAX_PER_SERVER,
    ) -> None:
        self.store = store
        self._validator = jsonschema.Draft202012Validator(schema)
        self._bank_ids = bank_ids
        self.max_per_server = max_per_server
        self._by_guild: dict[int, list[Question]] = {}
        self._by_id: dict[str, Question] = {}

    async def load(self) -> int:
        """Read every server's questions into memory; return how many."""
        self._by_guild, self._by_id = {}, {}
        for guild_id, question in await self.store.all():
            self._keep(guild_id, question)
        return len(self._by_id)

    # ---- the engine's ExtraQuestions port -------------------------------------------------

    def questions(self, guild_id: int | None, kind: Kind, language: Language) -> list[Question]:
        """Return the server's questions of one kind and language."""
        if guild_id is None:
            return []
        return [
            q for q in self._by_guild.get(guild_id, []) if q.kind is kind and q.language is language
        ]

    def get(self, question_id: str) -> Question | None:
        """Return a server question by its stored id."""
        return self._by_id.get(question_id)

    # ---- moderators ----------------------------------------------------------------------

    def for_guild(self, guild_id: int) -> list[Question]:
        """Return every question of a server, in the order they were added."""
        return list(self._by_guild.get(guild_id, []))

    async def add_one(
        self,
        guild_id: int,
        kind: Kind,
        language: Language,
        fields: dict[str, str],
        reply_language: Language,
    ) -> Question:
        """Add one question typed in a form (levels, skills and keywords separated by commas)."""
        question_text = fields.get("text", "").strip()
        entry: dict[str, Any] = {
            "id": _generated_id(kind, question_text),
            "levels": _split(fields.get("levels", "")) or [lv.value for lv in Level],
            "skills": _split(fields.get("skills", "")),
            "text": question_text,
            "hint": fields.get("hint", "").strip(),
            "keywords": _split(fields.get("keywords", "")),
        }
        document = _document(kind.value, language.value, [entry])
        problems = self._check(document, lambda path: (None, _field_of(path)), reply_language)
        if problems:
            raise QuestionFileError(problems, reply_language)
        (question,) = self._questions(guild_id, document, [None], reply_language)
        await self._store(guild_id, [question], reply_language)
        return question

    async def import_file(
        self, guild_id: int, filename: str, data: bytes, reply_language: Language
    ) -> ImportResult:
        """Add every question of a YAML (bank layout) or CSV file, or none and say why."""
        if len(data) > MAX_FILE_BYTES:
            raise QuestionFileError(
                [
                    Problem(
                        None, filename, _say("too_big", reply_language, kb=MAX_FILE_BYTES // 1024)
                    )
                ],
                reply_language,
            )
        try:
            body = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problem = _say("not_utf8", reply_language, position=exc.start)
            raise QuestionFileError([Problem(None, filename, problem)], reply_language) from None
        suffix = Path(filename).suffix.lower()
        if suffix == ".csv":
            documents = self._csv_documents(body, reply_language)
        elif suffix in (".yaml", ".yml"):
            documents = [self._yaml_document(body, reply_language)]
        else:
            problem = _say("bad_file_type", reply_language)
            raise QuestionFileError([Problem(None, filename, problem)], reply_language)
        added: list[Question] = []
        for document, lines in documents:
            added += self._questions(guild_id, document, lines, reply_language)
        _check_duplicates(added, self._lines(documents), reply_language)
        await self._store(guild_id, added, reply_language)
        return ImportResult(tuple(added))

    async def remove(self, guild_id: int, question_id: str, language: Language) -> Question:
        """Delete one of the server's questions."""
        question = self._by_id.get(question_id)
        if question is None or question not in self._by_guild.get(guild_id, []):
            raise CoachError(key="settings.questions.not_found", language=language, id=question_id)
        await self.store.remove(guild_id, question_id)
        self._by_guild[guild_id].remove(question)
        del self._by_id[question_id]
        return question

    # ---- parsing -------------------------------------------------------------------------

    def _yaml_document(
        self, body: str, language: Language
    ) -> tuple[dict[str, Any], list[int | None]]:
        try:
            root = yaml.compose(body, Loader=yaml.SafeLoader)
            data = yaml.safe_load(body)
        except yaml.YAMLError as exc:
            line = None
            if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
                line = exc.problem_mark.line + 1
            detail = getattr(exc, "problem", None) or "syntax"
            raise QuestionFileError(
                [Problem(line, "YAML", _say("bad_yaml", language, detail=detail))], language
            ) from None
        if root is None or not isinstance(data, dict):
            raise QuestionFileError([Problem(1, "YAML", _say("empty", language))], language)

        def where(path: Sequence[Any]) -> tuple[int | None, str]:
            return _yaml_line(root, path), _json_path(path)

        problems = self._check(data, where, language)
        if problems:
            raise QuestionFileError(problems, language)
        entries = data.get("questions") or []
        lines = [_yaml_line(root, ["questions", i]) for i in range(len(entries))]
        return data, lines

    def _csv_documents(
        self, body: str, language: Language
    ) -> list[tuple[dict[str, Any], list[int | None]]]:
        reader = csv.DictReader(io.StringIO(body))
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in CSV_COLUMNS if c != "id" and c not in header]
        if missing:
            problem = _say("csv_columns", language, missing=", ".join(missing))
            raise QuestionFileError([Problem(1, "CSV", problem)], language)
        documents: list[tuple[dict[str, Any], list[int | None]]] = []
        problems: list[Problem] = []
        for raw in reader:
            line = reader.line_num
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
            if not any(row.values()):
                continue
            kind = row.get("kind", "")
            entry = {
                "id": row.get("id") or _generated_id(_kind_or(kind), row.get("text", "")),
                "levels": _split(row.get("levels", "")),
                "skills": _split(row.get("skills", "")),
                "text": row.get("text", ""),
                "hint": row.get("hint", ""),
                "keywords": _split(row.get("keywords", "")),
            }
            document = _document(kind, row.get("language", ""), [entry])
            problems += self._check(document, lambda path, at=line: (at, _field_of(path)), language)
            documents.append((document, [line]))
        if problems:
            raise QuestionFileError(problems, language)
        if not documents:
            raise QuestionFileError([Problem(None, "CSV", _say("empty", language))], language)
        return documents

    def _check(
        self,
        document: dict[str, Any],
        where: Any,
        language: Language,
    ) -> list[Problem]:
        """Return the schema's complaints about ``document``, each placed by ``where(path)``."""
        problems = []
        for error in sorted(self._validator.iter_errors(document), key=lambda e: list(e.path)):
            line, field = where(list(error.absolute_path))
            problems.append(Problem(line, field, _schema_message(error, language)))
        if not problems:
            for i, entry in enumerate(document.get("questions") or []):
                text_ = entry.get("text", "")
                hint = entry.get("hint", "")
                if len(text_) > MAX_TEXT or len(hint) > MAX_HINT:
                    line, field = where(
                        ["questions", i, "text" if len(text_) > MAX_TEXT else "hint"]
                    )
                    limit = MAX_TEXT if len(text_) > MAX_TEXT else MAX_HINT
                    problems.append(Problem(line, field, _say("too_long", language, limit=limit)))
        return sorted(problems, key=lambda p: (p.line or 0, p.field))

    def _questions(
        self,
        guild_id: int,
        document: dict[str, Any],
        lines: Sequence[int | None],
        language: Language,
    ) -> list[Question]:
        kind = Kind(document["kind"])
        lang = Language(document["language"])
        prefix = ID_PREFIX[kind]
        found = []
        problems = []
        for entry, line in zip(document["questions"], lines, strict=False):
            given: str = entry["id"]
            if not given.startswith(prefix):
                problems.append(
                    Problem(line, "id", _say("id_prefix", language, id=given, prefix=prefix))
                )
                continue
            stored = f"{prefix}g{guild_id}-{given.removeprefix(prefix)}"
            found.append(
                Question(
                    id=stored[:80],
                    kind=kind,
                    language=lang,
                    levels=tuple(sorted((Level(v) for v in entry["levels"]), key=lambda v: v.rank)),
                    skills=tuple(entry["skills"]),
                    text=" ".join(entry["text"].split()),
                    hint=" ".join(entry["hint"].split()),
                    keywords=tuple(" ".join(k.split()) for k in entry["keywords"]),
                )
            )
        if problems:
            raise QuestionFileError(problems, language)
        return found

    @staticmethod
    def _lines(documents: Sequence[tuple[dict[str, Any], list[int | None]]]) -> list[int | None]:
        return [line for _, lines in documents for line in lines]

    async def _store(self, guild_id: int, added: list[Question], language: Language) -> None:
        have = self._by_guild.get(guild_id, [])
        if len(have) + len(added) > self.max_per_server:
            problem = _say("too_many", language, limit=self.max_per_server, have=len(have))
            raise QuestionFileError([Problem(None, "questions", problem)], language)
        taken_ids = {q.id for q in have} | self._bank_ids
        taken_texts = {(q.language, _fold(q.text)) for q in have}
        problems = []
        for question in added:
            if question.id in taken_ids:
                problems.append(Problem(None, "id", _say("id_taken", language, id=question.id)))
            elif (question.language, _fold(question.text)) in taken_texts:
                problems.append(Problem(None, "text", _say("text_taken", language, id=question.id)))
        if problems:
            raise QuestionFileError(problems, language)
        await self.store.add(guild_id, added)
        for question in added:
            self._keep(guild_id, question)
        log.info("Guild %s added %d questions", guild_id, len(added))

    def _keep(self, guild_id: int, question: Question) -> None:
        self._by_guild.setdefault(guild_id, []).append(question)
        self._by_id[question.id] = question


# ---- helpers --------------------------------------------------------------------------------


def _document(kind: str, language: str, entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema_version": 1, "kind": kind, "language": language, "questions": entries}


def _split(value: str) -> list[str]:
    return [part for part in LIST_SPLIT.split(value.strip()) if part]


def _fold(value: str) -> str:
    return " ".join(value.casefold().split())


def _kind_or(value: str) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        return Kind.BEHAVIORAL


def _generated_id(kind: Kind, question_text: str) -> str:
    """Return a schema-valid id from the first words of the text and a short digest."""
    words = re.findall(r"[a-z0-9]+", question_text.casefold())[:5]
    digest = hashlib.sha256(question_text.encode("utf-8")).hexdigest()[:6]
    return ID_PREFIX[kind] + "-".join([*words, digest])


def _check_duplicates(
    added: Sequence[Question], lines: Sequence[int | None], language: Language
) -> None:
    seen_ids: dict[str, int | None] = {}
    seen_texts: dict[tuple[Language, str], int | None] = {}
    problems = []
    for question, line in zip(added, lines, strict=False):
        key = (question.language, _fold(question.text))
        if question.id in seen_ids:
            problems.append(
                Problem(line, "id", _say("duplicate_id", language, other=seen_ids[question.id]))
            )
        elif key in seen_texts:
            problems.append(
                Problem(line, "text", _say("duplicate_text", language, other=seen_texts[key]))
            )
        seen_ids.setdefault(question.id, line)
        seen_texts.setdefault(key, line)
    if problems:
        raise QuestionFileError(problems, language)


def _yaml_line(root: yaml.Node, path: Sequence[Any]) -> int | None:
    """Return the 1-based line of the node at ``path`` (the nearest existing parent's)."""
    node = root
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            child = next(
                (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == part),
                None,
            )
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            child = node.value[part] if part < len(node.value) else None
        if child is None:
            break
        node = child
    return node.start_mark.line + 1


def _json_path(path: Sequence[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"


def _field_of(path: Sequence[Any]) -> str:
    """Return the column or form field a schema path is about (``questions.0.skills``: skills)."""
    names = [p for p in path if isinstance(p, str) and p != "questions"]
    return names[-1] if names else "question"


def _say(reason: str, language: Language, **params: Any) -> str:
    return text(f"settings.questions.problems.{reason}", language, **params)


# The schema's checks, in words; anything else says the value does not fit the format.
_SCHEMA_REASONS = {
    "required": "required",
    "enum": "enum",
    "const": "enum",
    "type": "type",
    "minItems": "min_items",
    "maxItems": "max_items",
    "minLength": "empty",
    "pattern": "pattern",
    "uniqueItems": "unique",
    "additionalProperties": "unexpected",
    "maxLength": "too_long",
}


def _schema_message(error: Any, language: Language) -> str:
    reason = _SCHEMA_REASONS.get(error.validator, "format")
    value = error.validator_value
    params: dict[str, Any] = {"limit": value if isinstance(value, int) else ""}
    if error.validator == "required":
        missing = [m for m in value if isinstance(error.instance, dict) and m not in error.instance]
        params["name"] = ", ".join(missing) or str(value)
    elif error.validator in ("enum", "const"):
        allowed = value if isinstance(value, list) else [value]
        params["allowed"] = ", ".join(str(v) for v in allowed)
        params["value"] = str(error.instance)[:40]
    elif error.validator == "additionalProperties":
        params["name"] = ", ".join(
            sorted(set(error.instance) - set(error.schema.get("properties", {})))
        )
    elif error.validator == "pattern":
        params["value"] = str(error.instance)[:40]
    return _say(f"schema_{reason}", language, **params)

"""Choose the questions of a personalised interview.

Offline: the bank's questions of the interview's kind and language, ranked by what the job
description focuses on (a question whose tags the job names counts most, then one that
practises a focus skill, then one at the candidate's level), plus questions written from
templates about the resume's own projects and measured results, naming them ("You led the
ledger migration at Acme: walk me through the hardest decision you made"). Coding
interviews get no project questions: they are about solving a problem on the spot.

With a model, its questions come first, each checked: in the interview's language, of a
sensible length, not a near-copy of a bank question or of another one; bank questions fill
whatever it did not write.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog import Kind, Language, Level, Question
from bot.copy import text
from bot.interview.models import custom_question_id
from bot.profile.models import JobFacts, PlannedQuestion, Project, ResumeFacts
from bot.profile.ports import WrittenQuestion
from bot.profile.resume import project_name_ok
from bot.progress.catalogue import SkillCatalogue

log = logging.getLogger(__name__)

# Share of a plan that may be project questions (the rest comes from the bank).
TEMPLATE_SHARE = 0.4
MIN_QUESTION_CHARS = 20
MAX_QUESTION_CHARS = 400
# Two questions sharing this share of their words are the same question.
DUPLICATE_OVERLAP = 0.6
_WORD = re.compile(r"[\w\uac00-\ud7a3]+")
# Words every interview question uses: they say nothing about which question it is.
_COMMON = (
    "tell about time you your the and how did what when where which who why describe "
    "with that this was were for walk through give example would can could have had "
    "are does one some any there been from into out then them they its our "
    "경험 경험이 말씀해 주세요 있나요 어떻게 했나요 설명해 무엇이었나요 무엇인가요 어떤 "
    "그때 당신이 본인이 했던 있었던 적이"
)
_QUESTION_WORDS = frozenset(_COMMON.split())
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")

# Templates per interview kind: (copy key under profile.templates, question tags).
BEHAVIORAL_TEMPLATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("decision", ("decision_making", "ownership")),
    ("conflict", ("conflict_resolution", "stakeholder_management")),
    ("impact", ("customer_focus", "delivery")),
)
TECHNICAL_TEMPLATES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("design", ("decision_making", "technical_debt")),
    ("tradeoff", ("decision_making",)),
    ("failure", ("debugging", "incident_response")),
)
RESULT_TEMPLATE = ("result", ("customer_focus", "ownership"))


@dataclass(frozen=True, slots=True)
class Ask:
    """What the interview needs: its kind, level, language and size."""

    kind: Kind
    level: Level
    language: Language
    count: int
    seed: str = ""


def rank_bank(
    pool: Sequence[Question],
    ask: Ask,
    job: JobFacts | None,
    resume: ResumeFacts | None,
    catalogue: SkillCatalogue,
    avoid: frozenset[str] = frozenset(),
) -> list[Question]:
    """Return the bank's questions best first for this job (and resume)."""
    focus = set(job.focus) if job else set()
    tags = set(job.tags) if job else set()
    resume_words = _words(
        " ".join((resume.skills if resume else ()) + (resume.results if resume else ()))
    )
    rng = random.Random(ask.seed)
    order = {q.id: rng.random() for q in pool}

    def score(q: Question) -> tuple[float, float]:
        points = 3.0 * len(tags.intersection(q.skills))
        points += 2.0 * len(focus.intersection(catalogue.practised_by(q)))
        points += 1.0 if ask.level in q.levels else 0.0
        points += 0.5 * min(2, len(resume_words.intersection(w.casefold() for w in q.keywords)))
        points -= 5.0 if q.id in avoid else 0.0
        return (-points, order[q.id])

    return sorted(pool, key=score)


def project_questions(resume: ResumeFacts, ask: Ask, limit: int) -> list[PlannedQuestion]:
    """Return questions about the resume's own projects (and results), naming them."""
    if ask.kind is Kind.CODING or limit <= 0:
        return []
    templates = BEHAVIORAL_TEMPLATES if ask.kind is Kind.BEHAVIORAL else TECHNICAL_TEMPLATES
    found: list[PlannedQuestion] = []
    # A model's reading is held to the same rule as the heuristics': never a measure as a name.
    named = [p for p in resume.projects if project_name_ok(p.name)]
    for i, project in enumerate(named[:limit]):
        key, tags = templates[i % len(templates)]
        wording = text(
            f"profile.templates.{key}",
            ask.language,
            action=_action(project, ask.language),
            project=_named(project.name, ask.language),
            where=_where(project, ask.language),
        )
        found.append(_written(wording, tags, ask, "template", project.line))
    if len(found) < limit and resume.results:
        key, tags = RESULT_TEMPLATE
        result = resume.results[0]
        wording = text(f"profile.templates.{key}", ask.language, result=result)
        found.append(_written(wording, tags, ask, "template", result))
    return found[:limit]


def model_questions(
    written: Sequence[WrittenQuestion],
    ask: Ask,
    bank: Sequence[Question],
    known_tags: frozenset[str],
) -> list[PlannedQuestion]:
    """Return a model's questions that pass the checks (language, length, no duplicates)."""
    kept: list[PlannedQuestion] = []
    seen = [q.text for q in bank]
    for item in written:
        wording = " ".join(item.text.split())
        if not MIN_QUESTION_CHARS <= len(wording) <= MAX_QUESTION_CHARS:
            log.info("Dropped a written question of %d characters", len(wording))
            continue
        if not _in_language(wording, ask.language):
            log.info("Dropped a written question not in %s", ask.language.value)
            continue
        if any(duplicate(wording, other) for other in seen):
            log.info("Dropped a written question that repeats another")
            continue
        seen.append(wording)
        tags = tuple(t for t in item.tags if t in known_tags)
        kept.append(_written(wording, tags, ask, "model", "", hint=item.hint))
        if len(kept) >= ask.count:
            break
    return kept


def duplicate(one: str, other: str) -> bool:
    """Tell whether two questions are the same question in other words (word overlap)."""
    a, b = _words(one), _words(other)
    if not a or not b:
        return False
    return len(a & b) / min(len(a), len(b)) >= DUPLICATE_OVERLAP


def template_count(count: int) -> int:
    """Return how many of ``count`` questions may be about the resume's projects."""
    return max(1, round(count * TEMPLATE_SHARE)) if count >= 2 else 1


def interleave(
    written: Sequence[PlannedQuestion], bank: Sequence[PlannedQuestion], count: int
) -> list[PlannedQuestion]:
    """Return a plan of ``count`` questions: a written one first, then bank and written in turn."""
    plan: list[PlannedQuestion] = []
    w, b = list(written), list(bank)
    while len(plan) < count and (w or b):
        if w and (not plan or len(plan) % 2 == 0 or not b):
            plan.append(w.pop(0))
        elif b:
            plan.append(b.pop(0))
    return plan


def bank_planned(question: Question, why: str = "") -> PlannedQuestion:
    """Return a bank question as a planned one."""
    return PlannedQuestion(question.id, question.text, "bank", question.skills, question.hint, why)


def as_question(planned: PlannedQuestion, ask: Ask) -> Question:
    """Return a written planned question as the engine's ``Question``."""
    hint = planned.hint or text("profile.questions.hint", ask.language)
    return Question(
        id=planned.id,
        kind=ask.kind,
        language=ask.language,
        levels=(ask.level,),
        skills=planned.skills,
        text=planned.text,
        hint=hint,
    )


def _written(
    wording: str,
    tags: tuple[str, ...],
    ask: Ask,
    source: str,
    why: str,
    hint: str = "",
) -> PlannedQuestion:
    key = hashlib.sha256(f"{ask.seed}|{wording}".encode()).hexdigest()[:10]
    question_id = custom_question_id(ask.kind, ask.language, tags, key)
    return PlannedQuestion(question_id, wording, source, tags, hint, why)


def _action(project: Project, language: Language) -> str:
    verb = project.action.strip()
    if language is Language.EN and verb and not _HANGUL.search(verb):
        return verb
    return text("profile.templates.did", language)


# Words that already determine a noun phrase: it takes no article of its own.
_DETERMINERS = frozenset(
    {"a", "an", "the", "this", "that", "these", "those", "our", "my", "his", "her", "their"}
    | {"its", "your", "each", "every", "all", "both", "several", "some", "many"}
)


def _named(name: str, language: Language) -> str:
    """Return a project's name as it reads inside a sentence: English noun phrases without a
    determiner take "the" ("the migration of the billing database"); a proper name
    ("Mockingbird", "gRPC") and Korean names stay as they are."""
    words = name.split()
    if language is not Language.EN or not words or _HANGUL.search(name):
        return name
    first = words[0]
    if first.casefold() in _DETERMINERS or first[0].isdigit():
        return name
    if len(words) == 1 and first != first.casefold():
        return name  # a single capitalised word is a name
    return text("profile.templates.article", language, project=name)


def _where(project: Project, language: Language) -> str:
    if not project.company:
        return ""
    return text("profile.templates.where", language, company=project.company)


def _in_language(wording: str, language: Language) -> bool:
    if language is Language.KO:
        return bool(_HANGUL.search(wording))
    return bool(_LATIN.search(wording)) and not _HANGUL.search(wording)


def _words(value: str) -> set[str]:
    words = (w.casefold() for w in _WORD.findall(value))
    return {w for w in words if (len(w) > 2 or _HANGUL.search(w)) and w not in _QUESTION_WORDS}

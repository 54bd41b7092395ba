"""Read a resume's text offline: roles, projects, skills and measured results.

Resumes share a shape more than a format: section headings ("Experience", "경력"), a line
per role with a date range, bullets that start with what the candidate did ("Led the
payments migration..."), a skills list, and numbers that prove results. These heuristics
follow that shape; anything they cannot place is left out rather than guessed (the
candidate sees what was found and confirms it). A model, when configured, reads the same
text into the same structure (``ProfileModel.read_resume``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from bot.profile.lexicon import ACTION_VERBS, KOREAN_ACTIONS, MEASURE, TAG_TERMS
from bot.profile.models import Project, ResumeFacts, Role

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_ROLES = 8
MAX_PROJECTS = 8
MAX_SKILLS = 30
MAX_RESULTS = 8
PROJECT_WORDS = 8
LINE_LIMIT = 220

SECTIONS = {
    "experience": (
        "experience",
        "work experience",
        "professional experience",
        "employment",
        "employment history",
        "work history",
        "career",
        "경력",
        "경력 사항",
        "경력사항",
        "경험",
        "직무 경험",
    ),
    "projects": ("projects", "selected projects", "key projects", "프로젝트", "주요 프로젝트"),
    "skills": (
        "skills",
        "technical skills",
        "technologies",
        "tech stack",
        "tools",
        "core skills",
        "기술",
        "기술 스택",
        "보유 기술",
        "기술스택",
        "스킬",
    ),
    "education": ("education", "학력", "교육"),
    "summary": ("summary", "profile", "about", "about me", "objective", "자기소개", "요약", "소개"),
    "other": (
        "awards",
        "certifications",
        "publications",
        "languages",
        "interests",
        "수상",
        "자격증",
        "어학",
        "활동",
    ),
}
ROLE_WORDS = (
    "engineer",
    "developer",
    "manager",
    "lead",
    "intern",
    "scientist",
    "designer",
    "analyst",
    "architect",
    "consultant",
    "director",
    "head of",
    "founder",
    "cto",
    "sre",
    "devops",
    "programmer",
    "researcher",
    "specialist",
    "개발자",
    "엔지니어",
    "매니저",
    "인턴",
    "팀장",
    "리드",
    "연구원",
    "디자이너",
    "기획자",
    "책임",
    "선임",
    "대표",
)
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = rf"(?:{_MONTH}\s*)?(?:19|20)\d{{2}}(?:[./-]\d{{1,2}})?(?:\s*년(?:\s*\d{{1,2}}\s*월)?)?"
_END = r"(?:present|current|now|today|현재|재직\s*중|재직중)"
PERIOD = re.compile(rf"({_DATE})\s*(?:-|–|—|~|to|부터)\s*({_DATE}|{_END})", re.IGNORECASE)
BULLET = re.compile(r"^\s*(?:[-*•●▪◦·‣○■□➢>]|\d+[.)])\s+")
SEPARATORS = re.compile(r"\s+(?:at|@)\s+|\s*[|·•]\s*|\s+[—–-]\s+|,\s+")
STOP_WORDS = re.compile(
    r"\s(?:using|with|to|for|that|which|by|from|reducing|cutting|improving|increasing|"
    r"resulting|so|while|across|in order|leading to|and cut|and reduced)\b|[,;:(]",
    re.IGNORECASE,
)
_KO_OBJECT = re.compile(r"^(.{2,40}?)(?:을|를)\s")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    bullet: bool
    section: str


def read_resume(text: str) -> ResumeFacts:
    """Return what the resume's text says, by its shape (offline)."""
    lines = _lines(text)
    roles: list[Role] = []
    projects: list[Project] = []
    results: list[str] = []
    skills: list[str] = []
    company = ""
    for i, line in enumerate(lines):
        if line.section == "skills" and not MEASURE.search(line.text):
            skills += _skills_in(line.text)
            continue
        period = PERIOD.search(line.text)
        if period and line.section in ("experience", "projects", "") and not line.bullet:
            role = _role(line.text, period, lines[i - 1].text if i else "")
            if role is not None:
                roles.append(role)
                company = role.company
                continue
        if line.section in ("education", "other"):
            continue
        if MEASURE.search(line.text) and (line.bullet or line.section):
            results.append(_clip(line.text))
        project = _project(line, company)
        if project is not None:
            projects.append(project)
    if not skills:
        skills = _named_terms(text)
    return ResumeFacts(
        roles=tuple(_unique(roles, lambda r: (r.title.lower(), r.company.lower())))[:MAX_ROLES],
        projects=tuple(_unique(projects, lambda p: p.name.lower()))[:MAX_PROJECTS],
        skills=tuple(_unique(skills, str.lower))[:MAX_SKILLS],
        results=tuple(_unique(results, str.lower))[:MAX_RESULTS],
    )


def _lines(text: str) -> list[_Line]:
    """Return the resume's non-empty lines, each with its section and bullet mark."""
    found: list[_Line] = []
    section = ""
    for raw in text.splitlines():
        stripped = " ".join(raw.split())
        if not stripped:
            continue
        heading = _heading(stripped)
        if heading is not None:
            section = heading
            continue
        bullet = bool(BULLET.match(stripped))
        cleaned = BULLET.sub("", stripped).strip()
        if cleaned:
            found.append(_Line(cleaned, bullet, section))
    return found


def _heading(line: str) -> str | None:
    """Return the section a heading line opens ("experience"...), or None."""
    key = line.strip(" :#=-_*").casefold()
    if len(key) > 40:
        return None
    for section, names in SECTIONS.items():
        if key in names:
            return section
    return None


def _role(line: str, period: re.Match[str], previous: str) -> Role | None:
    """Return the role a dated line names ("Senior Engineer, Acme  2019 - 2023")."""
    when = period.group(0).strip()
    rest = (line[: period.start()] + " " + line[period.end() :]).strip(" ,|()-–—")
    parts = [p.strip(" ,|()") for p in SEPARATORS.split(rest) if p and p.strip(" ,|()")]
    if not parts and previous:
        parts = [p.strip() for p in SEPARATORS.split(previous) if p.strip()]
    if not parts:
        return None
    titled = [p for p in parts if _is_title(p)]
    title = titled[0] if titled else parts[0]
    others = [p for p in parts if p is not title]
    company = others[0] if others else ""
    if _is_title(company) and not _is_title(title):
        title, company = company, title
    return Role(_clip(title, 80), _clip(company, 80), when)


def _is_title(part: str) -> bool:
    lowered = part.casefold()
    return any(word in lowered for word in ROLE_WORDS)


def _project(line: _Line, company: str) -> Project | None:
    """Return the project a line describes when it opens with what the candidate did."""
    text = line.text
    if not (line.bullet or line.section == "projects"):
        return None
    if _HANGUL.search(text):
        return _korean_project(text, company)
    words = text.split()
    if not words:
        return None
    verb = words[0].casefold().strip(".,")
    if verb not in ACTION_VERBS:
        if line.section == "projects" and not line.bullet:
            # A project's own title line: "Realtime pricing engine — ..."
            name = re.split(r"\s+[—–-]\s+|:\s", text, maxsplit=1)[0]
            return Project(_clip(name, 60), "", company, _clip(text)) if len(name) > 2 else None
        return None
    rest = " ".join(words[1:])
    name = STOP_WORDS.split(rest, maxsplit=1)[0].strip(" .")
    name = " ".join(name.split()[:PROJECT_WORDS])
    if len(name) < 3:
        return None
    return Project(name, verb, company, _clip(text))


def _korean_project(text: str, company: str) -> Project | None:
    found = [(text.index(a), a) for a in KOREAN_ACTIONS if a in text]
    if not found:
        return None
    action = min(found)[1]
    match = _KO_OBJECT.match(text)
    name = match.group(1) if match else text.split(action, 1)[0]
    name = name.strip(" ,.")
    if len(name) < 2 or len(name) > 40:
        return None
    return Project(name, action, company, _clip(text))


def _skills_in(line: str) -> list[str]:
    """Return the items of a skills line ("Languages: Python, Go, SQL")."""
    body = line.split(":", 1)[1] if ":" in line and len(line.split(":", 1)[0]) < 30 else line
    items = re.split(r"\s*[,;/|•·]\s*", body)
    return [i.strip(" .") for i in items if 1 < len(i.strip(" .")) <= 40]


def _named_terms(text: str) -> list[str]:
    """Return technologies the text names, when it has no skills section."""
    lowered = text.casefold()
    names = []
    for terms in TAG_TERMS.values():
        for term in terms:
            clean = term.strip()
            if len(clean) > 3 and re.search(
                r"(?<!\w)" + re.escape(clean.casefold()) + r"\w*", lowered
            ):
                names.append(clean)
    return names


def _clip(value: str, limit: int = LINE_LIMIT) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1].rsplit(" ", 1)[0] + "…"


def _unique(items: list[T], key: Callable[[T], Hashable]) -> list[T]:
    seen: set[Hashable] = set()
    found = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            found.append(item)
    return found

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

from bot.profile.lexicon import (
    ACTION_VERBS,
    IMPROVE_VERBS,
    KOREAN_ACTIONS,
    KOREAN_IMPROVE,
    MEASURE,
    technologies,
    technology_name,
)
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
    r"resulting|so|while|across|in order|leading to|and cut|and reduced|via|per|through|"
    r"handling|processing|serving|powering|supporting|used|achieving|saving|enabling|"
    r"allowing|making|helping|growing|boosting|lowering|where|when|who|now|within)\b|[,;:(]",
    re.IGNORECASE,
)
# Words a project's name may not end on ("the migration of", "a service handling").
_DANGLING = frozenset(
    (
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "for",
        "to",
        "and",
        "or",
        "with",
        "by",
        "per",
        "from",
        "over",
        "into",
        "as",
        "its",
        "our",
        "my",
        "their",
    )
)
# A project is something built or led, not the people in it ("a team of 5").
_PEOPLE = frozenset(
    (
        "team",
        "teams",
        "engineers",
        "engineer",
        "developers",
        "people",
        "interns",
        "members",
        "hires",
        "staff",
    )
)
_KO_WORD_END = " ,.·"
# Korean word endings met when walking back from a verb to its object: a clause that
# modifies the object ends its name ("처리하는 검색 API 서버" → "검색 API 서버"); an
# adverbial particle right before the verb is stepped over ("시스템을 Kotlin으로 재설계").
_KO_CLAUSE_ENDINGS = ("는", "한", "된", "던", "할", "될", "하여", "해서", "하고", "하며", "의해")
_KO_ADVERBIAL_ENDINGS = ("으로", "로", "에서", "에", "까지", "부터", "에게", "와 함께")
_KO_OBJECT_MARKS = ("을", "를")
_KO_VERB_TAIL = re.compile(r"(?:하\w*|했\w*|해\w*|함|됨|및)?")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_DIGIT = re.compile(r"\d")
KO_PROJECT_WORDS = 6
_KO_COUNTERS = frozenset(("건", "명", "개", "회", "번", "배", "원", "만", "억", "천", "대", "곳"))


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
        listed = _skills_line(line)
        if listed is not None:
            skills += listed
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
    # The resume's own list first, as written; then technologies it names elsewhere.
    skills += technologies(text)
    return ResumeFacts(
        roles=tuple(_unique(roles, lambda r: (r.title.lower(), r.company.lower())))[:MAX_ROLES],
        projects=tuple(_unique(projects, lambda p: p.name.lower()))[:MAX_PROJECTS],
        skills=tuple(_unique(skills, _same_skill))[:MAX_SKILLS],
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
    titled = [p for p in parts if is_title(p)]
    title = titled[0] if titled else parts[0]
    others = [p for p in parts if p is not title]
    company = others[0] if others else ""
    if is_title(company) and not is_title(title):
        title, company = company, title
    return Role(_clip(title, 80), _clip(company, 80), when)


def is_title(part: str) -> bool:
    """Tell whether a phrase names a job title ("Senior Engineer", "백엔드 개발자")."""
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
    if verb in IMPROVE_VERBS:
        return None  # its object is a measure: the line is a result
    if verb not in ACTION_VERBS:
        if line.section == "projects" and not line.bullet:
            # A project's own title line: "Realtime pricing engine — ..."
            name = re.split(r"\s+[—–-]\s+|:\s", text, maxsplit=1)[0]
            name = _clip(name, 60)
            return Project(name, "", company, _clip(text)) if project_name_ok(name) else None
        return None
    rest = " ".join(words[1:])
    name = _before_measure(STOP_WORDS.split(rest, maxsplit=1)[0])
    name = _trim_dangling(name.split()[:PROJECT_WORDS])
    if not project_name_ok(name):
        return None
    return Project(name, verb, company, _clip(text))


def project_name_ok(name: str) -> bool:
    """Tell whether a phrase can name a project in a question: a thing built or led, never
    a measure ("handling 3M", "하루 300만 건 요청") or the people in it ("a team of 5")."""
    words = name.split()
    if not words or len(name) < 3 or MEASURE.search(name) or _DIGIT.match(name):
        return False
    content = [w.casefold().strip(".,") for w in words if w.casefold() not in _DANGLING]
    if not content or content[0] in _PEOPLE:
        return False
    return any(len(w) > 2 or _HANGUL.search(w) for w in content)


def _before_measure(phrase: str) -> str:
    """Return the phrase up to the first number that measures something ("3M requests")."""
    match = MEASURE.search(phrase)
    if match is None:
        return phrase.strip(" .")
    # Back up to the start of the word the number belongs to ("$1.2M", "10x").
    start = phrase.rfind(" ", 0, match.start()) + 1
    return phrase[:start].strip(" .")


def _trim_dangling(words: list[str]) -> str:
    """Drop what a cut leaves hanging: "the migration of" → "the migration"."""
    while words and (
        words[-1].casefold() in _DANGLING
        or (words[-1].casefold().endswith("ing") and len(words) > 1 and len(words[-1]) > 5)
        or _DIGIT.search(words[-1])
    ):
        words = words[:-1]
    return " ".join(words).strip(" .,")


def _korean_project(text: str, company: str) -> Project | None:
    """Return the project of a Korean line: the object of its first action verb.

    "하루 300만 건 요청을 처리하는 검색 API 서버를 개발" names "검색 API 서버": the verb is
    the first word that is an action ("개발", "구축하여", "재설계하고"), its object the words
    before it marked 을/를 (else the words right before it), walking back until a clause that
    modifies it ("처리하는"), a particle ("Kotlin으로") or a number ("300만").
    """
    words = text.split()
    for i, word in enumerate(words):
        action = _korean_action(word)
        if action is None:
            continue
        if action in KOREAN_IMPROVE:
            return None  # "응답 시간을 50ms로 개선": a result, not a project
        name = _korean_object(words[:i])
        if name is None:
            return None
        return Project(name, action, company, _clip(text))
    return None


def _korean_action(word: str) -> str | None:
    """Return the action a word is the verb of ("구축하여" → "구축"), or None."""
    word = word.strip(_KO_WORD_END)
    stem = word[1:] if word.startswith("재") else word
    for action in (*KOREAN_ACTIONS, *KOREAN_IMPROVE):
        if stem.startswith(action) and _KO_VERB_TAIL.fullmatch(stem[len(action) :]):
            return action
    return None


def _korean_object(before: list[str]) -> str | None:
    words = [w.strip(_KO_WORD_END) for w in before]
    j = len(words) - 1
    while j >= 0 and words[j].endswith(_KO_ADVERBIAL_ENDINGS) and not _ko_object(words[j]):
        j -= 1  # "Kotlin으로", "네이버에서": how or where, not what
    if j < 0:
        return None
    found: list[str] = []
    for k in range(j, -1, -1):
        word = words[k][:-1] if k == j and _ko_object(words[k]) else words[k]
        if _DIGIT.search(word):
            # "300만 건 요청 처리 시스템": the counter after the number belongs to the number.
            while found and found[0].removesuffix("의") in _KO_COUNTERS:
                found.pop(0)
            break
        if (
            not word
            or (word.endswith(_KO_CLAUSE_ENDINGS) and word != "및")
            or (k < j and _ko_object(word))
            or len(found) >= KO_PROJECT_WORDS
        ):
            break
        found.insert(0, word)
    name = " ".join(found)
    return name if project_name_ok(name) and len(name) <= 40 else None


def _ko_object(word: str) -> bool:
    return len(word) > 1 and word.endswith(_KO_OBJECT_MARKS)


_SKILL_LABEL = re.compile(r"^([^:：]{1,30})[:：]\s*(.+)$")
_SKILL_SPLIT = re.compile(r"\s*(?:[,;/|•·・、]|\s(?:and|및|그리고)\s|&)\s*", re.IGNORECASE)


def _skills_line(line: _Line) -> list[str] | None:
    """Return the skills a line lists, or None when it lists none.

    A line in a skills section lists them ("Python, Go, SQL"; "Languages: Python, Go"); so does
    a labelled line anywhere ("Skills: ...", "Technologies: ...", "기술 스택: ...").
    """
    labelled = _SKILL_LABEL.match(line.text)
    if labelled and _heading(labelled.group(1)) == "skills":
        return _skills_in(labelled.group(2))
    if line.section == "skills" and not MEASURE.search(line.text):
        body = labelled.group(2) if labelled else line.text
        return _skills_in(body)
    return None


def _skills_in(body: str) -> list[str]:
    """Return the items of a skills list as written ("Python, Go and PostgreSQL")."""
    items = (i.strip(" .-*") for i in _SKILL_SPLIT.split(body))
    found = []
    for item in items:
        if 1 <= len(item) <= 40 and (len(item) > 1 or item.isupper()):
            found.append(item)
    return found


def _same_skill(item: str) -> str:
    """Return the key that makes two spellings of one skill the same ("Postgres", "PostgreSQL")."""
    name = technology_name(item)
    return (name or item).casefold()


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

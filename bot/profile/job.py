"""Read a job description offline: interview kinds, focus skills, seniority, company context.

Kinds: behavioral always (every loop has one), plus coding, system design and technical when
the text names what they test. Focus skills: the bank's question tags the text names (by the
words in ``lexicon.TAG_TERMS``), most mentioned first, mapped to the skill catalogue through
its own tag lists, so the focus always names real skills. Seniority: the title first, then
the text, then "N+ years". Context: the sentences that talk about the company.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from bot.catalog import Kind, Level
from bot.profile.lexicon import KIND_TERMS, LEVEL_TERMS, RANK_TERMS, YEARS, mentions, tag_hits
from bot.profile.models import JobFacts
from bot.profile.resume import is_title
from bot.progress.catalogue import SkillCatalogue

log = logging.getLogger(__name__)

MAX_TAGS = 10
MAX_FOCUS = 6
MAX_CONTEXT = 3
CONTEXT_LIMIT = 240
_SENTENCE = re.compile(r"(?<=[.!?。])\s+|\n+")
_AT = re.compile(r"\s+(?:at|@)\s+|\s*@\s*", re.IGNORECASE)
_COMMA = re.compile(r",\s+")
_TITLE_SEPARATORS = (
    _AT,
    re.compile(r"\s+[-–—]\s+|\s*[|·•]\s*"),
    _COMMA,
)
# Words that say what a title's team works on, not whom it works for.
_SPECIALTIES = frozenset(
    (
        "backend",
        "back-end",
        "frontend",
        "front-end",
        "full-stack",
        "fullstack",
        "full",
        "stack",
        "platform",
        "platforms",
        "infrastructure",
        "infra",
        "mobile",
        "ios",
        "android",
        "data",
        "ml",
        "machine",
        "learning",
        "ai",
        "security",
        "payments",
        "growth",
        "web",
        "cloud",
        "devops",
        "sre",
        "product",
        "api",
        "apis",
        "search",
        "core",
        "systems",
        "distributed",
        "reliability",
        "engineering",
        "team",
        "applied",
        "research",
        "tools",
        "tooling",
        "developer",
        "experience",
        "and",
        "&",
        "/",
        "백엔드",
        "프론트엔드",
        "플랫폼",
        "인프라",
        "데이터",
        "모바일",
        "보안",
        "결제",
        "검색",
    )
)
_PARENTHESIS = re.compile(r"(.+?)\s*\(([^()]+)\)")
# Headings that open the part of a posting about the company, and those that open others.
_ABOUT = re.compile(
    r"^(?:about\s+(?:the\s+company|us|the\s+team|the\s+role\s+and\s+us)|who\s+we\s+are|"
    r"our\s+company|company\s+overview|the\s+company|회사\s*소개|기업\s*소개|팀\s*소개)"
    r"\s*[:：]?\s*(.*)$",
    re.IGNORECASE,
)
_OTHER_HEADING = re.compile(
    r"^(?:about\s+the\s+role|the\s+role|responsibilities|what\s+you(?:'|’)?ll\s+do|"
    r"requirements|qualifications|what\s+we(?:'|’)?re\s+looking\s+for|nice\s+to\s+have|"
    r"preferred|benefits|perks|how\s+to\s+apply|주요\s*업무|담당\s*업무|자격\s*요건|"
    r"우대\s*사항|복지|혜택|채용\s*절차|지원\s*자격)\b\s*[:：]?",
    re.IGNORECASE,
)
# Sentences about the opening itself, never about the company ("We are hiring a ...").
_HIRING = re.compile(
    r"\b(?:hiring|looking\s+for|seeking|you\s+will|you'll|join\s+us\s+as)\b|채용|모집|찾습니다",
    re.IGNORECASE,
)
_COMPANY_WORDS = (
    "we are",
    "we're",
    "we build",
    "our mission",
    "our team",
    "our customers",
    "founded",
    "company",
    "startup",
    "headquartered",
    "backed by",
    "우리는",
    "저희는",
    "회사",
    "서비스를",
    "미션",
    "스타트업",
    "설립",
)


def read_job(title: str, company: str, text: str, catalogue: SkillCatalogue) -> JobFacts:
    """Return what a job description asks for (offline)."""
    whole = f"{title}\n{text}"
    hits = tag_hits(whole)
    # Most named first; among equals, the one the text names first (stable sort).
    tags = tuple(sorted(hits, key=lambda t: -hits[t]))[:MAX_TAGS]
    kinds = [Kind.BEHAVIORAL]
    scored = {kind: mentions(whole, terms) for kind, terms in KIND_TERMS.items()}
    kinds += [k for k, n in sorted(scored.items(), key=lambda kv: -kv[1]) if n > 0]
    return JobFacts(
        title=title.strip(),
        company=company.strip(),
        kinds=tuple(kinds),
        focus=focus_skills(tags, catalogue),
        tags=tags,
        seniority=seniority(title, text),
        context=context(company, text),
        rank=stated_rank(title, text),
    )


def split_title(line: str) -> tuple[str, str]:
    """Return (title, company) of a posting's heading: "Senior Engineer at Initech",
    "Backend Engineer - Acme", "Staff Engineer, Globex", "Engineer @ Acme", "Engineer (Acme)",
    "시니어 백엔드 개발자 - 토스", "토스 | 백엔드 개발자"; the whole line is the title when no
    part of it reads as a company."""
    line = " ".join(line.split())
    paren = _PARENTHESIS.fullmatch(line)
    if paren and is_title(paren.group(1)) and not is_title(paren.group(2)):
        return paren.group(1).strip(), paren.group(2).strip()
    for separator in _TITLE_SEPARATORS:
        parts = [p.strip() for p in separator.split(line, maxsplit=1)]
        if len(parts) != 2 or not all(parts):
            continue
        left, right = parts
        if separator is _COMMA and _specialty(right):
            break  # "Senior Software Engineer, Backend": a team, not a company
        if is_title(left) and not is_title(right):
            return left, right
        # "at" and "@" say which side is the company; the others may come either way round.
        if separator is not _AT and is_title(right) and not is_title(left):
            return right, left
    return line, ""


def _specialty(part: str) -> bool:
    words = part.casefold().replace("-", " ").split()
    return bool(words) and all(w in _SPECIALTIES for w in words)


def focus_skills(tags: Iterable[str], catalogue: SkillCatalogue) -> tuple[str, ...]:
    """Return the catalogue skills the tags practise, in the tags' order, without repeats."""
    found: list[str] = []
    for tag in tags:
        for skill in catalogue.for_tag(tag):
            if skill not in found:
                found.append(skill)
    return tuple(found[:MAX_FOCUS])


def seniority(title: str, text: str) -> Level | None:
    """Return the level the job is written for: from its title, its text, or years asked."""
    for source in (title, text):
        lowered = f" {source.casefold()} "
        for level, terms in LEVEL_TERMS:
            if any(term in lowered for term in terms):
                return level
    years = [int(m.group(1)) for m in YEARS.finditer(text)]
    if years:
        wanted = min(years)
        return Level.SENIOR if wanted >= 6 else Level.MID if wanted >= 3 else Level.JUNIOR
    return None


def stated_rank(title: str, text: str) -> str:
    """Return the rank above senior a job asks for ("staff", "principal", "lead"), or "".

    Levels stop at senior, so such a job is interviewed as senior; the rank is kept so what
    is shown back says so rather than calling a staff role senior.
    """
    titled = f" {title.casefold()} "
    if any(term in titled for _, terms in LEVEL_TERMS for term in terms):
        sources = [(title, False)]  # the title says the level: the text may name others' ranks
    else:
        sources = [(title, False), (text, True)]
    for source, body in sources:
        lowered = f" {source.casefold()} "
        for rank, terms in RANK_TERMS:
            # In the body, a bare "lead" is a verb ("lead incident reviews"), not a rank.
            wanted = [t for t in terms if not (body and t in ("lead", "리드"))]
            if any(re.search(rf"(?<![\w]){re.escape(t)}(?![\w])", lowered) for t in wanted):
                return rank
    return ""


def context(company: str, text: str) -> tuple[str, ...]:
    """Return up to three sentences about the company: its "About us" part when the posting
    has one, else sentences that name it or talk about it (never about the opening itself)."""
    about = _about_section(text)
    if about:
        return _sentences(about, lambda _: True)
    name = company.strip().casefold()

    def about_company(lowered: str) -> bool:
        if _HIRING.search(lowered):
            return False
        return bool(name and name in lowered) or any(w in lowered for w in _COMPANY_WORDS)

    return _sentences(text, about_company)


def _about_section(text: str) -> str:
    """Return the text under an "About the company" / "About us" / "회사 소개" heading."""
    found: list[str] = []
    inside = False
    for raw in text.splitlines():
        line = " ".join(raw.split()).strip("#*_ ")
        if not line:
            continue
        opened = _ABOUT.match(line)
        if opened and len(line) - len(opened.group(1)) <= 40:
            inside = True
            if opened.group(1):
                found.append(opened.group(1))
            continue
        if inside and _OTHER_HEADING.match(line):
            break
        if inside:
            found.append(line)
    return "\n".join(found)


def _sentences(text: str, keep: Callable[[str], bool]) -> tuple[str, ...]:
    found = []
    for sentence in _SENTENCE.split(text):
        clean = " ".join(sentence.split())
        if len(clean) < 12 or not keep(clean.casefold()):
            continue
        found.append(clean if len(clean) <= CONTEXT_LIMIT else clean[: CONTEXT_LIMIT - 1] + "…")
        if len(found) >= MAX_CONTEXT:
            break
    return tuple(found)

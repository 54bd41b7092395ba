"""The story bank's rules: matching a retelling, coverage, overuse, titles, merges.

- **Matching.** A recognised story is the same as a banked one when their distinctive words
  overlap enough: a weighted Jaccard similarity of at least ``MATCH_AT``, names, numbers and
  acronyms counting double. The best match wins; below the threshold it is a new story.
- **Coverage.** Each competency lists the stories mapped to it; one with none is a gap.
- **Overuse.** A story told in ``OVERUSED_AT`` or more interviews within the last
  ``RECENT_DAYS`` days (retries in one interview count once) is overused.
- **Titles** are one line of 1 to ``MAX_TITLE`` characters; **merging** a story with itself,
  or with a story that is not the user's, is refused; nothing is changed by a refusal.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.catalog import Language
from bot.errors import CoachError
from bot.stories.competencies import CompetencySet
from bot.stories.models import Story, StoryDraft

log = logging.getLogger(__name__)

MATCH_AT = 0.3
STRONG_WEIGHT = 2.0
OVERUSED_AT = 3
RECENT_DAYS = 30
MAX_TITLE = 80
MAX_TERMS = 60


def similarity(
    terms_a: Iterable[str], strong_a: Iterable[str], terms_b: Iterable[str], strong_b: Iterable[str]
) -> float:
    """Return the weighted Jaccard similarity of two stories' distinctive words."""
    a, b = set(terms_a), set(terms_b)
    strong = set(strong_a) | set(strong_b)
    if not a or not b:
        return 0.0

    def weight(terms: set[str]) -> float:
        return sum(STRONG_WEIGHT if t in strong else 1.0 for t in terms)

    return weight(a & b) / weight(a | b)


def best_match(draft: StoryDraft, stories: Sequence[Story]) -> Story | None:
    """Return the banked story the draft retells, or None when it is a new one."""
    scored = [(similarity(draft.terms, draft.strong, s.terms, s.strong), s.id, s) for s in stories]
    scored = [entry for entry in scored if entry[0] >= MATCH_AT]
    if not scored:
        return None
    return max(scored, key=lambda entry: (entry[0], -entry[1]))[2]


def merged_terms(
    terms: Sequence[str], strong: Sequence[str], more: Sequence[str], more_strong: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the union of two word lists (strong ones first), capped at ``MAX_TERMS``."""
    strong_all = list(dict.fromkeys([*strong, *more_strong]))
    rest = [t for t in dict.fromkeys([*terms, *more]) if t not in set(strong_all)]
    kept = (strong_all + rest)[:MAX_TERMS]
    return tuple(kept), tuple(t for t in kept if t in set(strong_all))


def merged_competencies(*lists: Sequence[str]) -> tuple[str, ...]:
    """Return the union of competency lists, in order of first mention."""
    return tuple(dict.fromkeys(c for items in lists for c in items))


def coverage(stories: Sequence[Story], competencies: CompetencySet) -> dict[str, list[int]]:
    """Return competency id -> ids of the stories mapped to it (every competency listed)."""
    found: dict[str, list[int]] = {c.id: [] for c in competencies}
    for story in stories:
        for competency in story.competencies:
            if competency in found:
                found[competency].append(story.id)
    return found


def overused(stories: Sequence[Story], now: datetime) -> list[Story]:
    """Return the stories told in ``OVERUSED_AT`` or more recent interviews, most told first."""
    told = [(len(s.recent_tellings(now, RECENT_DAYS)), s) for s in stories]
    hot = [(n, s) for n, s in told if n >= OVERUSED_AT]
    return [s for _, s in sorted(hot, key=lambda pair: (-pair[0], pair[1].id))]


def clean_title(title: str, language: Language) -> str:
    """Return the title on one line, or raise CoachError when it is empty or too long."""
    cleaned = " ".join(title.split())
    if not cleaned:
        raise CoachError(key="stories.rename.empty", language=language)
    if len(cleaned) > MAX_TITLE:
        raise CoachError(
            key="stories.rename.too_long",
            language=language,
            length=f"{len(cleaned):,}",
            limit=MAX_TITLE,
        )
    return cleaned


def find(stories: Sequence[Story], story_id: int, language: Language) -> Story:
    """Return the user's story ``story_id``, or raise CoachError saying it is not theirs."""
    for story in stories:
        if story.id == story_id:
            return story
    raise CoachError(key="stories.not_found", language=language, id=story_id)


def check_merge(keep_id: int, other_id: int, language: Language) -> None:
    """Refuse to merge a story with itself."""
    if keep_id == other_id:
        raise CoachError(key="stories.merge.same", language=language, id=keep_id)

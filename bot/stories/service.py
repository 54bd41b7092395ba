"""The story bank service: keeps the stories behavioral answers tell, warns about overuse.

It is an ``InterviewObserver`` (a graded behavioral answer that tells a story banks it, or
counts a retelling; the moment a story reaches its third recent interview the thread is
told), a habit source for memory across sessions (an overused story), the story coverage
/progress shows, and the service behind /stories and `python -m bot stories`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.catalog import Kind, Language
from bot.errors import CoachError
from bot.interview.events import Event, NoticeGiven
from bot.interview.models import Session
from bot.interview.ports import Clock, GradedAnswer
from bot.progress.memory import AnswerRef, Habit
from bot.progress.ports import CoverageSummary
from bot.stories.bank import (
    RECENT_DAYS,
    best_match,
    check_merge,
    clean_title,
    coverage,
    find,
    merged_competencies,
    merged_terms,
    overused,
)
from bot.stories.competencies import CompetencySet
from bot.stories.models import Story, Telling
from bot.stories.ports import StoryStore
from bot.stories.reading import StoryReader

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StoryBank:
    """What /stories shows: the stories, the coverage map and the overused ones."""

    language: Language
    stories: tuple[Story, ...]
    coverage: dict[str, list[int]]
    overused: tuple[int, ...]
    competencies: CompetencySet
    # Story id -> interviews it was told in within the recent window.
    recent: dict[int, int]

    @property
    def missing(self) -> tuple[str, ...]:
        """Return the competencies no story covers."""
        return tuple(c for c, ids in self.coverage.items() if not ids)

    def to_json(self) -> dict[str, object]:
        """Return the machine-readable form `python -m bot stories --json` prints."""
        return {
            "stories": [
                {
                    "id": s.id,
                    "title": s.title,
                    "competencies": list(s.competencies),
                    "uses": s.uses,
                }
                for s in self.stories
            ],
            "coverage": {c: list(ids) for c, ids in self.coverage.items()},
            "overused": list(self.overused),
        }


@dataclass(frozen=True, slots=True)
class StoryChange:
    """What a rename, merge or delete did, in the user's language."""

    language: Language
    story: Story
    other: Story | None = None


class StoryService:
    """Bank the stories a candidate tells and manage them."""

    def __init__(
        self,
        reader: StoryReader,
        store: StoryStore,
        clock: Clock,
    ) -> None:
        self.reader = reader
        self.competencies = reader.competencies
        self._store = store
        self._clock = clock

    # ---- the interview observer ------------------------------------------------------

    async def started(self, session: Session) -> Sequence[Event]:
        """Say nothing: overused stories reach the start line through progress's memory."""
        return []

    async def graded(self, graded: GradedAnswer) -> Sequence[Event]:
        """Bank the story the answer tells (or count the retelling); warn on overuse."""
        session, turn, question = graded.session, graded.turn, graded.question
        if question.kind is not Kind.BEHAVIORAL or session.id is None or turn.id is None:
            return []
        if turn.is_follow_up:
            # A reply to a follow-up continues the story its question told; it is no new one.
            return []
        draft = self.reader.read(question, graded.answer.text, graded.evaluation, session.language)
        if draft is None:
            return []
        now = self._clock.now()
        telling = Telling(
            turn_id=turn.id,
            session_id=session.id,
            number=session.question_number(turn),
            question_id=question.id,
            score=graded.evaluation.score,
            at=now,
            excerpt=draft.excerpt,
        )
        user = session.user_id
        stories = await self._store.stories(user)
        match = best_match(draft, stories)
        if match is None:
            story = await self._store.add_story(user, draft, telling, session.language)
            log.info("User %s banked story %s", user, story.id)
            return []
        terms, strong = merged_terms(match.terms, match.strong, draft.terms, draft.strong)
        competencies = merged_competencies(match.competencies, draft.competencies)
        await self._store.add_telling(match.id, telling, terms, strong, competencies)
        told = Story(
            id=match.id,
            user_id=match.user_id,
            title=match.title,
            competencies=competencies,
            terms=terms,
            strong=strong,
            language=match.language,
            created_at=match.created_at,
            updated_at=now,
            tellings=(*match.tellings, telling),
        )
        recent = told.recent_tellings(now, RECENT_DAYS)
        if not any(s.id == told.id for s in overused([told], now)):
            return []
        return [
            NoticeGiven(
                "stories.overuse",
                {"title": told.title, "count": len(recent), "id": told.id},
                tuple(t.turn_id for t in recent),
            )
        ]

    # ---- memory and coverage for progress --------------------------------------------

    async def habits(self, user_id: int) -> list[Habit]:
        """Return each overused story as a habit pointing to the answers that told it."""
        now = self._clock.now()
        found = []
        for story in overused(await self._store.stories(user_id), now):
            recent = story.recent_tellings(now, RECENT_DAYS)
            refs = tuple(AnswerRef(t.session_id, t.number, t.turn_id) for t in recent)
            found.append(Habit(f"story:{story.id}", len(recent), len(recent), refs, story.title))
        return found

    async def coverage(self, user_id: int, language: Language) -> CoverageSummary:
        """Return how many stories the user has and which competencies they cover."""
        stories = await self._store.stories(user_id)
        mapped = coverage(stories, self.competencies)
        return CoverageSummary(
            stories=len(stories),
            covered=tuple(self.competencies.name(c, language) for c, ids in mapped.items() if ids),
            missing=tuple(
                self.competencies.name(c, language) for c, ids in mapped.items() if not ids
            ),
        )

    # ---- /stories ------------------------------------------------------------------------

    async def bank(self, user_id: int, fallback: Language) -> StoryBank:
        """Return the user's bank, its coverage map and the overused stories."""
        stories = await self._store.stories(user_id)
        now = self._clock.now()
        return StoryBank(
            language=_language(stories, fallback),
            stories=tuple(stories),
            coverage=coverage(stories, self.competencies),
            overused=tuple(s.id for s in overused(stories, now)),
            competencies=self.competencies,
            recent={s.id: len(s.recent_tellings(now, RECENT_DAYS)) for s in stories},
        )

    async def rename(
        self, user_id: int, story_id: int, title: str, fallback: Language
    ) -> StoryChange:
        """Rename a story; CoachError for an empty or too long title or a story not theirs."""
        stories = await self._store.stories(user_id)
        language = _language(stories, fallback)
        story = find(stories, story_id, language)
        cleaned = clean_title(title, language)
        if not await self._store.rename(user_id, story.id, cleaned, self._clock.now()):
            raise _gone(story_id, language)
        return StoryChange(language, _retitled(story, cleaned))

    async def merge(
        self, user_id: int, keep_id: int, other_id: int, fallback: Language
    ) -> StoryChange:
        """Fold story ``other_id`` into ``keep_id``: tellings, words and competencies."""
        stories = await self._store.stories(user_id)
        language = _language(stories, fallback)
        check_merge(keep_id, other_id, language)
        keep = find(stories, keep_id, language)
        other = find(stories, other_id, language)
        terms, strong = merged_terms(keep.terms, keep.strong, other.terms, other.strong)
        competencies = merged_competencies(keep.competencies, other.competencies)
        done = await self._store.merge(
            user_id, keep.id, other.id, terms, strong, competencies, self._clock.now()
        )
        if not done:
            raise _gone(other_id, language)
        merged = Story(
            id=keep.id,
            user_id=keep.user_id,
            title=keep.title,
            competencies=competencies,
            terms=terms,
            strong=strong,
            language=keep.language,
            created_at=keep.created_at,
            updated_at=self._clock.now(),
            tellings=tuple(sorted((*keep.tellings, *other.tellings), key=lambda t: t.at)),
        )
        log.info("User %s merged story %s into %s", user_id, other.id, keep.id)
        return StoryChange(language, merged, other)

    async def delete(self, user_id: int, story_id: int, fallback: Language) -> StoryChange:
        """Delete a story from the bank (the answers that told it stay in their interviews)."""
        stories = await self._store.stories(user_id)
        language = _language(stories, fallback)
        story = find(stories, story_id, language)
        if not await self._store.delete(user_id, story.id):
            raise _gone(story_id, language)
        log.info("User %s deleted story %s", user_id, story.id)
        return StoryChange(language, story)


def _language(stories: Sequence[Story], fallback: Language) -> Language:
    """Return the language of the user's latest story, else ``fallback``."""
    if not stories:
        return fallback
    return max(stories, key=lambda s: (s.updated_at, s.id)).language


def _retitled(story: Story, title: str) -> Story:
    return Story(
        id=story.id,
        user_id=story.user_id,
        title=title,
        competencies=story.competencies,
        terms=story.terms,
        strong=story.strong,
        language=story.language,
        created_at=story.created_at,
        updated_at=story.updated_at,
        tellings=story.tellings,
    )


def _gone(story_id: int, language: Language) -> CoachError:
    return CoachError(key="stories.not_found", language=language, id=story_id)

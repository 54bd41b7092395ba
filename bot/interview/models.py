"""Value types of the interview domain."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from bot.catalog import Kind, Language, Level, Question
from bot.coaching.models import Evaluation
from bot.copy import text as copy_text

# Questions written for one interview (about a resume's projects, or by a model from a job
# description) are not in the bank. Their ids carry what the engine needs to rebuild them
# from the stored turn (whose prompt is the question's text) after a restart.
CUSTOM_PREFIX = "custom:"


class SessionStatus(enum.StrEnum):
    """Lifecycle of a session."""

    ACTIVE = "active"
    FINISHED = "finished"
    STOPPED = "stopped"


class TurnStatus(enum.StrEnum):
    """Lifecycle of one prompt and its answer."""

    ASKED = "asked"
    ANSWERED = "answered"
    EVALUATED = "evaluated"
    SKIPPED = "skipped"


@dataclass(slots=True)
class Turn:
    """One prompt (question or follow-up) and the candidate's answer to it."""

    index: int
    question_id: str
    prompt: str
    level: Level
    follow_up: int = 0
    status: TurnStatus = TurnStatus.ASKED
    answer: str | None = None
    evaluation: Evaluation | None = None
    id: int | None = None
    # For a follow-up: the rubric rule whose gap it probes (None for a model's own probe).
    probe_rule: str | None = None

    @property
    def is_follow_up(self) -> bool:
        """Tell whether this turn is a follow-up rather than a main question."""
        return self.follow_up > 0


@dataclass(slots=True)
class Session:
    """A mock interview in progress or finished."""

    user_id: int
    guild_id: int | None
    kind: Kind
    level: Level
    start_level: Level
    question_count: int
    language: Language
    role: str | None
    channel_id: int | None
    created_at: datetime
    status: SessionStatus = SessionStatus.ACTIVE
    turns: list[Turn] = field(default_factory=list)
    id: int | None = None
    # The turn whose question the candidate is answering again (see ``/interview rewind``).
    rewind_turn_id: int | None = None
    # That retry's answer, saved before it is graded (None: no retry waits for its grade).
    rewind_answer: str | None = None

    @property
    def current_turn(self) -> Turn | None:
        """Return the newest turn, if any."""
        return self.turns[-1] if self.turns else None

    @property
    def main_turns(self) -> list[Turn]:
        """Return the turns that asked a main question."""
        return [t for t in self.turns if not t.is_follow_up]

    @property
    def questions_asked(self) -> int:
        """Return how many main questions have been asked."""
        return len(self.main_turns)

    @property
    def asked_question_ids(self) -> set[str]:
        """Return the ids of every question already asked."""
        return {t.question_id for t in self.turns}

    @property
    def rewind_turn(self) -> Turn | None:
        """Return the turn a pending rewind retries, if any."""
        if self.rewind_turn_id is None:
            return None
        return next((t for t in self.turns if t.id == self.rewind_turn_id), None)

    def question_number(self, turn: Turn) -> int:
        """Return the 1-based number of the main question ``turn`` belongs to."""
        return sum(1 for t in self.main_turns if t.index <= turn.index)

    def question_turns(self, turn: Turn) -> list[Turn]:
        """Return the main turn ``turn`` belongs to and its follow-ups, in order."""
        main = max((t for t in self.main_turns if t.index <= turn.index), key=lambda t: t.index)
        later = [t for t in self.main_turns if t.index > main.index]
        stop = later[0].index if later else len(self.turns) + 1
        return [t for t in self.turns if main.index <= t.index < stop]

    def question_grade(self, turn: Turn) -> Evaluation | None:
        """Return the question's current grade: its latest graded turn's evaluation.

        Each reply to a follow-up is graded together with what came before it and can only
        raise the question's grade, so the latest evaluation is the question's grade.
        """
        graded = [t for t in self.question_turns(turn) if t.evaluation is not None]
        return graded[-1].evaluation if graded else None


@dataclass(slots=True)
class Attempt:
    """A later answer to a question already answered (a rewind); the original stays in its turn."""

    turn_id: int
    answer: str
    evaluation: Evaluation
    created_at: datetime
    id: int | None = None


def custom_question_id(kind: Kind, language: Language, skills: tuple[str, ...], key: str) -> str:
    """Return the id of a question written for one interview ("custom:behavioral:en:...")."""
    tags = "+".join(t for t in skills if t.replace("_", "").isalnum())
    return f"{CUSTOM_PREFIX}{kind.value}:{language.value}:{tags}:{key}"


def custom_question(
    question_id: str, text: str, level: Level, hint_key: str = ""
) -> Question | None:
    """Rebuild a written question from its id and text (None: not such an id); its hint is
    the copy key ``hint_key`` in the question's language."""
    if not question_id.startswith(CUSTOM_PREFIX):
        return None
    parts = question_id[len(CUSTOM_PREFIX) :].split(":")
    if len(parts) != 4:
        return None
    kind, language, tags, _ = parts
    try:
        return Question(
            id=question_id,
            kind=Kind(kind),
            language=Language(language),
            levels=(level,),
            skills=tuple(t for t in tags.split("+") if t),
            text=text,
            hint=copy_text(hint_key, Language(language)) if hint_key else "",
        )
    except ValueError:
        return None

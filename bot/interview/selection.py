"""Choose the next question and the next follow-up."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence

from bot.catalog import Level, Question
from bot.coaching.models import Evaluation
from bot.interview.models import Session, Turn

FOLLOW_UPS_PER_QUESTION = 2
# Strong answers do not need probing; a real interviewer moves on.
NO_FOLLOW_UP_AT = 85


def pick_question(
    session: Session,
    pool: Sequence[Question],
    level: Level,
    favoured: Collection[str] = (),
) -> Question | None:
    """Return an unasked question at ``level`` that covers new skills, or None.

    Questions in ``favoured`` (the server's own) come first while any is left at the level.
    """
    asked = session.asked_question_ids
    unasked = [q for q in pool if q.id not in asked]
    if not unasked:
        return None
    at_level = [q for q in unasked if level in q.levels] or unasked
    at_level = [q for q in at_level if q.id in favoured] or at_level
    covered = {
        skill
        for t in session.main_turns
        for q in pool
        if q.id == t.question_id
        for skill in q.skills
    }
    fresh = [q for q in at_level if not covered.intersection(q.skills)] or at_level
    rng = random.Random(question_seed(session))
    return rng.choice(sorted(fresh, key=lambda q: q.id))


def question_seed(session: Session) -> str:
    """Return the seed of the session's next question choice.

    It is made of the user, the instant the session was created, its id and how many
    questions it has asked. The creation instant differs from one interview to the next, so
    a fresh database (where every first session has id 1) does not always open with the same
    question; it is stored with the session, so a resumed interview keeps its order; and a
    fixed clock (the tests' ``FakeClock``) gives a fixed, reproducible order.
    """
    created = session.created_at.timestamp()
    return f"{session.user_id}:{created:.6f}:{session.id}:{session.questions_asked}"


def pick_follow_up(
    turns_for_question: Sequence[Turn],
    evaluation: Evaluation,
    templates: dict[str, list[str]],
    generic: Sequence[str],
    model_probe: object = None,
) -> tuple[str, str | None] | None:
    """Return (follow-up text, rule id) probing the most important gap left, or None.

    Problems come most important first; a gap already probed for this question is not
    probed again. A model-written probe (from the LLM coach) wins over the bank's templates.
    """
    follow_ups_done = sum(1 for t in turns_for_question if t.is_follow_up)
    if follow_ups_done >= FOLLOW_UPS_PER_QUESTION or evaluation.score >= NO_FOLLOW_UP_AT:
        return None
    already = {t.prompt for t in turns_for_question}
    probed = {t.probe_rule for t in turns_for_question if t.probe_rule}
    if isinstance(model_probe, str) and model_probe.strip() and model_probe not in already:
        return model_probe.strip(), None
    for finding in evaluation.problems:
        if finding.rule_id in probed:
            continue
        for text in templates.get(finding.rule_id, []):
            if text not in already:
                return text, finding.rule_id
    if evaluation.problems:
        for text in generic:
            if text not in already:
                return text, None
    return None

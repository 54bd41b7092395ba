"""Korean answers are graded with Korean markers and coached in Korean."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.catalog import Language, Level
from bot.coaching.models import Evaluation, Severity

log = logging.getLogger(__name__)

Grade = Callable[..., Evaluation]


def fired(evaluation: Evaluation) -> set[str]:
    """Return the rule ids that fired."""
    return {f.rule_id for f in evaluation.findings}


def _hangul(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def test_strong_korean_story_has_no_structure_findings(grade: Grade) -> None:
    evaluation = grade("ko_strong", "ko_behavioral", Level.SENIOR)

    assert evaluation.on_topic
    assert not evaluation.problems
    assert evaluation.score >= 80
    assert "positive.metrics" in fired(evaluation)
    assert _hangul(evaluation.coaching.praise)


def test_korean_we_and_hedges_are_found_with_korean_markers(
    grade: Grade, answers: dict[str, str]
) -> None:
    text = answers["ko_we_hedgy"]
    evaluation = grade("ko_we_hedgy", "ko_behavioral")
    found = {f.rule_id: f for f in evaluation.findings}
    hedges = [f for f in evaluation.findings if f.rule_id == "communication.hedging"]

    assert found["communication.we_without_i"].evidence.quote == "저희"
    assert found["communication.we_without_i"].severity is Severity.MAJOR
    assert [h.evidence.quote for h in hedges] == ["아마", "것 같습니다"]
    for h in hedges:
        assert text[h.evidence.start : h.evidence.end] == h.evidence.quote
    assert _hangul(found["communication.we_without_i"].message)
    assert _hangul(evaluation.coaching.fix) and _hangul(evaluation.coaching.tip)


def test_korean_story_without_result(grade: Grade) -> None:
    evaluation = grade("ko_no_result", "ko_behavioral")
    finding = next(f for f in evaluation.findings if f.rule_id == "structure.result_missing")

    assert finding.evidence.absent
    assert finding.message.startswith("결과가 없습니다")
    assert {"structure.situation_missing", "structure.task_missing"}.isdisjoint(fired(evaluation))


def test_korean_answer_in_an_english_interview_is_graded_as_korean_and_said_so(
    grade: Grade, answers: dict[str, str]
) -> None:
    in_english = grade(answers["ko_strong"], "behavioral", Level.MID, Language.EN)
    in_korean = grade("ko_strong", "ko_behavioral", Level.MID)
    note = next(f for f in in_english.findings if f.rule_id == "communication.language_mismatch")

    assert in_english.on_topic
    assert "structure.result_missing" not in fired(in_english)
    assert abs(in_english.score - in_korean.score) <= 5
    assert note.severity is Severity.INFO and note.evidence.absent
    # The note is in the interview's language and names both languages.
    assert "Korean" in note.message and "English" in note.message
    assert in_english.answer_language == "ko"


def test_english_answer_in_a_korean_interview_is_graded_as_english_and_said_so(
    grade: Grade, answers: dict[str, str]
) -> None:
    evaluation = grade(answers["strong_star"], "ko_behavioral", Level.MID, Language.KO)
    note = next(f for f in evaluation.findings if f.rule_id == "communication.language_mismatch")

    assert evaluation.on_topic
    assert evaluation.score >= 75
    assert _hangul(note.message) and "영어" in note.message
    # Every other finding the candidate reads is in Korean too.
    assert all(_hangul(f.message) for f in evaluation.findings)
    assert _hangul(evaluation.coaching.praise) and _hangul(evaluation.coaching.fix)


def test_korean_particles_do_not_hide_topic_words(grade: Grade) -> None:
    # "팀원과", "의견이" carry particles; the stems still count toward the topic.
    text = (
        "팀원과 의견이 맞지 않았을 때 제가 먼저 대화를 요청했고, "
        "서로의 기준을 정리해서 합의했습니다. 그 결과 리뷰 시간이 30% 줄었습니다."
    )
    assert grade(text, "ko_behavioral", Level.JUNIOR).on_topic
    assert not grade("저는 피자를 좋아합니다. 주말마다 반죽을 만듭니다.", "ko_behavioral").on_topic


def test_korean_fillers_do_not_lower_the_score(grade: Grade, answers: dict[str, str]) -> None:
    noisy = answers["ko_strong"].replace("저는 ", "음 저는 ").replace("제가 ", "어 제가 ")
    assert noisy != answers["ko_strong"]
    assert grade(noisy, "ko_behavioral").score >= grade("ko_strong", "ko_behavioral").score

"""Model feedback: the model's scores stand, hard facts bound them, every quote is real."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.catalog import Kind, Level
from bot.coaching.model_feedback import (
    MergeResult,
    ModelFeedback,
    ModelFinding,
    locate_quote,
    merge,
    verified_prose,
)
from bot.coaching.models import Coaching, Dimension, Evaluation, Evidence, Finding, Severity
from bot.coaching.scoring import INJECTION_CAP, NO_CONTENT_CAP, OFF_TOPIC_CAP, Caps

ANSWER = (
    "We moved the  cache to Redis.\nI chose   write-through, so p95 fell from 900 ms to 120 ms."
)


def offline(score: int, on_topic: bool = True, words: int = 20) -> Evaluation:
    return Evaluation(
        score=score,
        dimensions={d: score for d in Dimension},
        findings=(),
        coaching=Coaching("rubric praise", "rubric fix", "rubric tip"),
        on_topic=on_topic,
        word_count=words,
    )


def feedback(
    score: int,
    *findings: ModelFinding,
    on_topic: bool | None = True,
    praise: str = "model praise",
    fix: str = "model fix",
    tip: str = "model tip",
) -> ModelFeedback:
    return ModelFeedback(
        dimensions={d: score for d in Dimension},
        findings=findings,
        praise=praise,
        fix=fix,
        tip=tip,
        provider="openai",
        model="gpt-test",
        on_topic=on_topic,
    )


NO_CAPS = Caps()


def merged(
    base: Evaluation, model: ModelFeedback, caps: Caps = NO_CAPS, answer: str = ANSWER
) -> MergeResult:
    return merge(answer, base, model, Kind.BEHAVIORAL, Level.MID, caps)


def test_quote_found_despite_case_spacing_and_curly_quotes() -> None:
    span = locate_quote(ANSWER, "i CHOSE write\u2011through so P95 fell")
    assert span is not None
    start, end = span
    assert ANSWER[start:end] == "I chose   write-through, so p95 fell"


def test_invented_quote_is_not_found() -> None:
    assert locate_quote(ANSWER, "I led a team of twelve") is None
    assert locate_quote(ANSWER, "") is None


def test_unverifiable_quotes_are_dropped_and_counted() -> None:
    real = ModelFinding(
        "communication.we_without_i",
        Dimension.COMMUNICATION,
        Severity.MINOR,
        "Says we",
        "Say I",
        quote="we moved the cache",
    )
    fake = ModelFinding(
        "communication.hedging",
        Dimension.COMMUNICATION,
        Severity.MINOR,
        "Hedges",
        "Commit",
        quote="I guess maybe",
    )
    result = merged(offline(60), feedback(70, real, fake))
    assert result.dropped_quotes == 1
    quotes = [f.evidence.quote for f in result.evaluation.findings]
    assert "We moved the  cache" in quotes
    assert "I guess maybe" not in " ".join(q or "" for q in quotes)
    assert result.evaluation.dropped_quotes == 1
    assert result.evaluation.source == "llm"
    assert result.evaluation.rubric_score == 60
    assert result.evaluation.coaching == Coaching("model praise", "model fix", "model tip")


def test_criticism_without_quote_is_kept_only_for_absences() -> None:
    absent = ModelFinding(
        "structure.result_missing",
        Dimension.STRUCTURE,
        Severity.MAJOR,
        "No result",
        "Say the result",
    )
    vague = ModelFinding("depth.shallow", Dimension.DEPTH, Severity.MAJOR, "Shallow", "Go deeper")
    result = merged(offline(60), feedback(60, absent, vague))
    ids = {f.rule_id for f in result.evaluation.findings}
    assert "structure.result_missing" in ids and "depth.shallow" not in ids
    assert result.dropped_quotes == 1


def test_the_models_scores_stand_far_from_the_rubric() -> None:
    # The rubric missed what the model understood: the model's 85 is the grade.
    result = merged(offline(40), feedback(85)).evaluation
    assert result.score == 85
    assert set(result.dimensions.values()) == {85}
    low = merged(offline(90), feedback(30)).evaluation
    assert low.score == 30


def test_off_topic_is_the_models_call() -> None:
    # The rubric thought it was off topic; the model reads it as on topic: no cap.
    rescued = merged(offline(20, on_topic=False), feedback(80, on_topic=True)).evaluation
    assert rescued.on_topic and rescued.score == 80
    # The model calls it off topic: capped whatever its dimension scores say.
    sunk = merged(offline(70), feedback(90, on_topic=False)).evaluation
    assert not sunk.on_topic and sunk.score <= OFF_TOPIC_CAP


def test_hard_facts_bound_the_model() -> None:
    no_content = merged(offline(5), feedback(100), Caps(no_content=True)).evaluation
    injection = merged(offline(5), feedback(100), Caps(injection=True)).evaluation
    short = merged(offline(20), feedback(100), Caps(length_factor=0.3)).evaluation

    assert no_content.score <= NO_CONTENT_CAP and not no_content.on_topic
    assert injection.score <= INJECTION_CAP
    assert short.score == 30


def test_hard_fact_findings_survive_the_merge() -> None:
    shallow = Finding(
        "depth.shallow", Dimension.DEPTH, Severity.MAJOR, "Too short", "Say more", Evidence()
    )
    noise = Finding(
        "structure.no_metrics", Dimension.STRUCTURE, Severity.MINOR, "No numbers", "Add", Evidence()
    )
    base = Evaluation(
        score=30,
        dimensions=dict.fromkeys(Dimension, 30),
        findings=(shallow, noise),
        coaching=Coaching("p", "f", "t"),
    )
    ids = {f.rule_id for f in merged(base, feedback(50)).evaluation.findings}
    assert "depth.shallow" in ids
    # Lexical checklist findings give way to the model's own reading.
    assert "structure.no_metrics" not in ids


def test_invented_quotes_in_praise_fix_and_tip_are_removed() -> None:
    model = feedback(
        75,
        praise='You chose "write-through" well. I loved "we doubled revenue overnight".',
        fix='You said "the team handled it", so own your part. Start with the result.',
        tip='Try saying "I cut p95 latency by 87%" as your first sentence.',
    )
    result = merged(offline(50), model)
    coaching = result.evaluation.coaching

    assert "write-through" in coaching.praise
    assert "doubled revenue" not in coaching.praise
    assert "the team handled it" not in coaching.fix and "Start with the result." in coaching.fix
    # A suggested wording is advice, not a claim about what the candidate said.
    assert "I cut p95 latency by 87%" in coaching.tip
    assert result.dropped_quotes == 2


def test_prose_that_loses_every_sentence_falls_back_to_the_rubric() -> None:
    model = feedback(70, praise='Great line: "we tripled the margin".')
    assert merged(offline(50), model).evaluation.coaching.praise == "rubric praise"


def test_verified_prose_keeps_real_quotes_in_korean() -> None:
    answer = "제가 캐시를 Redis로 옮겼고 응답 시간이 줄었습니다."
    text, dropped = verified_prose(
        "“캐시를 Redis로 옮겼고”라는 부분이 좋았습니다.", answer, attributed_only=False
    )
    assert dropped == 0 and "Redis" in text


@given(st.integers(0, 100), st.integers(0, 100), st.booleans(), st.floats(0, 1))
def test_merged_scores_stay_in_range(
    rubric: int, model: int, injection: bool, factor: float
) -> None:
    caps = Caps(injection=injection, length_factor=factor)
    result = merged(offline(rubric), feedback(model), caps).evaluation
    assert 0 <= result.score <= 100
    assert all(0 <= v <= 100 for v in result.dimensions.values())
    if injection:
        assert result.score <= INJECTION_CAP


@given(st.text(min_size=1, max_size=200), st.data())
def test_located_quote_is_always_a_real_slice(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    span = locate_quote(text, text[start:end])
    if span is not None:
        s, e = span
        assert 0 <= s < e <= len(text)
        # The slice matches the quote under the same normalisation.
        assert locate_quote(text[s:e], text[start:end]) is not None

"""What the session and progress reports say: charts per question number (a skipped question
stays at its number; words count the main answer), strengths quoted with their clause, retries
in full with what they fixed, trends worded as what they compare (trial 2, items 1, 2, 12-14)."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import UTC, datetime

from bot.catalog import Kind, Language, Level
from bot.coaching.models import Evaluation, Evidence, Finding, Severity
from bot.interview.engine import InterviewEngine
from bot.interview.models import Attempt, Session, SessionStatus, Turn, TurnStatus
from bot.progress.graph import Trend
from bot.progress.report import SkillView
from bot.progress.wording import skill_line, trend_text
from bot.reports import (
    Bullets,
    Chart,
    Heading,
    LinePanel,
    Paragraph,
    SessionFacts,
    session_document,
)
from bot.reports.charts import ChartSpec, render_chart_png
from bot.reports.session import evidence_clause
from tests.fakes.clock import FixedClock
from tests.fakes.evaluator import ScriptedEvaluator
from tests.fakes.sessions import InMemorySessionStore
from tests.progress.helpers import bank, evaluation, finding

log = logging.getLogger(__name__)

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
MAIN_EN = (
    "I led the migration of our billing system because the old engineering setup kept "
    "failing. The team was split, so I wrote a plan and we cut outages by 90% in a quarter."
)
MAIN_KO = "결제 시스템 이전을 제가 주도했습니다. 결국 분기 안에 장애를 90% 줄였습니다."
REPLY_KO = "2주 동안 두 시스템을 나란히 돌렸습니다."
RETRY = (
    "At Acme Payments I led the ledger migration: my task was a cutover with no downtime, so "
    "I ran the old and the new ledger side by side for two weeks, compared every entry each "
    "night, and found that the new one rounded currency amounts differently. I fixed the "
    "rounding, and we switched over with zero lost payments."
)


def graded(score: int, words: int, *findings: Finding) -> Evaluation:
    return replace(evaluation(score, *findings), word_count=words)


def at(answer: str, rule_id: str, quote: str) -> Finding:
    """Return a positive finding whose evidence is ``quote``'s span in ``answer``."""
    start = answer.index(quote)
    return replace(
        finding(rule_id, positive=True),
        evidence=Evidence(quote, start, start + len(quote)),
    )


def turn(index: int, answer: str | None, grade: Evaluation | None, **more: object) -> Turn:
    status = TurnStatus.ANSWERED if answer else TurnStatus.SKIPPED
    values: dict[str, object] = {"status": status, "answer": answer, "evaluation": grade}
    values.update(more)
    return Turn(index, f"q{index}", f"Question at turn {index}?", Level.MID, **values)  # type: ignore[arg-type]


def session_of(language: Language, *turns: Turn) -> Session:
    return Session(
        user_id=1,
        guild_id=None,
        kind=Kind.BEHAVIORAL,
        level=Level.SENIOR,
        start_level=Level.SENIOR,
        question_count=sum(1 for t in turns if not t.follow_up),
        language=language,
        role="Backend engineer",
        channel_id=None,
        created_at=T0,
        status=SessionStatus.FINISHED,
        turns=list(turns),
        id=1,
    )


def facts(session: Session, attempts: dict[int, list[Attempt]] | None = None) -> SessionFacts:
    engine = InterviewEngine(InMemorySessionStore(), bank(), ScriptedEvaluator(), FixedClock())
    return SessionFacts(session, engine.summarise(session), attempts or {})


def line_panels(session: Session) -> list[LinePanel]:
    document = session_document(facts(session))
    return [
        panel
        for block in document.blocks
        if isinstance(block, Chart)
        for panel in block.spec.panels
        if isinstance(panel, LinePanel)
    ]


def strengths_of(session: Session) -> list[str]:
    blocks = list(session_document(facts(session)).blocks)
    heading = next(i for i, b in enumerate(blocks) if isinstance(b, Heading) and b.level == 1)
    found = blocks[heading + 1]
    assert isinstance(found, Bullets)
    return list(found.items)


def korean_interview() -> Session:
    """Q1 answered (43 words) with a short follow-up reply; Q2 skipped; Q3 scored 66."""
    main = " ".join(["단어"] * 43)
    return session_of(
        Language.KO,
        turn(0, main, graded(70, 43)),
        turn(1, "We shipped it.", graded(78, 3), follow_up=1),
        turn(2, None, None),
        turn(3, "세 번째 질문에 대한 답변입니다.", graded(66, 40)),
    )


def test_charts_plot_each_question_at_its_number_and_count_the_main_answer() -> None:
    scores, words = line_panels(korean_interview())
    # Q2 was skipped: a gap at 2, and Q3's 66 stays at 3.
    assert scores.values == (78.0, None, 66.0)
    assert scores.notes == ("", "건너뜀", "")
    # The words chart counts Q1's own answer (43), not the follow-up reply (3).
    assert words.values == (43.0, None, 40.0)
    assert "추가 질문" in words.title


def test_a_chart_with_a_skipped_question_still_renders() -> None:
    scores, words = line_panels(korean_interview())
    png = render_chart_png(ChartSpec(panels=(scores, words)))
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    assert not any(isinstance(v, float) and math.isnan(v) for v in scores.values)


def test_strengths_quote_the_clause_not_one_function_word() -> None:
    main = graded(
        80,
        30,
        at(MAIN_EN, "positive.reasoning", "because"),
        at(MAIN_EN, "positive.scale", "engineering"),
    )
    lines = strengths_of(session_of(Language.EN, turn(0, MAIN_EN, main)))
    sentence = (
        "I led the migration of our billing system because the old engineering setup kept failing."
    )
    assert any(line.endswith(f"“{sentence}”") for line in lines), lines
    assert not any("“because”" in line or "“engineering”" in line for line in lines)


def test_strengths_read_the_main_answer_first_not_only_the_last_follow_up() -> None:
    main = graded(
        70, 12, at(MAIN_KO, "positive.metrics", "90%"), at(MAIN_KO, "positive.structure", "결국")
    )
    reply = graded(78, 5, at(REPLY_KO, "positive.metrics", "2주"))
    session = session_of(Language.KO, turn(0, MAIN_KO, main), turn(1, REPLY_KO, reply, follow_up=1))
    lines = strengths_of(session)
    metrics = next(line for line in lines if "90%" in line or "2주" in line)
    assert "결국 분기 안에 장애를 90% 줄였습니다." in metrics and "2주" not in metrics
    assert not any("“결국”" in line for line in lines)


def test_a_long_sentence_is_cut_to_the_clause_around_the_evidence() -> None:
    answer = (
        "We had many teams involved in the rollout across three regions and two clouds, "
        "because the payment provider demanded strict data residency for every merchant, "
        "and we also needed to keep the legacy batch jobs running until the very last day."
    )
    quote = evidence_clause(answer, at(answer, "positive.reasoning", "because"), limit=120)
    assert quote.startswith("because the payment provider") and len(quote) <= 120
    lone = replace(finding("positive.reasoning", positive=True), evidence=Evidence("because"))
    assert evidence_clause("nothing that matches", lone) == ""


def test_a_retry_prints_in_full_with_its_score_and_what_it_fixed() -> None:
    first = graded(
        40,
        20,
        finding("depth.shallow"),
        finding("structure.task_missing"),
        finding("relevance.off_topic"),
    )
    retry = graded(20, 60, finding("relevance.off_topic"))
    session = session_of(Language.EN, turn(0, "Short answer.", first, id=11))
    attempts = {11: [Attempt(11, RETRY, retry, T0)]}
    document = session_document(facts(session, attempts))
    paragraphs = [b for b in document.blocks if isinstance(b, Paragraph)]
    retried = next(p for p in paragraphs if p.lead.startswith("Retry 2"))
    assert retried.text == RETRY and "(20/100)" in retried.lead
    fixed = next(p for p in paragraphs if p.lead == "Fixed:")
    still = next(p for p in paragraphs if p.lead == "Still open:")
    assert "Too shallow" in fixed.text or "shallow" in fixed.text.lower()
    assert "off" in still.text.lower()


def view(delta: int, trend: Trend) -> SkillView:
    return SkillView("s", "구체적인 내용", "g", 58, trend, delta, 8, T0)


def test_a_trend_says_it_compares_recent_answers_not_levels() -> None:
    down = trend_text(view(-30, Trend.DOWN), Language.KO)
    assert down.startswith("↓ 30") and "-30" not in down and "최근 3개 답변" in down
    english = skill_line(replace(view(12, Trend.UP), name="Landing the result"), Language.EN)
    assert english == "Landing the result: 58 ↑ 12 (last 3 answers vs the ones before)"


def test_gaps_keep_the_main_answer_s_quoted_problems_after_a_follow_up() -> None:
    # The main answer hedged; the follow-up reply fixed the missing result. The reply's grade
    # carries only its own findings, yet the hedge is still the candidate's to work on.
    hedge = finding("communication.hedging", Severity.MINOR, quote="I think maybe")
    main = graded(55, 30, hedge, finding("structure.result_missing"))
    reply = graded(70, 12, finding("depth.no_metrics", Severity.MINOR))
    session = session_of(
        Language.EN,
        turn(0, "I think maybe we fixed it.", main),
        turn(1, "It worked.", reply, follow_up=1),
    )
    blocks = list(session_document(facts(session)).blocks)
    bullets = [item for b in blocks if isinstance(b, Bullets) for item in b.items]
    gaps_text = " ".join(bullets)
    assert "hedg" in gaps_text.lower()
    # Resolved by the reply (absent from the question as a whole now): not a gap any more.
    assert "result" not in gaps_text.lower()

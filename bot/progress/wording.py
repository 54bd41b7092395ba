"""Words for progress and drills, shared by Discord and the terminal (from bot/copy)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from bot.catalog import Language
from bot.copy import text
from bot.presenters import kind_name, level_name
from bot.progress.catalogue import SkillCatalogue
from bot.progress.drills import DUE, NEW, DrillPlan
from bot.progress.graph import TREND_SPAN
from bot.progress.ports import CoverageSummary
from bot.progress.report import ProgressReport, SkillView

log = logging.getLogger(__name__)


def _plural(key: str, count: int, language: Language, **params: object) -> str:
    form = "one" if count == 1 else "other"
    return text(f"{key}.{form}", language, count=count, **params)


def summary_line(report: ProgressReport) -> str:
    """Return "12 interviews · 3-day practice streak"."""
    lang = report.language
    streak = (
        _plural("progress.streak", report.streak_days, lang)
        if report.streak_days
        else text("progress.streak.none", lang)
    )
    return text(
        "progress.summary",
        lang,
        interviews=_plural("progress.interviews", report.interviews, lang),
        streak=streak,
    )


def trend_text(view: SkillView, language: Language) -> str:
    """Return the skill's trend: how its last answers compare with the ones before.

    The size is the difference of average scores (rule 4 of the graph), not a change of the
    level, so the words say which answers it compares.
    """
    return text(
        f"progress.trend.{view.trend.value}", language, delta=abs(view.delta), span=TREND_SPAN
    )


def skill_line(view: SkillView, language: Language) -> str:
    """Return "Landing the result: 42 ↑ +8"."""
    return text(
        "progress.skill_line",
        language,
        name=view.name,
        level=view.level,
        trend=trend_text(view, language),
    )


def when_due(due: datetime, now: datetime, language: Language, prefix: str) -> str:
    """Return "due today" or "3 days overdue" (``prefix`` picks the catalogue)."""
    days = (now - due).days
    if days <= 0:
        return text(f"{prefix}.today", language)
    return _plural(f"{prefix}.overdue", days, language)


def due_lines(report: ProgressReport) -> list[str]:
    """Return one line per skill whose drill is due."""
    lang = report.language
    return [
        text(
            "progress.due.line",
            lang,
            name=view.name,
            when=when_due(view.due or report.now, report.now, lang, "progress.due"),
        )
        for view in report.due
    ]


def scores_line(scores: Sequence[int], language: Language) -> str:
    """Return "Last interviews: 48 → 55 → 61"."""
    return text("progress.scores", language, scores=" → ".join(str(s) for s in scores[-8:]))


def coverage_line(coverage: CoverageSummary | None, language: Language) -> str:
    """Return the story coverage in one sentence."""
    if coverage is None or coverage.stories == 0:
        return text("progress.coverage_none", language)
    stories = _plural("progress.stories", coverage.stories, language)
    if not coverage.missing:
        return text("progress.coverage_full", language, stories=stories, total=coverage.total)
    return text(
        "progress.coverage",
        language,
        stories=stories,
        covered=len(coverage.covered),
        total=coverage.total,
        missing=", ".join(coverage.missing),
    )


def drill_reasons(plan: DrillPlan, catalogue: SkillCatalogue, now: datetime) -> list[str]:
    """Return one line per skill the drill works on, saying why it was chosen."""
    lang = plan.language
    lines = []
    for focus in plan.skills:
        skill = catalogue.get(focus.skill_id)
        if skill is None:
            continue
        name = skill.name(lang)
        if focus.reason == DUE:
            overdue = focus.days_overdue
            when = (
                _plural("drill.when.overdue", overdue, lang)
                if overdue
                else text("drill.when.today", lang)
            )
            key = "drill.reason.due" if focus.level is not None else "drill.reason.due_new"
            lines.append(text(key, lang, name=name, when=when, level=focus.level))
        elif focus.reason == NEW:
            lines.append(
                text("drill.reason.new", lang, name=name, description=skill.description(lang))
            )
        else:
            lines.append(text("drill.reason.weakest", lang, name=name, level=focus.level))
    return lines


def drill_intro(plan: DrillPlan, mention: str) -> str:
    """Return the drill's opening line (first drill or not)."""
    lang = plan.language
    key = "drill.first" if plan.first else "drill.intro"
    return text(
        key,
        lang,
        mention=mention,
        count=len(plan.questions),
        kind=kind_name(plan.kind.value, lang),
        level=level_name(plan.level.value, lang),
    )

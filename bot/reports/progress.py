"""The progress chart (the ``ChartRenderer`` port of bot.progress on the report worker) and
the progress report: skill trends, drills due, story coverage and the latest negotiation."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from bot.catalog import Language
from bot.copy import text
from bot.negotiation.presenter import DebriefText
from bot.progress.graph import TREND_SPAN
from bot.progress.ports import ChartSkill, ProgressChart
from bot.progress.report import ProgressReport
from bot.progress.wording import coverage_line, due_lines, summary_line, trend_text
from bot.reports.charts import BarPanel, ChartSpec, LinePanel
from bot.reports.document import Block, Bullets, Chart, Document, Facts, Heading, Paragraph, Table
from bot.reports.worker import ReportWorker

log = logging.getLogger(__name__)


def progress_spec(chart: ProgressChart) -> ChartSpec:
    """Return the chart /progress shows: scores by interview, the weakest skills."""
    lang = chart.language
    scores = LinePanel(
        title=text("progress.chart.scores", lang),
        values=tuple(float(s) for s in chart.scores),
        x_label=text("progress.chart.interview", lang),
        empty_text=text("progress.chart.none", lang),
    )
    skills = BarPanel(
        title=text("progress.chart.skills", lang),
        labels=tuple(s.name for s in chart.skills),
        values=tuple(float(s.level) for s in chart.skills),
        notes=tuple(_arrow(s.delta) for s in chart.skills),
        # The arrows compare recent answers, not levels: the axis label says so.
        x_label=text("progress.chart.level_trend", lang, span=TREND_SPAN),
        empty_text=text("progress.chart.none", lang),
    )
    return ChartSpec(panels=(scores, skills))


class ProgressCharts:
    """Render progress charts in the report worker process."""

    def __init__(self, worker: ReportWorker) -> None:
        self._worker = worker

    async def progress_chart(self, chart: ProgressChart) -> bytes:
        """Return the progress chart as PNG bytes."""
        return await self._worker.render_chart(progress_spec(chart))


def _arrow(delta: int) -> str:
    """Return a skill's trend as an arrow and its size ("↑12", "↓8"), or nothing."""
    if delta > 0:
        return f"↑{delta}"
    if delta < 0:
        return f"↓{-delta}"
    return ""


# ---- the progress report (PDF) ----------------------------------------------------------------

# Glyphs the embedded font lacks, and what the PDF prints instead.
_NO_GLYPH = str.maketrans({"✓": "+", "✗": "−"})
_MARKUP = re.compile(r"\*\*|(?<!\w)_(?=\S)|(?<=\S)_(?!\w)")


def plain(line: str) -> str:
    """Return a markdown-light line (``**bold**``, ``_italic_``) as plain printable text."""
    return _MARKUP.sub("", line).translate(_NO_GLYPH)


def progress_document(
    report: ProgressReport,
    *,
    groups: Mapping[str, str] | None = None,
    debrief: DebriefText | None = None,
    negotiation_ready: bool = True,
    terminal: bool = False,
) -> Document:
    """Return the progress report: skill trends, drills due, story coverage, a debrief.

    ``groups`` names the skill groups; ``debrief`` is the latest negotiation's, if any;
    ``negotiation_ready`` False says the negotiation section is not available here;
    ``terminal`` True names terminal commands (`python -m bot stories`) instead of Discord's.
    """
    lang = report.language
    blocks: list[Block] = []
    if report.empty:
        blocks.append(Paragraph(text("reports.progress.empty", lang)))
    else:
        blocks += _overview(report)
    blocks.append(Heading(text("reports.progress.trends", lang)))
    if report.skills:
        blocks.append(_trend_table(report, groups or {}))
    else:
        blocks.append(Paragraph(text("reports.progress.no_skills", lang), style="muted"))
    blocks.append(Heading(text("reports.progress.due", lang)))
    due = due_lines(report)
    blocks.append(
        Bullets(tuple(due))
        if due
        else Paragraph(text("reports.progress.nothing_due", lang), style="muted")
    )
    blocks.append(Heading(text("reports.progress.stories", lang)))
    if terminal and (report.coverage is None or report.coverage.stories == 0):
        blocks.append(Paragraph(plain(text("progress.terminal.coverage_none", lang))))
    else:
        blocks.append(Paragraph(plain(coverage_line(report.coverage, lang))))
    if report.coverage is not None and report.coverage.covered:
        blocks.append(
            Paragraph(
                ", ".join(report.coverage.covered), lead=text("reports.progress.covered", lang)
            )
        )
    blocks.append(Heading(text("reports.progress.negotiation", lang)))
    if not negotiation_ready:
        blocks.append(
            Paragraph(text("reports.progress.negotiation_unavailable", lang), style="muted")
        )
    elif debrief is None:
        none = "negotiation_none_terminal" if terminal else "negotiation_none"
        blocks.append(Paragraph(text(f"reports.progress.{none}", lang), style="muted"))
    else:
        blocks += _debrief(debrief, lang)
    return Document(
        title=text("reports.progress.title", lang),
        subtitle=text("reports.progress.subtitle", lang, date=report.now.date().isoformat()),
        language=lang.value,
        blocks=tuple(blocks),
        footer=text("reports.progress.footer", lang),
        keywords=("progress",),
    )


def _overview(report: ProgressReport) -> list[Block]:
    lang = report.language
    rows = (
        (text("reports.progress.practice", lang), summary_line(report)),
        (text("reports.progress.skills_tracked", lang), str(len(report.skills))),
        (text("reports.progress.drills_due", lang), str(len(report.due))),
    )
    chart = ProgressChart(
        language=lang,
        scores=report.scores,
        skills=tuple(ChartSkill(s.name, s.level, s.delta) for s in report.weakest),
    )
    blocks: list[Block] = [Facts(rows), Chart(progress_spec(chart))]
    if report.expired:
        blocks.append(Paragraph(text("progress.expired", lang), style="muted"))
    return blocks


def _trend_table(report: ProgressReport, groups: Mapping[str, str]) -> Table:
    lang = report.language
    header = tuple(
        text(f"reports.progress.columns.{c}", lang)
        for c in ("skill", "group", "level", "trend", "practised", "next")
    )
    rows = []
    for view in report.skills:
        rows.append(
            (
                view.name,
                groups.get(view.group, view.group),
                str(view.level),
                trend_text(view, lang),
                view.last_practised.date().isoformat(),
                view.due.date().isoformat() if view.due is not None else "—",
            )
        )
    return Table(header, tuple(rows), widths=(0.25, 0.15, 0.08, 0.24, 0.14, 0.14))


def _debrief(debrief: DebriefText, lang: Language) -> list[Block]:
    blocks: list[Block] = [Heading(plain(debrief.title), level=2)]
    blocks += [Paragraph(plain(line)) for line in debrief.summary]
    blocks.append(Bullets(tuple(plain(line) for line in debrief.scores)))
    evidence = [plain(line) for lines in debrief.evidence.values() for line in lines]
    if evidence:
        blocks.append(Paragraph(text("reports.progress.evidence", lang), style="prompt"))
        blocks.append(Bullets(tuple(e.lstrip("•+ ").strip() for e in evidence)))
    if debrief.tips:
        blocks.append(Paragraph(text("reports.progress.tips", lang), style="prompt"))
        blocks.append(Bullets(tuple(plain(t) for t in debrief.tips)))
    return blocks

"""Reports adapter: PDF reports (reportlab) and charts (matplotlib ``Figure``), rendered in one
long-lived worker process."""

from bot.reports.charts import BarPanel, ChartSpec, LinePanel
from bot.reports.document import (
    Block,
    Bullets,
    Chart,
    Document,
    Facts,
    Heading,
    PageBreak,
    Paragraph,
    Score,
    Table,
)
from bot.reports.progress import ProgressCharts, progress_document, progress_spec
from bot.reports.service import Choice, NotYours, RenderedReport, ReportService
from bot.reports.session import SessionFacts, session_document
from bot.reports.worker import ReportError, ReportWorker

__all__ = [
    "BarPanel",
    "Block",
    "Bullets",
    "Chart",
    "ChartSpec",
    "Choice",
    "Document",
    "Facts",
    "Heading",
    "LinePanel",
    "NotYours",
    "PageBreak",
    "Paragraph",
    "ProgressCharts",
    "RenderedReport",
    "ReportError",
    "ReportService",
    "ReportWorker",
    "Score",
    "SessionFacts",
    "Table",
    "progress_document",
    "progress_spec",
    "session_document",
]

"""A report as plain, picklable blocks: what to print, never how (``pdf.py`` lays it out).

Builders (``session.py``, ``progress.py``) run in the bot's process and fill every block with
text in the report's language; the worker process only lays the blocks out and draws the
charts. All text is plain: the renderer escapes it, so an answer containing ``<b>`` or ``&``
prints as typed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.reports.charts import ChartSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Heading:
    """A section title: level 1 starts a section, level 2 a subsection."""

    text: str
    level: int = 1


@dataclass(frozen=True, slots=True)
class Paragraph:
    """Running text, with an optional bold lead ("Fix:") and a style.

    Styles: ``body``, ``muted`` (smaller, grey), ``quote`` (the candidate's own words,
    indented), ``prompt`` (a question, emphasised).
    """

    text: str
    lead: str = ""
    style: str = "body"


@dataclass(frozen=True, slots=True)
class Bullets:
    """A list of items, numbered or not; each item may have a bold lead."""

    items: tuple[str, ...]
    numbered: bool = False
    leads: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Facts:
    """Label/value rows (a cover's role, kind, level, date...)."""

    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Table:
    """A grid with a header row; ``widths`` are shares of the text width (they sum to 1)."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart drawn by matplotlib in the worker, printed at the text width."""

    spec: ChartSpec
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Score:
    """A big number with its label ("72/100 overall"), for a cover."""

    value: str
    label: str


@dataclass(frozen=True, slots=True)
class PageBreak:
    """Start a new page."""


Block = Heading | Paragraph | Bullets | Facts | Table | Chart | Score | PageBreak


@dataclass(frozen=True, slots=True)
class Document:
    """A whole report: its metadata, a footer line and its blocks in order."""

    title: str
    language: str
    blocks: tuple[Block, ...]
    subtitle: str = ""
    footer: str = ""
    author: str = "Mockingbird"
    keywords: tuple[str, ...] = field(default=())

    @property
    def charts(self) -> int:
        """Return how many chart panels the document draws."""
        return sum(len(b.spec.panels) for b in self.blocks if isinstance(b, Chart))

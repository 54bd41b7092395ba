"""Lay a ``Document`` out as a PDF with reportlab, charts drawn by matplotlib (worker side).

Korean needs a font that is embedded in the file: reportlab's built-in CID fonts
(``HYSMyeongJo-Medium``) are only referenced, so a machine without Korean fonts shows blank
text. NanumGothic (SIL OFL, bundled by koreanize-matplotlib; ``fonts-nanum`` on Debian) is
registered as a TrueType font, which reportlab always embeds (as a subset of the glyphs
used). It covers Latin too, so one family serves both languages. Runs in the report worker
process: reportlab and matplotlib are imported once there, never in the bot's process.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bot.reports.charts import BRAND, GREY, font_path, render_chart_png, setup_fonts
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

log = logging.getLogger(__name__)

FAMILY = "MockingbirdSans"
FALLBACK_REGULAR = "Helvetica"
FALLBACK_BOLD = "Helvetica-Bold"
BOLD_FILE = "NanumGothicBold.ttf"
CHART_DPI = 150
MARGIN_MM = 18.0

_FONTS: tuple[str, str] | None = None


def pdf_fonts() -> tuple[str, str]:
    """Register the embedded Korean-capable font once per process; return (regular, bold)."""
    global _FONTS
    if _FONTS is not None:
        return _FONTS
    from reportlab.lib.fonts import addMapping  # type: ignore[import-untyped]
    from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
    from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

    regular = font_path()
    if regular is None:
        log.warning("No NanumGothic font found: Korean text in PDF reports will not show")
        _FONTS = (FALLBACK_REGULAR, FALLBACK_BOLD)
        return _FONTS
    bold = _bold_beside(regular)
    pdfmetrics.registerFont(TTFont(FAMILY, str(regular)))
    pdfmetrics.registerFont(TTFont(f"{FAMILY}-Bold", str(bold)))
    # <b> inside a paragraph picks the bold face of the family.
    for italic in (0, 1):
        addMapping(FAMILY, 0, italic, FAMILY)
        addMapping(FAMILY, 1, italic, f"{FAMILY}-Bold")
    _FONTS = (FAMILY, f"{FAMILY}-Bold")
    return _FONTS


def _bold_beside(regular: Path) -> Path:
    """Return the bold face next to the regular one (the regular face when there is none)."""
    bold = regular.with_name(BOLD_FILE)
    return bold if bold.is_file() else regular


def warm_up_pdf() -> None:
    """Import reportlab and register the fonts (runs once when the worker process starts)."""
    pdf_fonts()
    from reportlab.platypus import SimpleDocTemplate  # type: ignore[import-untyped]

    del SimpleDocTemplate


def render_pdf(document: Document) -> bytes:
    """Return ``document`` as PDF bytes."""
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.units import mm  # type: ignore[import-untyped]
    from reportlab.platypus import SimpleDocTemplate

    regular, bold = pdf_fonts()
    setup_fonts()  # the charts' matplotlib side
    styles = _styles(regular, bold)
    buffer = io.BytesIO()
    page = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_MM * mm,
        rightMargin=MARGIN_MM * mm,
        topMargin=MARGIN_MM * mm,
        bottomMargin=(MARGIN_MM + 4) * mm,
        title=document.title,
        subject=document.subtitle,
        author=document.author,
        creator="Mockingbird",
        keywords=list(document.keywords),
        lang=document.language,
        # Every page starts in the embedded font, so no unembedded base font is listed.
        initialFontName=regular,
    )
    width = page.width
    story: list[Any] = [_para(document.title, styles["title"])]
    if document.subtitle:
        story.append(_para(document.subtitle, styles["subtitle"]))
    for block in document.blocks:
        story.extend(_flowables(block, styles, width))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 8)
        canvas.setFillColor(_colour(GREY))
        canvas.drawString(MARGIN_MM * mm, 10 * mm, document.footer or document.title)
        canvas.drawRightString(A4[0] - MARGIN_MM * mm, 10 * mm, str(doc.page))
        canvas.restoreState()

    page.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _colour(hex_value: str) -> Any:
    from reportlab.lib import colors  # type: ignore[import-untyped]

    return colors.HexColor(hex_value)


def _styles(regular: str, bold: str) -> dict[str, Any]:
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]

    base = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14, spaceAfter=4)
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontName=bold, fontSize=22, leading=28, spaceAfter=6
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=12, leading=16, textColor=_colour(GREY)
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            fontName=bold,
            fontSize=15,
            leading=20,
            spaceBefore=10,
            spaceAfter=6,
            textColor=_colour(BRAND),
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=bold, fontSize=12, leading=16, spaceBefore=8
        ),
        "body": base,
        "muted": ParagraphStyle(
            "muted", parent=base, fontSize=8.5, leading=12, textColor=_colour(GREY)
        ),
        "quote": ParagraphStyle(
            "quote",
            parent=base,
            leftIndent=10,
            borderPadding=(2, 0, 2, 6),
            textColor=_colour("#2E3338"),
        ),
        "prompt": ParagraphStyle("prompt", parent=base, fontName=bold, fontSize=10.5),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=12, spaceAfter=0),
        "label": ParagraphStyle(
            "label", parent=base, fontSize=9, leading=12, spaceAfter=0, textColor=_colour(GREY)
        ),
        "score": ParagraphStyle(
            "score",
            parent=base,
            fontName=bold,
            fontSize=30,
            leading=34,
            textColor=_colour(BRAND),
        ),
    }


def _text(value: str) -> str:
    """Return plain text as reportlab paragraph markup (escaped, line breaks kept)."""
    return escape(value).replace("\n", "<br/>")


def _para(value: str, style: Any, lead: str = "") -> Any:
    from reportlab.platypus import Paragraph as RLParagraph

    markup = _text(value)
    if lead:
        markup = f"<b>{_text(lead)}</b> {markup}"
    return RLParagraph(markup, style)


def _flowables(block: Block, styles: dict[str, Any], width: float) -> list[Any]:
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, KeepTogether, ListFlowable, ListItem, Spacer, TableStyle
    from reportlab.platypus import PageBreak as RLPageBreak
    from reportlab.platypus import Table as RLTable

    if isinstance(block, Heading):
        return [_para(block.text, styles["h1" if block.level <= 1 else "h2"])]
    if isinstance(block, Paragraph):
        return [_para(block.text, styles.get(block.style, styles["body"]), block.lead)]
    if isinstance(block, Bullets):
        leads = block.leads or ("",) * len(block.items)
        items = [
            ListItem(_para(item, styles["body"], lead), leftIndent=14)
            for item, lead in zip(block.items, leads, strict=False)
        ]
        kind = "1" if block.numbered else "bullet"
        return [
            ListFlowable(
                items,
                bulletType=kind,
                start="1" if block.numbered else "•",
                bulletFontName=styles["body"].fontName,
                bulletFontSize=9,
                leftIndent=14,
            )
        ]
    if isinstance(block, Facts):
        rows = [
            [_para(label, styles["label"]), _para(value, styles["cell"])]
            for label, value in block.rows
        ]
        table = RLTable(rows, colWidths=[width * 0.28, width * 0.72], hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 3),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, _colour("#DCDDDE")),
                ]
            )
        )
        return [table, Spacer(1, 4 * mm)]
    if isinstance(block, Table):
        count = len(block.header)
        shares = block.widths or tuple(1 / count for _ in range(count))
        head = [_para(h, styles["label"]) for h in block.header]
        body = [[_para(cell, styles["cell"]) for cell in row] for row in block.rows]
        table = RLTable(
            [head, *body], colWidths=[width * s for s in shares], hAlign="LEFT", repeatRows=1
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, _colour(BRAND)),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.25, _colour("#DCDDDE")),
                ]
            )
        )
        return [table, Spacer(1, 3 * mm)]
    if isinstance(block, Chart):
        spec = block.spec
        png = render_chart_png(_at_dpi(spec))
        height = width * spec.height / spec.width
        parts: list[Any] = [Image(io.BytesIO(png), width=width, height=height)]
        if block.caption:
            parts.append(_para(block.caption, styles["muted"]))
        return [KeepTogether(parts), Spacer(1, 3 * mm)]
    if isinstance(block, Score):
        return [_para(block.value, styles["score"]), _para(block.label, styles["subtitle"])]
    if isinstance(block, PageBreak):
        return [RLPageBreak()]
    raise TypeError(f"unknown report block {type(block).__name__}")


def _at_dpi(spec: Any) -> Any:
    """Return the chart spec at print resolution (screens get the spec's own dpi)."""
    from dataclasses import replace

    return replace(spec, dpi=max(spec.dpi, CHART_DPI))

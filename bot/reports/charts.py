"""Chart specifications and their rendering with matplotlib's ``Figure`` API (never pyplot).

A ``ChartSpec`` is plain picklable data, so it crosses into the report worker process;
``render_chart_png`` runs there. matplotlib is imported inside the worker only: the bot's
own process never pays its import time or its memory.
"""

from __future__ import annotations

import io
import logging
import math
import os
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# NanumGothic (SIL OFL) shows Korean; the PyPI package koreanize-matplotlib bundles it, the
# Debian package fonts-nanum installs it system-wide. Without either, Korean shows as boxes.
FONT_FILE = "NanumGothic.ttf"
SYSTEM_FONTS = (Path("/usr/share/fonts/truetype/nanum") / FONT_FILE,)
FALLBACK_FAMILY = "DejaVu Sans"
BRAND = "#5865F2"
GOOD = "#3BA55D"
WEAK = "#ED4245"
GREY = "#72767D"


@dataclass(frozen=True, slots=True)
class LinePanel:
    """A line over numbered points 1..n (scores over interviews, or per question).

    A point whose value is None has nothing to plot (a skipped question): the line breaks
    there and its ``notes`` entry, if any, is written at that number instead.
    """

    title: str
    values: tuple[float | None, ...]
    x_label: str = ""
    y_label: str = ""
    y_max: float = 100.0
    empty_text: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BarPanel:
    """Horizontal bars with a note at each bar's end (skills and their trend)."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    notes: tuple[str, ...] = ()
    x_label: str = ""
    x_max: float = 100.0
    empty_text: str = ""


Panel = LinePanel | BarPanel


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """One PNG: panels side by side, sized in inches at ``dpi``."""

    panels: tuple[Panel, ...]
    width: float = 9.0
    height: float = 3.4
    dpi: int = 100
    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def font_path() -> Path | None:
    """Return a NanumGothic file: the bundled one, else ``MOCKINGBIRD_CHART_FONT``, else the
    system's (fonts-nanum), else None."""
    spec = find_spec("koreanize_matplotlib")
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    candidates = [Path(folder) / "fonts" / FONT_FILE for folder in folders]
    override = os.environ.get("MOCKINGBIRD_CHART_FONT")
    if override:
        candidates.append(Path(override))
    candidates += SYSTEM_FONTS
    return next((p for p in candidates if p.is_file()), None)


_FONT_READY = False


def setup_fonts() -> str:
    """Register the Korean-capable font once per process; return the family in use."""
    global _FONT_READY
    from matplotlib import font_manager, rcParams

    path = font_path()
    if path is None:
        if not _FONT_READY:
            log.warning("No NanumGothic font found: Korean text in charts will not show")
        _FONT_READY = True
        return FALLBACK_FAMILY
    if not _FONT_READY:
        font_manager.fontManager.addfont(str(path))
        _FONT_READY = True
    family = font_manager.FontProperties(fname=str(path)).get_name()
    # Process-wide, but this process only draws charts: Latin falls back to DejaVu.
    rcParams["font.family"] = [family, FALLBACK_FAMILY]
    rcParams["axes.unicode_minus"] = False
    return str(family)


def warm_up() -> None:
    """Import matplotlib and register fonts (runs once when the worker process starts)."""
    from matplotlib.figure import Figure

    setup_fonts()
    Figure()


def render_chart_png(spec: ChartSpec) -> bytes:
    """Draw ``spec`` with a fresh ``Figure`` (no global figure registry) and return PNG bytes."""
    from matplotlib.figure import Figure

    setup_fonts()
    count = max(1, len(spec.panels))
    fig = Figure(figsize=(spec.width, spec.height), dpi=spec.dpi)
    # Fixed margins: a layout engine (constrained, tight) costs more than the drawing itself.
    # The bar panel's labels sit left of its axes, so it gets a wider left margin.
    axes = fig.subplots(1, count, squeeze=False)[0]
    bars_first = isinstance(spec.panels[0], BarPanel) if spec.panels else False
    # Bar labels (skill and dimension names, Korean ones too) sit left of their axes.
    fig.subplots_adjust(
        left=0.17 if bars_first else 0.06, right=0.97, top=0.88, bottom=0.16, wspace=0.55
    )
    for ax, panel in zip(axes, spec.panels, strict=False):
        if isinstance(panel, LinePanel):
            _line(ax, panel)
        else:
            _bars(ax, panel)
    if spec.title:
        fig.suptitle(spec.title, fontsize=12, fontweight="bold")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": "Mockingbird", **spec.meta})
    return buffer.getvalue()


def _frame(ax: Any, title: str) -> None:
    ax.set_title(title, fontsize=11, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _empty(ax: Any, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", color=GREY, transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _line(ax: Any, panel: LinePanel) -> None:
    _frame(ax, panel.title)
    if all(v is None for v in panel.values):
        _empty(ax, panel.empty_text)
        return
    xs = list(range(1, len(panel.values) + 1))
    # NaN breaks the line: a skipped question is a gap at its own number, never shifted.
    ys = [math.nan if v is None else v for v in panel.values]
    ax.plot(xs, ys, color=BRAND, marker="o", linewidth=2, markersize=4)
    ax.fill_between(xs, ys, color=BRAND, alpha=0.08)
    for x, value, note in zip(xs, panel.values, panel.notes, strict=False):
        if value is None and note:
            ax.text(x, panel.y_max * 0.04, note, ha="center", va="bottom", fontsize=8, color=GREY)
    ax.set_ylim(0, panel.y_max)
    ax.set_xlim(0.5, len(xs) + 0.5)
    # Few ticks: each one is several artists, and drawing them is most of a chart's cost.
    step = max(1, -(-len(xs) // 6))
    ax.set_xticks(xs[::step])
    ax.set_yticks([0, 25, 50, 75, 100] if panel.y_max == 100 else [0, panel.y_max])
    ax.set_xlabel(panel.x_label)
    ax.set_ylabel(panel.y_label)
    ax.grid(axis="y", alpha=0.3)


def _bars(ax: Any, panel: BarPanel) -> None:
    _frame(ax, panel.title)
    if not panel.values:
        _empty(ax, panel.empty_text)
        return
    ys = list(range(len(panel.values)))
    colours = [WEAK if v < 50 else BRAND if v < 75 else GOOD for v in panel.values]
    ax.barh(ys, panel.values, color=colours, height=0.6)
    ax.set_yticks(ys, labels=[_short(label) for label in panel.labels])
    ax.invert_yaxis()
    ax.set_xlim(0, panel.x_max * 1.18)
    ax.set_xticks([0, 25, 50, 75, 100] if panel.x_max == 100 else [0, panel.x_max])
    ax.set_xlabel(panel.x_label)
    for y, value, note in zip(ys, panel.values, panel.notes or ("",) * len(ys), strict=False):
        ax.text(
            value + panel.x_max * 0.02,
            y,
            f"{round(value)} {note}".strip(),
            va="center",
            fontsize=9,
            color=GREY,
        )


def _short(label: str, limit: int = 26) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"

"""Charts: drawn with matplotlib's Figure API in one long-lived worker process, Korean shown."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest

from bot.catalog import Language
from bot.progress.ports import ChartSkill, ProgressChart
from bot.reports import BarPanel, ChartSpec, LinePanel, ReportError, ReportWorker, progress_spec
from bot.reports.charts import font_path, render_chart_png

log = logging.getLogger(__name__)

PNG = b"\x89PNG\r\n\x1a\n"
KOREAN = ProgressChart(
    Language.KO,
    (40, 55, 62),
    (ChartSkill("숫자로 보여 주는 성과", 32, -8), ChartSkill("결과로 마무리", 45, 12)),
)


def crash() -> None:
    """Kill the worker process the way a segfault in a native library would."""
    os._exit(3)


def test_the_progress_chart_is_localised() -> None:
    spec = progress_spec(KOREAN)
    line, bars = spec.panels
    assert isinstance(line, LinePanel) and line.title == "면접별 점수"
    assert isinstance(bars, BarPanel) and bars.labels[0] == "숫자로 보여 주는 성과"
    assert bars.notes == ("↓8", "↑12")


def test_a_font_that_shows_korean_ships_with_the_project() -> None:
    path = font_path()
    assert path is not None and path.name == "NanumGothic.ttf"


def test_a_chart_renders_to_png_without_pyplot() -> None:
    # In a fresh interpreter, so nothing else here has imported pyplot already.
    code = (
        "import sys\n"
        "from bot.reports.charts import render_chart_png\n"
        "from bot.reports import progress_spec\n"
        "from bot.progress.ports import ChartSkill, ProgressChart\n"
        "from bot.catalog import Language\n"
        "png = render_chart_png(progress_spec(ProgressChart(Language.KO, (1, 2),"
        " (ChartSkill('결과', 3, 1),))))\n"
        "assert png.startswith(b'\\x89PNG') and len(png) > 5000, len(png)\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_an_empty_chart_still_renders() -> None:
    empty = ChartSpec(panels=(LinePanel("x", (), empty_text="none"), BarPanel("y", (), ())))
    assert render_chart_png(empty).startswith(PNG)


async def test_one_worker_process_renders_every_chart_and_comes_back_after_a_crash() -> None:
    worker = ReportWorker()
    try:
        assert not worker.running
        first = await worker.render_chart(progress_spec(KOREAN))
        second = await worker.render_chart(progress_spec(KOREAN))
        assert first.startswith(PNG) and second.startswith(PNG)
        assert worker.started == 1  # started lazily, once, and reused
        with pytest.raises(ReportError):
            await worker.run(crash)
        assert (await worker.render_chart(progress_spec(KOREAN))).startswith(PNG)
        assert worker.started >= 2
    finally:
        await worker.aclose()
    assert not worker.running

"""The report worker: one long-lived process that renders charts and PDF reports.

Rendering with matplotlib holds the GIL for tens to hundreds of milliseconds; in a thread it
stalls the event loop (voice, streaming edits), in a process it does not. One process is
started on first use (its start-up imports matplotlib and reportlab once, about a second),
reused for every render, restarted if it dies, and closed with the bot. Jobs queue: two
cores are shared with speech recognition, so one renderer is the right width. Any picklable
top-level function can run here (``run``): reading a resume PDF does too.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from bot.reports.charts import ChartSpec, render_chart_png
from bot.reports.charts import warm_up as warm_up_charts
from bot.reports.document import Document
from bot.reports.pdf import render_pdf, warm_up_pdf

log = logging.getLogger(__name__)

T = TypeVar("T")

TIMEOUT_SECONDS = 60.0


class ReportError(Exception):
    """A render failed or timed out (the caller shows the rest without it)."""


def warm_up() -> None:
    """Import matplotlib and reportlab and register the fonts, once per worker process."""
    warm_up_charts()
    warm_up_pdf()


def _ready() -> None:
    """Do nothing: the first job, which makes the pool start its process."""


class ReportWorker:
    """Run rendering jobs in one long-lived worker process, off the event loop."""

    def __init__(self, *, timeout: float = TIMEOUT_SECONDS, start_method: str = "spawn") -> None:
        self._timeout = timeout
        # "spawn": a fresh interpreter, never a fork of a process holding threads and sockets.
        self._context = multiprocessing.get_context(start_method)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = asyncio.Lock()
        self.started = 0

    @property
    def running(self) -> bool:
        """Tell whether the worker process has been started and not closed."""
        return self._pool is not None

    async def prewarm(self) -> None:
        """Start the worker process now, so the next render does not wait for its start-up."""
        if self.running:
            return
        try:
            await self.run(_ready)
        except ReportError:
            log.warning("The report worker could not be started ahead of time", exc_info=True)

    async def render_chart(self, spec: ChartSpec) -> bytes:
        """Return ``spec`` rendered as PNG bytes."""
        return await self.run(render_chart_png, spec)

    async def render_pdf(self, document: Document) -> bytes:
        """Return ``document`` laid out as PDF bytes (its charts drawn in the same process)."""
        return await self.run(render_pdf, document)

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Run a picklable top-level function in the worker; restart it once if it died."""
        for attempt in (1, 2):
            pool = await self._ensure()
            loop = asyncio.get_running_loop()
            try:
                future = loop.run_in_executor(pool, func, *args)
                return await asyncio.wait_for(future, self._timeout)
            except BrokenProcessPool:
                log.warning("Report worker died (attempt %d); restarting it", attempt)
                await self._discard(pool)
            except TimeoutError as exc:
                # A stuck render would block every later one: replace the process.
                log.error("Report job %s timed out after %.0f s", func.__name__, self._timeout)
                await self._discard(pool)
                raise ReportError(f"{func.__name__} timed out") from exc
        raise ReportError(f"{func.__name__}: the report worker keeps dying")

    async def _ensure(self) -> ProcessPoolExecutor:
        async with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=self._context, initializer=warm_up
                )
                self.started += 1
                log.info("Started the report worker process")
            return self._pool

    async def _discard(self, pool: ProcessPoolExecutor) -> None:
        async with self._lock:
            if self._pool is pool:
                self._pool = None
        await asyncio.to_thread(pool.shutdown, wait=False, cancel_futures=True)

    async def aclose(self) -> None:
        """Stop the worker process (waits for the job in hand)."""
        async with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)
            log.info("Stopped the report worker process")

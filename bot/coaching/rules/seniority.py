"""Seniority rules: scale, stakeholders and mentoring, expected from mid level up.

Each costs a minor finding; senior answers pay more for it through the level scale,
and only senior behavioral answers are also asked for mentoring.
"""

from __future__ import annotations

import logging

from bot.catalog import Kind, Level
from bot.coaching.models import Dimension, Severity
from bot.coaching.rules.base import ABOVE_JUNIOR, MissingMarkers, Rule

log = logging.getLogger(__name__)

RULES: tuple[Rule, ...] = (
    MissingMarkers(
        "seniority.no_scale",
        Dimension.SENIORITY,
        kinds=frozenset({Kind.BEHAVIORAL, Kind.TECHNICAL, Kind.SYSTEM_DESIGN}),
        levels=ABOVE_JUNIOR,
        categories=("scale",),
        severity=Severity.MINOR,
    ),
    MissingMarkers(
        "seniority.no_stakeholders",
        Dimension.SENIORITY,
        kinds=frozenset({Kind.BEHAVIORAL, Kind.SYSTEM_DESIGN}),
        levels=ABOVE_JUNIOR,
        categories=("stakeholders",),
        severity=Severity.MINOR,
    ),
    MissingMarkers(
        "seniority.no_mentoring",
        Dimension.SENIORITY,
        kinds=frozenset({Kind.BEHAVIORAL}),
        levels=frozenset({Level.SENIOR}),
        categories=("mentoring",),
        severity=Severity.MINOR,
    ),
)

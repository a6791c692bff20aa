"""Kinematics: gait events and running metrics from the pose stage's product.

Entry point: :func:`analyze_gait` (a :class:`~gaitvision.pose.product.PoseProduct` in, a
:class:`GaitAnalysis` out). Result types live in :mod:`gaitvision.kinematics.analysis`;
views in :mod:`.views`, contact detectors in :mod:`.detectors`, the metric registry in
:mod:`.reference`.
"""

from gaitvision.kinematics.analysis import (
    SCHEMA,
    Curves,
    GaitAnalysis,
    GaitEvent,
    GaitEvents,
    MetricSummary,
    Quality,
    Reference,
    Stats,
    StrideRecord,
    round_metric,
)
from gaitvision.kinematics.gait import analyze_gait

__all__ = [
    "SCHEMA", "Curves", "GaitAnalysis", "GaitEvent", "GaitEvents", "MetricSummary", "Quality",
    "Reference", "Stats", "StrideRecord", "analyze_gait", "round_metric",
]

"""Kinematics: gait events and running metrics from a cleaned pose track.

Entry point: :func:`analyze_gait` (a :class:`~gaitvision.pose.track.PoseTrack` in, a
:class:`GaitAnalysis` out). Result types live in :mod:`gaitvision.kinematics.analysis`.
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
)

__all__ = [
    "SCHEMA", "Curves", "GaitAnalysis", "GaitEvent", "GaitEvents", "MetricSummary", "Quality",
    "Reference", "Stats", "StrideRecord",
]

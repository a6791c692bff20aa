"""Progress reporting shared by the CLI (tqdm/rich) and the web app (job status).

A stage reports ``progress(stage, fraction)`` with ``fraction`` in [0, 1]. Stages
take an optional :data:`ProgressCallback`; ``None`` means silent.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[str, float], None]

#: Stage names, in pipeline order, as shown to users.
STAGES = ("decoding", "pose", "kinematics", "rendering")


def report(progress: ProgressCallback | None, stage: str, fraction: float) -> None:
    """Call ``progress`` if given, clamping ``fraction`` to [0, 1]."""
    if progress is not None:
        progress(stage, min(1.0, max(0.0, float(fraction))))


def scaled(progress: ProgressCallback | None, lo: float, hi: float) -> ProgressCallback | None:
    """Map a sub-task's [0, 1] onto [lo, hi] of the parent stage's progress."""
    if progress is None:
        return None

    def inner(stage: str, fraction: float) -> None:
        report(progress, stage, lo + (hi - lo) * fraction)

    return inner

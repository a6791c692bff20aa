"""Pose estimators behind one protocol, chosen through the model registry.

:class:`PoseEstimator` is what the pose stage needs from a model: frames in, one
:class:`~gaitvision.pose.blazepose.FramePose` per frame out, keypoints in gaitvision's
landmark order (:mod:`gaitvision.pose.skeletons` maps another skeleton onto it). A
registry entry's ``backend`` names the class (:data:`BACKENDS`); adding a model is a
registry entry, a skeleton table if it is new, and an estimator class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, runtime_checkable

from gaitvision.errors import ModelError
from gaitvision.pose.blazepose import FramePose, PoseSettings, run_blazepose
from gaitvision.pose.models import PoseModel, get_model
from gaitvision.video.ingest import Frame


@runtime_checkable
class PoseEstimator(Protocol):
    """A pose model that turns frames into per-frame keypoints."""

    model: PoseModel

    def estimate(self, frames: Iterable[Frame], full_size: tuple[int, int],
                 on_frame: Callable[[int], None] | None = None) -> list[FramePose]:
        """One :class:`FramePose` per frame, in order, in full-size pixel coordinates."""
        ...


class BlazePoseEstimator:
    """MediaPipe BlazePose (tracking mode, its own smoothing off by default).

    Parameters
    ----------
    settings : PoseSettings, optional
        Model name, inference size and confidences.
    """

    def __init__(self, settings: PoseSettings | None = None):
        self.settings = settings or PoseSettings()
        self.model = get_model(self.settings.model)

    def estimate(self, frames: Iterable[Frame], full_size: tuple[int, int],
                 on_frame: Callable[[int], None] | None = None) -> list[FramePose]:
        """See :func:`gaitvision.pose.blazepose.run_blazepose`."""
        return run_blazepose(frames, full_size, self.settings, on_frame)


#: Registry ``backend`` -> estimator class.
BACKENDS: dict[str, type] = {"mediapipe_blazepose": BlazePoseEstimator}


def estimator_for(settings: PoseSettings | None = None) -> PoseEstimator:
    """The estimator that runs ``settings.model`` (from its registry entry's backend)."""
    settings = settings or PoseSettings()
    model = get_model(settings.model)
    try:
        cls = BACKENDS[model.backend]
    except KeyError:
        raise ModelError(f"pose model {model.name!r} needs backend {model.backend!r}, which this "
                         f"gaitvision does not have (known: {', '.join(BACKENDS)}).") from None
    return cls(settings)

"""The pose model's reading of the mirrored frames, as a second track of the same clip.

A pose network's reading of a mirrored image is not the mirror of its reading (flip
test-time augmentation averages the two for that reason: Xiao, Wu & Wei 2018, "Simple
baselines for human pose estimation and tracking", ECCV). From behind, BlazePose reads
rendered runners' skeletons with a left-right lean and a sideways shift that the mirrored
frames show the other way round (``docs/pelvis-arms-front.md``). The reading is the
pose stage's own run on mirrored frames (:class:`~gaitvision.pose.blazepose.PoseSettings`
``mirrored``: its worker processes and its cache), mapped back to the original image, its
left/right labels exchanged (a mirror exchanges the person's sides), and labelled and
cleaned as the original track was.
"""

from __future__ import annotations

import logging

import numpy as np

from gaitvision.errors import GaitVisionError
from gaitvision.landmarks import LR_SWAP
from gaitvision.pose.blazepose import DEFAULT_MAX_SIDE, PoseSettings
from gaitvision.pose.track import PoseTrack

log = logging.getLogger(__name__)


def mirrored_reading(video_path, model: str = "blazepose_full",
                     max_side: int = DEFAULT_MAX_SIDE) -> PoseTrack | None:
    """The raw track of the mirrored frames in the original image and the runner's own
    labels, or None where it cannot be had (no child process here, nobody found)."""
    from gaitvision.pose.estimate import estimate_pose

    settings = PoseSettings(model=model, max_side=max_side, mirrored=True)
    try:
        track = estimate_pose(video_path, settings=settings)
    except (OSError, RuntimeError, AssertionError, GaitVisionError) as exc:
        log.warning("mirrored pose pass failed (%s)", exc)
        return None
    out = track.copy()
    for name in ("xy", "z", "visibility", "world"):
        setattr(out, name, getattr(track, name)[:, LR_SWAP])
    return out


def aligned_rows(frame_index: np.ndarray, other: PoseTrack) -> np.ndarray:
    """``other``'s points at the source frames ``frame_index`` (T, 33, 2; NaN where it
    has none or found nobody)."""
    out = np.full((len(frame_index), *other.xy.shape[1:]), np.nan)
    row = {int(f): k for k, f in enumerate(other.frame_index)}
    for k, f in enumerate(np.asarray(frame_index)):
        r = row.get(int(f))
        if r is not None and other.detected[r]:
            out[k] = other.xy[r]
    return out

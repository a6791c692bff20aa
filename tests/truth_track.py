"""A pose track made of a rendered clip's exact joint-centre pixels (a perfect detector).

Used wherever the maths is checked apart from the pose model: the accuracy tests, the
contact-detector tests and ``tools/contact_eval.py``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np


def truth_points(truth: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """(times, xy (n, 33, 2), visibility (n, 33), facing "left"/"right") of a truth file."""
    from gaitvision.landmarks import INDEX, N_LANDMARKS

    frames = truth["frames"]
    n = len(frames["time_s"])
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    vis = np.zeros((n, N_LANDMARKS))
    for name, px in frames["joints_px"].items():
        xy[:, INDEX[name]] = np.asarray(px, float)
        vis[:, INDEX[name]] = 1.0
    direction = "right" if "right" in truth["clip"]["runner_faces"] else "left"
    return np.asarray(frames["time_s"], float), xy, vis, direction


def truth_track(clip: Path, truth: dict, view: str = "side"):
    """The truth's joint pixels as a :class:`~gaitvision.pose.track.PoseTrack` of ``clip``.

    Its video path points nowhere: the maths alone, without the image evidence (the
    pelvis then comes from the keypoints only).
    """
    from gaitvision.landmarks import N_LANDMARKS
    from gaitvision.pose.track import CleaningReport, PoseTrack, ViewEstimate
    from gaitvision.video import probe_video

    times, xy, vis, direction = truth_points(truth)
    n = len(times)
    return PoseTrack(
        times=times, frame_index=np.arange(n), xy=xy, z=np.zeros((n, N_LANDMARKS)),
        visibility=vis, world=np.full((n, N_LANDMARKS, 3), np.nan),
        detected=np.ones(n, bool), frame_size=(truth["clip"]["width"], truth["clip"]["height"]),
        video=dataclasses.replace(probe_video(clip), path=str(Path(clip).with_suffix(".absent"))),
        model="truth",
        view=ViewEstimate(view, direction if view == "side" else None, 1.0, "user"),
        cleaning=CleaningReport())

"""A small synthetic side/rear-view keypoint track for pose-stage tests."""

from __future__ import annotations

import numpy as np

from gaitvision.landmarks import N_LANDMARKS
from gaitvision.pose.track import PoseTrack
from gaitvision.video.ingest import VideoInfo


def runner_track(fps: float = 60.0, seconds: float = 4.0, view: str = "side",
                 facing: str = "left", cadence_spm: float = 170.0) -> PoseTrack:
    """Landmarks of a stylised runner: legs swing in antiphase about the hip."""
    t = np.arange(0, seconds, 1 / fps)
    n = len(t)
    xy = np.zeros((n, N_LANDMARKS, 2))
    phase = 2 * np.pi * cadence_spm / 120 * t  # stride frequency = cadence / 2
    s = -1 if facing == "left" else 1
    hip = np.array([320.0, 300.0])
    xy[:, :, 0], xy[:, :, 1] = hip[0], hip[1]
    shoulder_w = 4.0 if view == "side" else 120.0
    hip_w = 3.0 if view == "side" else 70.0
    for side, sign, ph in (("left", -1, 0.0), ("right", 1, np.pi)):
        k = 0 if side == "left" else 1
        swing = np.sin(phase + ph)
        lat = sign * (hip_w if view == "side" else hip_w)
        if view == "rear":
            swing = 0.1 * swing
        xy[:, 23 + k] = hip + [lat / 2, 0]
        xy[:, 11 + k] = hip + [sign * shoulder_w / 2 + s * 10, -160]
        xy[:, 13 + k] = xy[:, 11 + k] + np.stack([-s * 30 * swing, 70 + 0 * swing], 1)
        xy[:, 15 + k] = xy[:, 13 + k] + np.stack([s * 40 + 0 * swing, 0 * swing], 1)
        knee = xy[:, 23 + k] + np.stack([s * 60 * swing, 110 + 0 * swing], 1)
        xy[:, 25 + k] = knee
        ankle = knee + np.stack([s * 40 * swing - s * 20, 110 + 0 * swing], 1)
        xy[:, 27 + k] = ankle
        xy[:, 29 + k] = ankle + [-s * 15, 15]
        xy[:, 31 + k] = ankle + [s * 35, 20]
        for j in (17, 19, 21):
            xy[:, j + k] = xy[:, 15 + k] + [s * 8, 5]
    xy[:, 0] = hip + [s * 25, -220]
    for j in range(1, 11):
        xy[:, j] = xy[:, 0] + [-s * 8 * (j % 3), -5 + (j % 2) * 10]
    xy[:, 7] = xy[:, 0] + [-s * 25, 5]
    xy[:, 8] = xy[:, 0] + [-s * 25, 5]
    vis = np.full((n, N_LANDMARKS), 0.95)
    if view == "rear":
        vis[:, 1:11] = 0.2
    info = VideoInfo(path="synthetic", sha256="", codec="none", width=640, height=720, rotation=0,
                     n_frames=n, duration_s=seconds, fps=fps, fps_nominal=fps,
                     variable_frame_rate=False)
    return PoseTrack(times=t, frame_index=np.arange(n), xy=xy, z=np.zeros((n, N_LANDMARKS)),
                     visibility=vis, world=np.zeros((n, N_LANDMARKS, 3)),
                     detected=np.ones(n, bool), frame_size=(640, 720), video=info,
                     model="synthetic")

"""Whole-leg identity: a knee put with the other leg's ankle is relabelled (side view)."""

from __future__ import annotations

import numpy as np

from gaitvision.landmarks import ANKLE, HIP, KNEE
from gaitvision.pose.legs import MixedLegRelabeller
from tests.synthetic_runner import make_track


def _mix_knees(track, frames):
    mixed = track.copy()
    for i in frames:
        mixed.xy[i, [KNEE["left"], KNEE["right"]]] = mixed.xy[i, [KNEE["right"], KNEE["left"]]]
    return mixed


def _mixed_frames(track) -> np.ndarray:
    """Frames where exchanging the knees changes the chains (legs apart)."""
    d = np.linalg.norm(track.xy[:, KNEE["left"]] - track.xy[:, KNEE["right"]], axis=1)
    leg = np.nanmedian(np.linalg.norm(track.xy[:, HIP["left"]] - track.xy[:, ANKLE["left"]],
                                      axis=1))
    return np.flatnonzero(d > 0.35 * leg)


def test_mixed_knees_are_relabelled_and_counted():
    track, _ = make_track(fps=60, duration_s=4.0, noise_px=1.0, seed=5)
    apart = _mixed_frames(track)
    frames = apart[::15][:8]
    mixed = _mix_knees(track, frames)
    fixed, n = MixedLegRelabeller().apply(mixed)
    assert n == len(frames)
    assert np.allclose(fixed.xy[:, KNEE["left"]], track.xy[:, KNEE["left"]], equal_nan=True)
    assert np.allclose(fixed.xy[:, KNEE["right"]], track.xy[:, KNEE["right"]], equal_nan=True)


def test_correct_legs_are_left_alone():
    track, _ = make_track(fps=30, duration_s=4.0, noise_px=2.0, seed=6)
    fixed, n = MixedLegRelabeller().apply(track)
    assert n == 0 and fixed is track

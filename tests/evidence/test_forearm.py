"""ForearmReach: a hidden wrist put back at the forearm's fully seen length."""

from __future__ import annotations

import numpy as np

from gaitvision.evidence.forearm import ForearmReach
from gaitvision.landmarks import ELBOW, N_LANDMARKS, WRIST


def _track(n: int = 40, length: float = 70.0):
    """Left forearm hanging down (seen) for the first half, then pointing across the
    body with the wrist hidden and pulled in by the pose model to half its length."""
    xy = np.zeros((n, N_LANDMARKS, 2))
    vis = np.ones((n, N_LANDMARKS))
    xy[:, ELBOW["left"]] = [100.0, 200.0]
    angle = np.radians(np.linspace(90, 10, n))  # from straight down to near horizontal
    direction = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    scale = np.where(np.arange(n) < n // 2, length, 0.5 * length)
    xy[:, WRIST["left"]] = xy[:, ELBOW["left"]] + scale[:, None] * direction
    vis[n // 2:, WRIST["left"]] = 0.1
    return xy, vis, direction


def test_hidden_wrist_is_placed_at_the_seen_length_along_the_models_direction():
    xy, vis, direction = _track()
    ev = ForearmReach().estimate(xy, vis)
    assert abs(ev.length_px["left"] - 70.0) < 1e-6
    hidden = ev.hidden["left"]
    assert hidden.sum() == 20 and not hidden[:20].any()
    want = xy[hidden, ELBOW["left"]] + 70.0 * direction[hidden]
    np.testing.assert_allclose(ev.wrist_xy["left"][hidden], want, atol=1e-6)
    assert np.isnan(ev.wrist_xy["left"][~hidden]).all()  # seen wrists are left alone


def test_a_hidden_wrist_put_on_the_elbow_gives_no_direction():
    xy, vis, _ = _track()
    xy[30:, WRIST["left"]] = xy[30:, ELBOW["left"]] + [5.0, 0.0]  # shorter than min_reach
    ev = ForearmReach().estimate(xy, vis)
    assert np.isnan(ev.wrist_xy["left"][30:]).all()
    assert np.isfinite(ev.wrist_xy["left"][20:30]).all()


def test_no_length_without_enough_fully_seen_frames():
    xy, vis, _ = _track()
    vis[:, WRIST["right"]] = 0.1
    ev = ForearmReach(min_seen_frames=8).estimate(xy, vis)
    assert np.isnan(ev.length_px["right"])
    assert "too few frames" in ev.reason["right"]
    assert np.isnan(ev.wrist_xy["right"]).all()


def test_the_body_proportion_sets_the_least_length_and_stands_in_when_unseen():
    xy, vis, _ = _track(length=70.0)
    ev = ForearmReach(forearm_per_leg=0.297).estimate(xy, vis, leg=300.0)
    assert abs(ev.length_px["left"] - 0.297 * 300.0) < 1e-6  # longer than the seen 70
    ev = ForearmReach(forearm_per_leg=0.297).estimate(xy, vis, leg=100.0)
    assert abs(ev.length_px["left"] - 70.0) < 1e-6  # the seen length is a lower bound
    vis[:, WRIST["left"]] = 0.1  # never seen: the proportion alone
    ev = ForearmReach(forearm_per_leg=0.297).estimate(xy, vis, leg=300.0)
    assert abs(ev.length_px["left"] - 0.297 * 300.0) < 1e-6

"""The front view's hand-backed wrist (gaitvision.evidence.forearm.HandBackedWrist)."""

import numpy as np

from gaitvision.evidence.forearm import HandBackedWrist
from gaitvision.landmarks import ELBOW, INDEX, WRIST


def _arm(n: int = 40, pull: float = 0.3):
    """An arm swinging across the body: elbow fixed, forearm 1.0 long, knuckles 0.3
    beyond the wrist; in the second half (the wrist past the midline) the pose model's
    wrist slides ``pull`` of the forearm toward the elbow, the knuckles stay."""
    ang = np.linspace(-0.6, 0.6, n)
    xy = np.full((n, 33, 2), np.nan)
    true = {}
    offset = {}
    for arm, sgn in (("left", 1.0), ("right", -1.0)):
        e = np.column_stack([np.full(n, sgn * 1.0), np.zeros(n)])
        u = np.column_stack([-sgn * np.cos(ang), np.sin(ang)])
        w = e + u
        k = w + 0.3 * u
        across = np.arange(n) >= n // 2
        shown = np.where(across[:, None], e + (1 - pull) * u, w)
        xy[:, ELBOW[arm]], xy[:, WRIST[arm]] = e, shown
        xy[:, INDEX[f"{arm}_pinky"]] = k + 0.05 * np.column_stack([u[:, 1], -u[:, 0]])
        xy[:, INDEX[f"{arm}_index"]] = k - 0.05 * np.column_stack([u[:, 1], -u[:, 0]])
        true[arm] = w
        offset[arm] = np.where(across, 0.1, -0.8)  # beside the body in the first half
    return xy, offset, true


def test_a_wrist_pulled_toward_the_elbow_is_put_back_from_the_knuckles():
    xy, offset, true = _arm()
    got = HandBackedWrist().estimate(xy, offset)
    for arm in ("left", "right"):
        assert np.abs(xy[20:, WRIST[arm]] - true[arm][20:]).max() > 0.25  # the pull
        np.testing.assert_allclose(got[arm], true[arm], atol=1e-9)


def test_without_frames_beside_the_body_the_wrist_is_left_as_given():
    xy, offset, _ = _arm()
    offset = {arm: np.full_like(v, 0.1) for arm, v in offset.items()}
    got = HandBackedWrist().estimate(xy, offset)
    for arm in ("left", "right"):
        np.testing.assert_array_equal(got[arm], xy[:, WRIST[arm]])

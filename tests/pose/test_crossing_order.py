"""Leg labels kept by image order through a fast crossing are exchanged back (side view).

BlazePose, at 14 km/h and 180 spm (60 fps), can keep naming the front foot the same way
for several frames after the feet pass, entering and leaving that run through frames
where both feet's points collapse between the feet: no single jump to undo.
"""

from __future__ import annotations

import numpy as np

from gaitvision.landmarks import ANKLE, HEEL, TOE
from gaitvision.pose.legs import CrossingOrderLabeller
from tests.synthetic_runner import make_track

_FOOT = {s: [ANKLE[s], HEEL[s], TOE[s]] for s in ("left", "right")}


def _fast_track(seed: int):
    return make_track(fps=60, duration_s=4.0, noise_px=1.0, seed=seed, cadence_spm=180.0,
                      speed_kmh=12.0, duty_factor=0.33, hip_height_m=0.86)[0]


def _stuck_after_crossings(track, hold: int = 6):
    """The model's failure: after every other crossing of the feet, ``hold`` frames labelled by
    image order (the feet's labels exchanged), entered and left through a frame whose foot
    points collapse to the feet's midpoint."""
    bad = track.copy()
    dx = bad.xy[:, ANKLE["left"], 0] - bad.xy[:, ANKLE["right"], 0]
    crossings = np.flatnonzero(np.sign(dx[1:]) != np.sign(dx[:-1])) + 1
    swapped = np.zeros(track.n_frames, bool)
    for c in crossings[1:-2:2]:  # once per stride (as on the renders), whole steps only
        run = np.arange(c + 3, min(c + 3 + hold, track.n_frames))
        swapped[run] = True
        left, right = bad.xy[np.ix_(run, _FOOT["left"])], bad.xy[np.ix_(run, _FOOT["right"])]
        bad.xy[np.ix_(run, _FOOT["left"])], bad.xy[np.ix_(run, _FOOT["right"])] = right, left.copy()
        for k in (c + 2, c + 3 + hold):
            if k < track.n_frames:
                mid = (bad.xy[k, _FOOT["left"]] + bad.xy[k, _FOOT["right"]]) / 2
                bad.xy[k, _FOOT["left"]] = bad.xy[k, _FOOT["right"]] = mid
    return bad, swapped


def test_labels_held_through_a_fast_crossing_are_exchanged_back():
    track = _fast_track(seed=11)
    bad, swapped = _stuck_after_crossings(track)
    assert swapped.sum() > 20
    fixed, n, _ = CrossingOrderLabeller().apply(bad)
    # a collapsed frame reads as the crossing: the frame after it is within the guard
    beyond_guard = swapped & np.roll(swapped, 1)
    assert n == beyond_guard.sum()
    for side in ("left", "right"):
        assert np.allclose(fixed.xy[beyond_guard][:, _FOOT[side]],
                           track.xy[beyond_guard][:, _FOOT[side]])


def test_correct_labels_are_left_alone():
    track = _fast_track(seed=12)
    fixed, n, n_collapsed = CrossingOrderLabeller().apply(track)
    assert n == 0 and n_collapsed == 0 and fixed is track

"""Left/right swap correction on tracks with known swaps."""

from __future__ import annotations

import numpy as np

from gaitvision.landmarks import LR_SWAP
from gaitvision.pose.identity import correct_front_back_flips, correct_leg_swaps
from tests.pose.synthetic import runner_track


def _swap(track, frames, landmarks=None):
    bad = track.copy()
    idx = np.array(LR_SWAP)
    for f in frames:
        if landmarks is None:
            bad.xy[f] = bad.xy[f][idx]
        else:
            for a in landmarks:
                b = LR_SWAP[a]
                bad.xy[f, [a, b]] = bad.xy[f, [b, a]]
    return bad


def test_a_swapped_leg_segment_is_found_and_fixed():
    truth = runner_track(fps=60)
    lower_leg = [25, 27, 29, 31]
    frames = range(46, 58)  # 0.2 s with knees/ankles/feet labelled on the wrong leg
    bad = _swap(truth, frames, lower_leg)
    fixed = correct_leg_swaps(bad)
    np.testing.assert_allclose(fixed.xy, truth.xy)
    assert fixed.cleaning.swaps_corrected == len(frames)


def test_a_single_frame_swap_is_fixed_at_30fps():
    truth = runner_track(fps=30)
    bad = _swap(truth, [20], [27, 29, 31])
    fixed = correct_leg_swaps(bad)
    np.testing.assert_allclose(fixed.xy, truth.xy)


def test_a_clean_track_is_left_alone():
    truth = runner_track(fps=30)
    fixed = correct_leg_swaps(truth)
    assert fixed.cleaning.swaps_corrected == 0
    np.testing.assert_allclose(fixed.xy, truth.xy)


def test_rear_view_front_back_flip_is_undone():
    truth = runner_track(fps=60, view="rear")
    # seen from behind the runner's left is image-left
    assert np.all(truth.xy[:, 11, 0] < truth.xy[:, 12, 0])
    bad = _swap(truth, range(60, 120))
    fixed = correct_front_back_flips(bad, "rear")
    np.testing.assert_allclose(fixed.xy, truth.xy)
    assert fixed.cleaning.swaps_corrected == 60

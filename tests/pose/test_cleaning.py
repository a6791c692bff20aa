"""Cleaning a pose track: what it reports, and glitch bridging on runner tracks."""

from __future__ import annotations

import numpy as np
import pytest

from gaitvision.pose.cleaning import CleaningSettings, bridge_glitches, clean_track
from gaitvision.signal import glitches
from tests.pose.synthetic import runner_track


def test_clean_track_reports_what_it_did():
    track = runner_track(fps=60, seconds=4)
    track.xy[30:33] = np.nan
    track.detected[30:33] = False
    track.xy[100:140] = np.nan
    track.detected[100:140] = False
    track.xy[200, 27] += 80  # an outlier on the left ankle
    clean = clean_track(track, CleaningSettings())
    rep = clean.cleaning
    assert rep.frames_filled == 3 and rep.gaps_filled == 1
    assert rep.long_gaps == [(100, 140)]
    assert rep.outliers_removed >= 1
    assert abs(clean.xy[200, 27, 0] - runner_track(fps=60, seconds=4).xy[200, 27, 0]) < 10
    assert np.all(clean.visibility[30:33] == 0)


@pytest.mark.parametrize("fps", [30, 60, 120, 240])
def test_real_foot_motion_is_never_taken_for_a_glitch(fps):
    from gaitvision.kinematics.geometry import LEG_POINTS, leg_length_px
    from tests.synthetic_runner import make_track

    track, _ = make_track(fps=fps, duration_s=4.0)
    leg = leg_length_px(track.xy, track.visibility)
    for j in LEG_POINTS["left"] + LEG_POINTS["right"]:
        assert not glitches(track.xy[:, j], track.times, 0.25 * leg).any()


@pytest.mark.parametrize("fps,frames", [(60, 1), (60, 3), (30, 2), (240, 12)])
def test_a_foot_point_jumping_to_the_other_foot_is_found_and_bridged(fps, frames):
    # BlazePose without its own smoothing: a heel put on the other foot for a few frames
    from gaitvision.landmarks import INDEX, leg_length_px
    from tests.synthetic_runner import make_track

    track, _ = make_track(fps=fps, duration_s=4.0)
    leg = leg_length_px(track.xy, track.visibility)
    heel, other = INDEX["right_heel"], INDEX["left_heel"]
    apart = np.linalg.norm(track.xy[:, heel] - track.xy[:, other], axis=1) > 0.6 * leg
    k = int(np.flatnonzero(apart[fps:])[0]) + fps  # a moment the feet are well apart
    bad = track.copy()
    bad.xy[k:k + frames, heel] = track.xy[k:k + frames, other]
    found = glitches(bad.xy[:, heel], bad.times, 0.25 * leg)
    assert np.array_equal(np.flatnonzero(found), np.arange(k, k + frames))
    fixed, n = bridge_glitches(bad, [heel, other], 0.25 * leg)
    assert n == frames
    assert np.abs(fixed.xy[:, heel] - track.xy[:, heel]).max() < 0.05 * leg
    assert np.array_equal(fixed.xy[:, other], track.xy[:, other])

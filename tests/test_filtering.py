"""Cleaning filters on series with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from gaitvision.filtering import (
    CleaningSettings,
    bridge_glitches,
    clean_track,
    fill_gaps,
    glitches,
    hampel,
    lowpass,
)
from tests.pose.synthetic import runner_track


def test_6hz_cutoff_keeps_2hz_and_removes_15hz():
    fs = 120.0
    t = np.arange(0, 4, 1 / fs)
    slow, fast = np.sin(2 * np.pi * 2 * t), np.sin(2 * np.pi * 15 * t)
    core = slice(60, -60)  # away from the ends
    kept = lowpass(slow, fs, cutoff_hz=6.0)
    assert np.max(np.abs(kept[core] - slow[core])) < 0.01  # 2 Hz passes (within 1 %)
    removed = lowpass(fast, fs, cutoff_hz=6.0)
    assert np.max(np.abs(removed[core])) < 0.06  # 15 Hz is cut to under 6 % (-24 dB)
    both = lowpass(slow + fast, fs, cutoff_hz=6.0)
    assert np.std(both[core] - slow[core]) < 0.05


def test_cutoff_is_in_hz_whatever_the_frame_rate():
    for fs in (30.0, 60.0, 240.0):
        t = np.arange(0, 6, 1 / fs)
        x = np.sin(2 * np.pi * 2 * t) + 0.5 * np.sin(2 * np.pi * 12 * t)
        y = lowpass(x, fs, 6.0)
        core = slice(int(fs), -int(fs))
        resid = y[core] - np.sin(2 * np.pi * 2 * t[core])
        assert np.std(resid) < 0.05, fs


def test_combined_filter_is_3db_down_at_its_cutoff():
    fs = 240.0
    t = np.arange(0, 10, 1 / fs)
    y = lowpass(np.sin(2 * np.pi * 6 * t), fs, 6.0)
    gain = np.std(y[500:-500]) / np.std(np.sin(2 * np.pi * 6 * t[500:-500]))
    assert gain == pytest.approx(1 / np.sqrt(2), abs=0.02)


def test_hampel_replaces_a_spike_and_nothing_else():
    x = np.sin(np.linspace(0, 6, 200))
    x[100] += 5
    y, out = hampel(x, 3)
    assert out.sum() == 1 and out[100]
    assert y[100] == pytest.approx(np.sin(6 * 100 / 199), abs=0.05)


def test_short_gaps_are_filled_long_gaps_stay_missing():
    t = np.arange(100) / 30
    x = np.sin(t)
    x[10:13] = np.nan  # 0.1 s
    x[50:70] = np.nan  # 0.67 s
    y, filled = fill_gaps(x, t, max_gap_s=0.15)
    assert filled == [(10, 13)]
    assert np.all(np.isfinite(y[10:13])) and np.all(np.isnan(y[50:70]))
    np.testing.assert_allclose(y[10:13], np.sin(t[10:13]), atol=0.01)


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
    from gaitvision.kinematics.testing import make_track

    track, _ = make_track(fps=fps, duration_s=4.0)
    leg = leg_length_px(track.xy, track.visibility)
    for j in LEG_POINTS["left"] + LEG_POINTS["right"]:
        assert not glitches(track.xy[:, j], track.times, 0.25 * leg).any()


@pytest.mark.parametrize("fps,frames", [(60, 1), (60, 3), (30, 2), (240, 12)])
def test_a_foot_point_jumping_to_the_other_foot_is_found_and_bridged(fps, frames):
    # BlazePose without its own smoothing: a heel put on the other foot for a few frames
    from gaitvision.kinematics.geometry import leg_length_px
    from gaitvision.kinematics.testing import make_track
    from gaitvision.landmarks import INDEX

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

"""Gait events on synthetic treadmill runs with known IC/TO times."""

import numpy as np
import pytest

from gaitvision.errors import NotRunningError
from gaitvision.kinematics import analyze_gait
from gaitvision.landmarks import LR_SWAP
from tests.kinematics.helpers import event_errors_ms
from tests.synthetic_runner import make_track


@pytest.mark.parametrize("strike", [12.0, -8.0])  # rearfoot, forefoot
def test_events_within_2ms_at_240fps(strike):
    track, truth = make_track(fps=240, duration_s=8.0, strike_angle_deg=strike)
    a = analyze_gait(track)
    err = event_errors_ms(a, truth)
    assert len(err) >= 40
    assert np.abs(err).max() < 2.0
    assert not any(e.inferred for e in a.events)


@pytest.mark.parametrize("fps,tol_ms", [(60, 5.0), (30, 12.0)])
def test_events_at_lower_frame_rates(side_runs, fps, tol_ms):
    _, truth, a = side_runs[fps]
    err = event_errors_ms(a, truth)
    assert np.abs(err).max() < tol_ms  # well under one frame
    frames = np.array([e.frame for e in a.events])
    assert np.any(np.abs(frames - np.round(frames)) > 0.05)  # sub-frame, never snapped


def test_events_alternate_and_pair_into_strides(side_runs):
    _, _, a = side_runs[240]
    ics = [e for e in a.events if e.type == "IC"]
    feet = [e.foot for e in ics]
    assert all(x != y for x, y in zip(feet, feet[1:]))
    for s in a.strides:
        assert s.start_s < s.to_s < s.end_s


def test_mirrored_runner_gives_the_same_events():
    left, truth = make_track(fps=120, duration_s=6.0, direction="left")
    right, _ = make_track(fps=120, duration_s=6.0, direction="right")
    a, b = analyze_gait(left), analyze_gait(right)
    assert a.direction == "left" and b.direction == "right"
    ta = [(e.foot, e.type, round(e.time_s, 6)) for e in a.events]
    tb = [(e.foot, e.type, round(e.time_s, 6)) for e in b.events]
    assert ta == tb


@pytest.mark.parametrize("fps,start_s", [(60, 3.33), (60, 3.47), (30, 3.4), (30, 5.0)])
def test_swapped_leg_segment_still_gives_correct_events(fps, start_s):
    # both legs well seen, the model swaps their labels for 0.25 s (starting while the
    # legs cross at 3.33 s, or while they are apart)
    track, truth = make_track(fps=fps, duration_s=8.0, far_visibility=0.95)
    bad = track.copy()
    a0 = int(round(start_s * fps))
    seg = slice(a0, a0 + fps // 4)
    legs = [i for i in range(33) if i >= 25]
    idx = np.array(LR_SWAP)
    for arr in (bad.xy, bad.visibility, bad.z, bad.world):
        arr[seg, legs] = arr[seg][:, idx][:, legs]
    a = analyze_gait(bad)
    clean = analyze_gait(track)
    err = event_errors_ms(a, truth)
    assert np.abs(err).max() < (5.0 if fps == 60 else 12.0)  # as without the swap
    assert [(e.foot, e.type) for e in a.events] == [(e.foot, e.type) for e in clean.events]
    assert any("exchanged back" in n for n in a.quality.notes)


def test_hidden_far_leg_events_are_inferred_and_marked():
    track, truth = make_track(fps=60, duration_s=8.0, hide_far_ic=True, far_visibility=0.7)
    a = analyze_gait(track)
    assert a.quality.hidden_leg == "right"
    far = [e for e in a.events if e.foot == "right"]
    assert far and sum(e.inferred for e in far) >= 0.5 * len(far)
    assert a.quality.inferred_events > 0
    # inferred ICs sit half a stride after the near foot's: right for this even runner
    err = event_errors_ms(a, truth, "IC")
    assert np.abs(err).max() < 5.0
    assert abs(a.value("cadence_spm") - 170.0) < 0.5


def test_walking_is_reported_as_walking():
    walk, _ = make_track(fps=60, duration_s=10.0, cadence_spm=110, speed_kmh=4.0,
                         duty_factor=0.62, hip_height_m=0.86, vo_m=0.03, overstride_m=0.25,
                         toe_off_angle_deg=-25.0, lift_m=0.06, retract_frac=0.0)
    with pytest.raises(NotRunningError, match="walking"):
        analyze_gait(walk)
    a = analyze_gait(walk, on_walking="flag")
    assert a.quality.walking_detected
    assert a.summary == {} and a.strides == []


def test_flagged_walk_saves_and_reports_progress(tmp_path):
    walk, _ = make_track(fps=30, duration_s=10.0, cadence_spm=110, speed_kmh=4.0,
                         duty_factor=0.62, hip_height_m=0.86, vo_m=0.03, overstride_m=0.25,
                         toe_off_angle_deg=-25.0, lift_m=0.06, retract_frac=0.0)
    seen = []
    a = analyze_gait(walk, on_walking="flag", progress=lambda st, f: seen.append((st, f)))
    assert seen[0] == ("kinematics", 0.0) and seen[-1] == ("kinematics", 1.0)
    a.save(tmp_path)
    from gaitvision.kinematics import GaitAnalysis

    b = GaitAnalysis.load(tmp_path)
    assert b.quality.walking_detected and b.summary == {}
    assert any("walking" in n for n in b.quality.notes)

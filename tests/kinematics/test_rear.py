"""Rear-view metrics on synthetic runs filmed from behind (pinhole camera, 4 m)."""

import numpy as np
import pytest

from gaitvision.kinematics import analyze_gait
from tests.synthetic_runner import make_track

#: Tolerance against the truth. Arm crossover and foot placement carry the perspective
#: of a 4 m camera (the wrist swings ahead of the shoulders, the foot lands ahead of the
#: hips).
REAR_TOL = {"cadence_spm": 0.3, "pelvic_drop_peak_deg": 0.2,
            "arm_crossover_shoulder_widths": 0.015, "step_width_leg_lengths": 0.005}


@pytest.fixture(scope="module")
def rear():
    track, truth = make_track(view="rear", fps=120, duration_s=10.0)
    return track, truth, analyze_gait(track)


def test_rear_metrics_match_the_truth(rear):
    _, truth, a = rear
    assert a.view == "rear" and a.direction is None
    for name, tol in REAR_TOL.items():
        for side in ("left", "right"):
            got, want = a.value(name, side), truth.values[name][side]
            assert abs(got - want) < tol, (name, side, got, want)


def test_rear_stances_are_timed_but_not_summarised(rear):
    # On exact keypoints the stances are placed within 15 ms (midstance from the pelvis,
    # IC symmetric to TO); with a real pose model the toe-off is seen poorly from behind,
    # so contact time, flight time and duty factor are left to the side view.
    _, truth, a = rear
    for name in ("contact_time_ms", "flight_time_ms", "duty_factor_pct"):
        assert name not in a.summary
    for side in ("left", "right"):
        contact = [s.metrics["contact_time_ms"] for s in a.strides
                   if s.side == side and s.excluded is None]
        assert len(contact) >= 7
        assert abs(np.mean(contact) - truth.values["contact_time_ms"][side]) < 15.0
    assert any("film from the side for timing" in n for n in a.quality.notes)


def test_arm_crossover_share_and_pelvic_curve(rear):
    _, _, a = rear
    assert a.value("arm_crossover_strides_pct", "left") == 100.0  # crosses by 0.1
    assert a.value("arm_crossover_strides_pct", "right") == 0.0   # stays 0.05 short
    drop = a.curves.mean("pelvic_obliquity_deg", "left")
    assert abs(np.nanmax(drop) - 5.0) < 0.3  # deepest mid-stance, swing side lower
    assert "pelvic_obliquity_deg" in a.series and "pelvic_drop_deg.right" in a.series


@pytest.mark.parametrize("roll", [-3.0, 2.5])
def test_camera_roll_is_estimated_and_undone(roll):
    track, truth = make_track(view="rear", fps=60, duration_s=8.0, roll_deg=roll)
    a = analyze_gait(track)
    assert abs(a.quality.camera_roll_deg - roll) < 0.3
    assert a.quality.tilt_suspected
    assert abs(a.summary["camera_roll_deg"].both.mean - roll) < 0.3
    for side, want in (("left", 5.0), ("right", 7.0)):
        assert abs(a.value("pelvic_drop_peak_deg", side) - want) < 0.4


def test_pelvic_drop_is_keyed_by_stance_side_in_a_mirror():
    # a rear view mirrored left-right is a front view of a runner with sides exchanged
    track, _ = make_track(view="rear", fps=60, duration_s=8.0)
    front = track.copy()
    front.xy[..., 0] = track.frame_size[0] - track.xy[..., 0]
    from gaitvision.pose.track import ViewEstimate

    front.view = ViewEstimate("front", None, 1.0, "user")
    a, b = analyze_gait(track), analyze_gait(front)
    assert (a.view, b.view) == ("rear", "front")
    assert set(a.summary) == set(b.summary)  # the front view measures the rear's metrics
    for side in ("left", "right"):
        assert abs(a.value("pelvic_drop_peak_deg", side)
                   - b.value("pelvic_drop_peak_deg", side)) < 1e-6


def _hide_crossing_wrists(track, pull: float):
    """The pose model's behaviour from behind: a wrist past the midline is hidden
    (visibility 0.1) and drawn toward the elbow (to ``pull`` of the forearm). (Hidden from
    0.45 shoulder widths past the shoulder, the right arm, whose innermost point is there,
    -0.05, was hidden or not by a hair from stride to stride.)"""
    import dataclasses

    from gaitvision.landmarks import ELBOW, SHOULDER, WRIST

    xy, vis = track.xy.copy(), track.visibility.copy()
    for arm, other in (("left", "right"), ("right", "left")):
        inward = np.sign(xy[:, SHOULDER[other], 0] - xy[:, SHOULDER[arm], 0])
        past = inward * (xy[:, WRIST[arm], 0] - xy[:, SHOULDER[arm], 0])
        sw = np.abs(xy[:, SHOULDER[other], 0] - xy[:, SHOULDER[arm], 0])
        hidden = past > 0.5 * sw
        e = xy[hidden, ELBOW[arm]]
        xy[hidden, WRIST[arm]] = e + pull * (xy[hidden, WRIST[arm]] - e)
        vis[hidden, WRIST[arm]] = 0.1
    return dataclasses.replace(track, xy=xy, visibility=vis)


@pytest.mark.parametrize("pull", [0.5, 0.1])
def test_a_hidden_crossing_wrist_gives_bounds_not_a_value(pull, rear):
    """Hidden near its innermost point, the wrist gives bounds, and the lower one holds;
    put on the elbow, its direction is unknown and the upper one is not given. (This
    analytic runner's wrist is not a forearm's length from its elbow, so the reach is
    tested on the rendered body, tests/test_accuracy_synthetic.py.)"""
    track, truth, _ = rear
    a = analyze_gait(_hide_crossing_wrists(track, pull=pull))
    left = [r.metrics for r in a.strides if r.side == "left"]
    true = truth.values["arm_crossover_shoulder_widths"]["left"]
    assert left and all(np.isnan(m["arm_crossover_shoulder_widths"]) for m in left)
    assert all(m["arm_crossover_at_least_shoulder_widths"] <= true for m in left)
    most = [m["arm_crossover_reach_shoulder_widths"] for m in left]
    if pull == 0.1:
        assert np.isnan(most).all()
    assert "arm_crossover_shoulder_widths" in a.summary  # the right arm is always seen
    assert any("give a bound, not a value" in n for n in a.quality.notes)


def test_front_wrists_count_as_seen_whatever_their_visibility():
    """From the front a crossing wrist is in front of the torso: a low visibility from the
    pose model (over a patterned shirt) must not turn its strides into bounds."""
    import dataclasses

    from gaitvision.landmarks import WRIST

    track, truth = make_track(view="front", fps=60, duration_s=6.0)
    vis = track.visibility.copy()
    vis[::2, [WRIST["left"], WRIST["right"]]] = 0.2  # every other frame "unsure"
    a = analyze_gait(dataclasses.replace(track, visibility=vis))
    kept = [r for r in a.strides if r.excluded is None]
    assert kept and all(np.isfinite(r.metrics["arm_crossover_shoulder_widths"]) for r in kept)
    assert not any("give a bound, not a value" in n for n in a.quality.notes)
    for side in ("left", "right"):
        want = truth.values["arm_crossover_shoulder_widths"][side]
        assert abs(a.value("arm_crossover_shoulder_widths", side) - want) < 0.02

"""Arm crossover bounds of a hidden wrist: at least the elbow, at most one forearm length
in from it (kinematics/rear.py on evidence/forearm.py)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from gaitvision.kinematics.geometry import BodyFrame
from gaitvision.kinematics.rear import ArmCrossover, arm_crossover, farthest_in
from gaitvision.landmarks import ELBOW, HIP, N_LANDMARKS, SHOULDER, WRIST


def _frame(n: int = 40, forearm: float = 0.3, pull: float = 0.5, tilt: float = 0.0):
    """A runner seen from behind, in leg lengths: shoulders 0.4 apart (lat + = the
    runner's left), the left elbow 0.15 out from the midline, the forearm swinging from
    hanging down (seen) to across the body (hidden, the pose model's wrist pulled in to
    ``pull`` of its length). ``tilt``: the trunk's axis leans by that many leg lengths
    per leg length of height."""
    p = np.full((n, N_LANDMARKS, 2), np.nan)
    vis = np.ones((n, N_LANDMARKS))
    for side, s in (("left", 1.0), ("right", -1.0)):
        p[:, HIP[side]] = [0.12 * s, 0.0]
        p[:, SHOULDER[side]] = [0.2 * s + 0.5 * tilt, 0.5]
    p[:, ELBOW["left"]] = [0.15 + 0.3 * tilt, 0.3]
    ang = np.radians(np.linspace(-90, -175, n))  # down, then toward the right (midline)
    d = np.stack([np.cos(ang), np.sin(ang)], axis=1)
    hidden = np.arange(n) >= n // 2
    scale = np.where(hidden, pull * forearm, forearm)
    p[:, WRIST["left"]] = p[:, ELBOW["left"]] + scale[:, None] * d
    vis[hidden, WRIST["left"]] = 0.1
    bf = BodyFrame(t=np.arange(n) / 30.0, p=p, vis=vis, leg_px=300.0, roll_deg=0.0, sign=1.0)
    true_wrist = p[:, ELBOW["left"]] + forearm * d
    return bf, true_wrist


def _stride(bf):
    return SimpleNamespace(foot="left", end=bf.t[-1], stance=SimpleNamespace(ic=bf.t[0], to=0.1))


def test_farthest_in_is_the_elbow_moved_a_forearm_toward_the_midline():
    bf, _ = _frame()
    out = farthest_in(bf, bf.point(ELBOW["left"]), 0.2, "left")
    # midline at lat 0, shoulder width 0.4: the elbow is -0.375 SW, a forearm is 0.5 SW
    np.testing.assert_allclose(out, -0.375 + 0.5, atol=1e-3)
    assert np.isnan(farthest_in(bf, bf.point(ELBOW["left"]), float("nan"), "left")).all()


def test_a_tilted_trunk_keeps_the_bound_at_least_the_horizontal_reach():
    bf, _ = _frame(tilt=0.1)
    from gaitvision.kinematics.rear import midline_offset

    e = bf.point(ELBOW["left"])
    flat = midline_offset(bf, e - [0.2, 0.0], "left")
    assert (farthest_in(bf, e, 0.2, "left") >= flat - 1e-9).all()


def test_hidden_wrist_bounds_bracket_the_truth_and_no_value_is_given():
    from gaitvision.kinematics.geometry import rear_series
    from gaitvision.kinematics.rear import midline_offset

    bf, true_wrist = _frame()
    series = rear_series(bf)
    a = arm_crossover(bf, series, _stride(bf))
    true = float(np.nanmax(midline_offset(bf, true_wrist, "left")))
    assert a.source == "bounds" and np.isnan(a.value)
    assert a.at_least <= true <= a.at_most
    # the forearm (longer than the body proportion, 0.297) ends across the body in the
    # image plane, so the upper bound is the truth itself
    assert a.at_most - true < 0.02
    assert a.lower == a.at_least and a.upper == a.at_most


def test_a_seen_wrist_is_a_value_and_both_bounds():
    a = ArmCrossover(value=0.12, source="seen")
    assert a.lower == a.upper == 0.12 and a.crossed_pct == 100.0
    assert ArmCrossover(at_least=-0.5, at_most=-0.1).crossed_pct == 0.0  # cannot have crossed
    assert np.isnan(ArmCrossover(at_least=-0.5, at_most=0.1).crossed_pct)  # unknown


def test_an_unseen_elbow_leaves_the_upper_bound_unknown():
    from gaitvision.kinematics.geometry import rear_series

    bf, _ = _frame()
    bf.vis[30:, ELBOW["left"]] = 0.1
    a = arm_crossover(bf, rear_series(bf), _stride(bf))
    assert a.source == "bounds" and np.isfinite(a.at_least) and np.isnan(a.at_most)


def test_bounds_summaries_repeat_no_value_and_give_one_range_finding():
    from gaitvision.kinematics.rear import tidy_crossover_bounds
    from gaitvision.kinematics.records import Stats

    def summ(left, n_left):
        st = Stats(left, 0.01, left, n_left)
        return SimpleNamespace(left=st, right=None, both=st, label="Arm crossover",
                               finding="Indicative only: 4 strides. Arm crossover 0.1.",
                               asymmetry={"diff": 0.1, "pct": 5.0})

    seen = {"arm_crossover_shoulder_widths": summ(0.12, 6),
            "arm_crossover_at_least_shoulder_widths": summ(0.12, 6),
            "arm_crossover_at_most_shoulder_widths": summ(0.12, 6)}
    tidy_crossover_bounds(seen)  # every stride seen (the front view): values only
    assert list(seen) == ["arm_crossover_shoulder_widths"]
    mixed = {"arm_crossover_shoulder_widths": summ(0.12, 2),
             "arm_crossover_at_least_shoulder_widths": summ(-0.5, 6),
             "arm_crossover_at_most_shoulder_widths": summ(0.17, 5)}
    tidy_crossover_bounds(mixed)  # some strides hidden: the bounds stay, one finding
    assert len(mixed) == 3
    least, most = (mixed[f"arm_crossover_at_{k}_shoulder_widths"] for k in ("least", "most"))
    assert least.finding == "" and least.asymmetry is None and most.asymmetry is None
    assert most.finding.startswith("Indicative only: 4 strides. Arm crossover between -0.50 "
                                   "and +0.17 shoulder widths")
    assert "left -0.50 to +0.17" in most.finding
    hidden = {"arm_crossover_at_least_shoulder_widths": summ(-0.5, 6)}
    tidy_crossover_bounds(hidden)  # no value, no upper bound: the lower bound stays
    assert len(hidden) == 1

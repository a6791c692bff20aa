"""The plain summary: at most three points, never from an unreliable metric."""

from __future__ import annotations

import dataclasses

from gaitvision.kinematics.records import MetricSummary, Reference, Stats
from gaitvision.report.plain import MAX_POINTS, plain_summary


def summary(name, mean, rng, flag, label=None):
    st = Stats(mean, 1.0, mean, 10)
    return MetricSummary(name=name, label=label or name, unit="deg", left=None, right=None,
                         both=st, reference=Reference(rng, "text", "src"), finding="f",
                         flag=flag)


def test_points_come_only_from_outside_flags_in_registry_order():
    s = {"cadence_spm": summary("cadence_spm", 150.0, (155.0, 203.0), "outside", "Cadence"),
         "knee_flexion_ic_deg": summary("knee_flexion_ic_deg", 9.0, (15.0, 25.0), "outside"),
         "trunk_lean_deg": summary("trunk_lean_deg", 7.0, None, "no_norm"),
         "vertical_oscillation_cm": summary("vertical_oscillation_cm", 18.0, (3.0, 15.0),
                                            "outside"),
         "camera_roll_deg": summary("camera_roll_deg", 4.0, (-2.0, 2.0), "outside")}
    points = plain_summary({"side": s})
    assert len(points) == MAX_POINTS
    assert [p.metric for p in points] == ["cadence_spm", "knee_flexion_ic_deg",
                                          "vertical_oscillation_cm"]
    assert "step rate" in points[0].headline and "metronome" in points[0].cue
    assert all(p.meaning and p.cue and p.view == "side" for p in points)


def test_unreliable_metric_never_gives_a_point():
    bad = summary("knee_flexion_ic_deg", 9.0, (15.0, 25.0), "unreliable")
    points = plain_summary({"side": {"knee_flexion_ic_deg": bad}})
    assert [p.metric for p in points] == [""] and "Nothing stands out" in points[0].headline
    outside = dataclasses.replace(bad, flag="outside")
    assert [p.metric for p in plain_summary({"side": {"k": outside}})] == ["knee_flexion_ic_deg"]


def test_nothing_to_say_without_summaries():
    assert plain_summary({}) == [] and plain_summary({"side": {}}) == []

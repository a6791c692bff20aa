"""The results page marks a hidden wrist's arm crossover as a bound (≥ / ≤), not a value."""

from __future__ import annotations

from gaitvision.kinematics.records import MetricSummary, Reference, Stats
from gaitvision.web.results import metric_row


def _summary(name: str, left: float) -> MetricSummary:
    return MetricSummary(name=name, label="", unit="shoulder widths", definition="",
                         left=Stats(left, 0.03, left, 6), right=None, both=None,
                         reference=Reference(None, "no validated norm", ""), finding="",
                         flag="no_norm", flags={}, asymmetry=None)


def test_crossover_bounds_carry_their_sign_and_values_none():
    least = metric_row(_summary("arm_crossover_at_least_shoulder_widths", -0.51))
    most = metric_row(_summary("arm_crossover_at_most_shoulder_widths", 0.18))
    value = metric_row(_summary("arm_crossover_shoulder_widths", 0.12))
    assert least.left["mean"] == "≥ -0.51" and least.right is None
    assert most.left["mean"] == "≤ 0.18"
    assert value.left["mean"] == "0.12"
    assert "at least" in least.label and "at most" in most.label

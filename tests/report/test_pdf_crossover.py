"""The PDF's summary table says a hidden wrist's arm crossover is a bound, not a value."""

from __future__ import annotations

from types import SimpleNamespace

from gaitvision.kinematics.records import MetricSummary, Reference, Stats
from gaitvision.report.pdf_sections import paragraph_styles, summary_table


def _summary(name: str, label: str, left: float, right: float) -> MetricSummary:
    return MetricSummary(name=name, label=label, unit="shoulder widths", definition="",
                         left=Stats(left, 0.03, left, 6), right=Stats(right, 0.02, right, 6),
                         both=None, reference=Reference(None, "no validated norm", ""),
                         finding="", flag="no_norm", flags={}, asymmetry=None)


def _bounds_and_value() -> dict:
    """A rear summary with both crossover bounds (hidden wrists) and a value (seen ones)."""
    return {
        "arm_crossover_at_least_shoulder_widths": _summary(
            "arm_crossover_at_least_shoulder_widths", "Arm crossover, at least", -0.51, -0.47),
        "arm_crossover_at_most_shoulder_widths": _summary(
            "arm_crossover_at_most_shoulder_widths", "Arm crossover, at most", 0.18, 0.16),
        "arm_crossover_shoulder_widths": _summary(
            "arm_crossover_shoulder_widths", "Arm crossover", 0.12, 0.1)}


def test_crossover_bounds_read_at_least_and_at_most_and_values_read_plain():
    a = SimpleNamespace(summary=_bounds_and_value())
    table = summary_table(a, paragraph_styles(), 500.0)
    rows = {r[0].text: [c.text for c in r[1:3]] for r in table._cellvalues[1:]}
    least = next(v for k, v in rows.items() if "at least" in k)
    most = next(v for k, v in rows.items() if "at most" in k)
    value = next(v for k, v in rows.items() if "Arm crossover</b>" in k)
    assert least[0].startswith("at least -0.51") and least[1].startswith("at least -0.47")
    assert most[0].startswith("at most 0.18") and most[1].startswith("at most 0.16")
    assert value[0].startswith("0.12")


def test_left_right_chart_leaves_out_the_crossover_bounds():
    """Two bounds' left-right difference says nothing about the arms: no panel for them."""
    from gaitvision.report.charts import asymmetry_figure

    a = SimpleNamespace(view="rear", summary=_bounds_and_value())
    fig = asymmetry_figure(a)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert len(titles) == 1 and titles[0].startswith("Arm crossover\n")

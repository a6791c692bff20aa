"""Number formatting shared by the summary table, the PDF and the charts."""

from __future__ import annotations

from gaitvision.kinematics.records import MetricSummary, Reference, Stats
from gaitvision.report.style import fmt_sd
from gaitvision.summary import summary_table


def test_an_sd_below_the_resolution_is_not_printed_as_zero():
    """Strides that differ by less than the printed decimals give "< 0.1", not "± 0"
    (which reads as one per-clip value copied to every stride)."""
    assert fmt_sd(0.0, "deg") == "< 0.1"
    assert fmt_sd(0.0, "ms") == "< 1"
    assert fmt_sd(0.0, "leg lengths") == "< 0.001"
    assert fmt_sd(0.3, "deg") == "0.3"
    assert fmt_sd(None, "deg") == "–"


def test_summary_table_prints_a_tiny_sd_as_below_resolution():
    tiny = Stats(6.52, 0.03, 6.52, 9)
    m = MetricSummary(name="trunk_lean_deg", label="Trunk lean", unit="deg", left=tiny,
                      right=tiny, both=tiny, reference=Reference(None, "text", "src"),
                      finding="", flag="no_norm")

    class A:
        summary = {"trunk_lean_deg": m}

    cells = summary_table(A(), "t").columns[2]._cells
    assert cells == ["6.5 ± < 0.1"]

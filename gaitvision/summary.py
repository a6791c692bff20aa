"""The readable summary table printed by ``gaitvision analyze`` (rich)."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.table import Table

from gaitvision.kinematics import GaitAnalysis, round_metric

_FLAG_STYLE = {"within": "green", "outside": "bold yellow", "no_norm": "dim", "insufficient": "red",
               "unreliable": "red"}
_FLAG_TEXT = {"within": "within", "outside": "outside", "no_norm": "no norm",
              "insufficient": "too few data", "unreliable": "unreliable"}


def _cell(stats, unit: str) -> str:
    """Mean ± SD rounded as in metrics.json, so the table and the files agree."""
    mean = None if stats is None else round_metric(stats.mean, unit)
    if mean is None:
        return "-"
    sd = round_metric(stats.sd, unit)
    if not sd:  # None, or an SD that rounds to zero: "< 0.1" as in the report
        # imported here: gaitvision.report loads matplotlib and ReportLab (about 1 s),
        # which the CLI must not pay before pose starts
        from gaitvision.report.style import fmt_sd

        return f"{mean:g}" + ("" if sd is None else f" ± {fmt_sd(sd, unit)}")
    return f"{mean:g} ± {sd:g}"


def summary_table(analysis: GaitAnalysis, title: str) -> Table:
    """A rich table: metric, unit, left, right, both (mean ± SD), n, reference range, flag."""
    table = Table(title=title, title_justify="left", header_style="bold")
    table.add_column("metric", no_wrap=True)
    table.add_column("unit", no_wrap=True)
    for col in ("left", "right", "both"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("n (L/R)", justify="right", no_wrap=True)
    table.add_column("typical", no_wrap=True)
    table.add_column("flag", no_wrap=True)
    for m in analysis.summary.values():
        ref = "-" if m.reference.range is None else \
            f"{m.reference.range[0]:g} to {m.reference.range[1]:g}"
        n = f"{m.left.n if m.left else 0}/{m.right.n if m.right else 0}"
        cells = [_cell(getattr(m, side), m.unit) for side in ("left", "right", "both")]
        flag = f"[{_FLAG_STYLE.get(m.flag, '')}]{_FLAG_TEXT.get(m.flag, m.flag)}[/]"
        table.add_row(m.label, m.unit, *cells, n, ref, flag)
    return table


def quality_lines(analysis: GaitAnalysis) -> list[str]:
    """Plain-words statements of the data quality."""
    q = analysis.quality
    lines = [f"strides used: left {q.strides_left}, right {q.strides_right}"
             + (" (fewer than 7 per side: treat averages with care)" if q.too_few_strides else "")]
    lines.append(f"keypoint confidence: left {q.confidence_left:.2f}, right {q.confidence_right:.2f}")
    if q.inferred_events:
        lines.append(f"{q.inferred_events} gait events inferred rather than seen")
    if q.hidden_leg and not any("hidden" in str(n) for n in q.notes or []):
        lines.append(f"the {q.hidden_leg} leg was mostly hidden")
    if q.camera_roll_deg is not None:
        lines.append(f"camera roll {q.camera_roll_deg:+.1f} deg"
                     + (" (tilt suspected: pelvic drop is biased)" if q.tilt_suspected else ""))
    lines.extend(q.notes)
    return lines


def print_summary(result, console: Console | None = None) -> None:
    """Print each view's table, findings and quality notes."""
    # A pipe or CI log gets the full table rather than one squeezed to 80 columns.
    console = console or Console(width=None if sys.stdout.isatty() else 140)
    for r in result.views:
        a = r.analysis
        facing = f", runner facing image-{a.direction}" if a.direction else ""
        console.print(summary_table(a, f"{r.view.capitalize()} view{facing}"))
        findings = [m.finding for m in a.summary.values() if m.flag == "outside" and m.finding]
        if findings:
            console.print("[bold]Findings[/]")
            for f in findings[:5]:
                console.print(f"  - {f}")
        console.print("[bold]Data quality[/]")
        for line in quality_lines(a):
            console.print(f"  - {line}")

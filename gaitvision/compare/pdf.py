"""The compare PDF: 2-4 pages a coach can send (what changed, the table, the curves)."""

from __future__ import annotations

import os
from pathlib import Path

from gaitvision.compare import METHOD, Comparison
from gaitvision.compare.stats import REAL

UNIT = {"deg": "deg", "spm": "spm", "ms": "ms", "%": "%", "cm": "cm"}


def fmt(value) -> str:
    """As the result files hold it; differences rounded to the metric's 3 significant places."""
    if value is None:
        return "-"
    v = round(float(value), 3)
    if v == 0:
        return "0"
    text = repr(v)
    return text[:-2] if text.endswith(".0") else text


def _headline(result: Comparison) -> list[str]:
    real = result.real_changes
    if not real:
        return ["No real change: every difference is inside what the two sessions' own "
                "stride-to-stride scatter (and, for pelvic drop, the published smallest "
                "detectable difference) allow."]
    return [f"{r.label}{'' if r.side == 'both' else f' ({r.side})'}: {fmt(r.a)} -> {fmt(r.b)} "
            f"{r.unit} ({'+' if r.diff > 0 else ''}{fmt(r.diff)})" for r in real]


def _table(rows, styles):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9)
    data = [["Metric", "Side", "A", "B", "B - A", "Welch p (Holm)", "SDD", "Verdict"]]
    for r in rows:
        p = "-" if r.p_holm is None else f"{r.p_holm:.3f}"
        data.append([Paragraph(f"{r.label} ({r.unit})", small), r.side, fmt(r.a), fmt(r.b),
                     fmt(r.diff), p, fmt(r.sdd) if r.sdd else "-",
                     Paragraph(r.excluded or r.verdict, small)])
    t = Table(data, colWidths=[150, 34, 44, 44, 44, 62, 30, 90], repeatRows=1)
    style = [("FONTSIZE", (0, 0), (-1, -1), 7.5),
             ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e7ecf1")),
             ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c0c8d2")),
             ("VALIGN", (0, 0), (-1, -1), "TOP")]
    for i, r in enumerate(rows, start=1):
        if r.verdict == REAL:
            style.append(("BACKGROUND", (0, i), (-1, i), colors.HexColor("#fde3d2")))
    t.setStyle(TableStyle(style))
    return t


def write_pdf(result: Comparison, folder: Path, path: Path) -> Path:
    """Write the compare PDF (atomically) and return its path."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, PageBreak, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    a, b = result.a, result.b
    story = [Paragraph("gaitvision: two sessions compared", styles["Title"]),
             Paragraph(f"<b>A</b>: {a.runner_name or 'runner'} · {a.created or ''}<br/>"
                       f"<b>B</b>: {b.runner_name or 'runner'} · {b.created or ''}", body),
             Spacer(1, 4 * mm), Paragraph("What changed (B compared with A)", styles["Heading2"])]
    story += [Paragraph("• " + line, body) for line in _headline(result)]
    story += [Spacer(1, 3 * mm), Paragraph(f"<i>How a change is called real.</i> {METHOD} "
                                           "Estimates from 2-D video, not a diagnosis.", body)]
    for vc in result.views:
        story += [Spacer(1, 4 * mm), Paragraph(f"Every metric · {vc.view} view", styles["Heading2"]),
                  _table(vc.rows, styles)]
    for vc in result.views:
        if not vc.charts:
            continue
        story += [PageBreak(), Paragraph(f"Curves, A vs B (mean ± SD) · {vc.view} view",
                                         styles["Heading2"])]
        for rel in vc.charts[:6]:
            story.append(Image(str(folder / rel), width=160 * mm, height=58 * mm))
    tmp = path.with_suffix(".part.pdf")
    SimpleDocTemplate(str(tmp), pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                      topMargin=14 * mm, bottomMargin=14 * mm,
                      title="gaitvision compare").build(story)
    os.replace(tmp, path)
    return path

"""Sections of the PDF report as ReportLab flowables: session, findings, summary table,
key frames, per-stride table, data quality, sources.

Every metric value printed goes through :func:`gaitvision.report.style.fmt_value`; the
analysis given here has already been normalised to what ``metrics.json`` holds
(:func:`gaitvision.report.pdf.as_saved`), so printed numbers match the data file.
"""

from __future__ import annotations

import io
import math
from collections import Counter
from pathlib import Path

import cv2
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, Spacer, Table, TableStyle

from gaitvision.kinematics import reference
from gaitvision.kinematics.analysis import GaitAnalysis, MetricSummary
from gaitvision.report import style
from gaitvision.report.keyframes import PHASE_TEXT

FLAG_TEXT = {"within": "within", "outside": "outside", "no_norm": "no norm",
             "insufficient": "no data", "unreliable": "unreliable"}
FLAG_COLOUR = {"within": colors.HexColor("#009e73"), "outside": colors.HexColor("#d55e00"),
               "no_norm": colors.HexColor("#666666"), "insufficient": colors.HexColor("#999999"),
               "unreliable": colors.HexColor("#999999")}

#: Order in which metrics are listed and considered for the findings; metrics whose
#: finding matters most to a coach (evidence of injury links first): the registry's.
METRIC_ORDER = reference.METRIC_ORDER
IMPORTANCE = reference.IMPORTANCE


# --------------------------------------------------------------------------- styles
def paragraph_styles() -> dict[str, ParagraphStyle]:
    ss = getSampleStyleSheet()
    base = ParagraphStyle("base", parent=ss["Normal"], fontName="Helvetica", fontSize=9,
                          leading=11.5, alignment=TA_LEFT)
    return {
        "title": ParagraphStyle("title", parent=base, fontName="Helvetica-Bold", fontSize=18,
                                leading=22, spaceAfter=4),
        "h1": ParagraphStyle("h1", parent=base, fontName="Helvetica-Bold", fontSize=12.5,
                             leading=15, spaceBefore=6, spaceAfter=3),
        "h2": ParagraphStyle("h2", parent=base, fontName="Helvetica-Bold", fontSize=10.5,
                             leading=13, spaceBefore=6, spaceAfter=3),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=7.5, leading=9),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.6, leading=9),
        "cellb": ParagraphStyle("cellb", parent=base, fontName="Helvetica-Bold", fontSize=8,
                                leading=9.5),
        "tiny": ParagraphStyle("tiny", parent=base, fontSize=6.8, leading=8),
        "caption": ParagraphStyle("caption", parent=base, fontSize=7.5, leading=9,
                                  textColor=colors.HexColor("#444444")),
        "bullet": ParagraphStyle("bullet", parent=base, leftIndent=10, bulletIndent=0,
                                 spaceAfter=2),
    }


def esc(text) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


# --------------------------------------------------------------------------- helpers
def _ordered(summary: dict[str, MetricSummary]) -> list[str]:
    known = [n for n in METRIC_ORDER if n in summary]
    return known + sorted(n for n in summary if n not in known)


def _label(m: MetricSummary) -> str:
    lab = m.label if m.label and m.label != m.name else m.name.replace("_", " ")
    return lab[:1].upper() + lab[1:]


def _stat_text(st, unit: str | None = None) -> str:
    if st is None:
        return "–"
    text = style.fmt_value(st.mean)
    if st.sd is not None and math.isfinite(st.sd):
        text += f" ± {style.fmt_sd(st.sd, unit)}"
    return text


#: Summaries that are bounds, not values (arm crossover from behind, wrist hidden): the
#: words their cells start with.
BOUND_WORDS = {"arm_crossover_at_least_shoulder_widths": "at least ",
               "arm_crossover_at_most_shoulder_widths": "at most "}


def _cell_text(m: MetricSummary, st) -> str:
    """A side's stats; a bound's read "at least 0.12" / "at most 0.31"."""
    text = _stat_text(st, m.unit)
    return BOUND_WORDS.get(m.name, "") + text if st is not None else text


def _range_text(m: MetricSummary) -> str:
    r = m.reference.range if m.reference else None
    if r is None:
        return "no validated norm"
    u = style.unit_text(m.unit)
    u = u if u in ("°", "%") else f" {u}"
    return f"{style.fmt_value(r[0])}–{style.fmt_value(r[1])}{u}"


def _flag_cell(m: MetricSummary, st) -> Paragraph:
    # a side's own flag, where it differs (a side with no values of its own says nothing)
    side_flags = {k: v for k, v in (m.flags or {}).items()
                  if v and v != m.flag and v != "insufficient"}
    col = FLAG_COLOUR.get(m.flag, colors.black)
    text = f'<font color="{col.hexval()}"><b>{FLAG_TEXT.get(m.flag, m.flag)}</b></font>'
    for side, f in side_flags.items():
        c = FLAG_COLOUR.get(f, colors.black)
        text += f'<br/><font size="6.5" color="{c.hexval()}">{side[0].upper()}: ' \
                f'{FLAG_TEXT.get(f, f)}</font>'
    return Paragraph(text, st["cell"])


def session_date(session: dict) -> str | None:
    """The session's date: ``date`` as given, else the date part of ``created``."""
    if session.get("date"):
        return str(session["date"])
    created = session.get("created")
    return str(created)[:10] if created else None


def clip_name(analysis: GaitAnalysis) -> str:
    """The clip's display name: the name the user gave it, else its file name."""
    return analysis.video.get("name") or Path(str(analysis.video.get("path", "") or "clip")).name


# --------------------------------------------------------------------------- sections
def session_section(views, session: dict, st) -> list:
    out = [Paragraph("Running form report", st["title"])]
    rows = []

    def add(k, v):
        if v is not None and str(v).strip():
            rows.append([Paragraph(f"<b>{esc(k)}</b>", st["cell"]),
                         Paragraph(esc(v), st["cell"])])

    add("Runner", session.get("runner_name") or session.get("name"))
    add("Date", session_date(session))
    h = session.get("height_cm")
    if h is None:
        h = next((a.height_cm for a, _ in views if a.height_cm), None)
    add("Height", None if h is None else f"{h:g} cm")
    sp = session.get("speed_kmh")
    if sp is None:
        sp = next((a.speed_kmh for a, _ in views if a.speed_kmh), None)
    add("Treadmill speed", None if sp is None else f"{sp:g} km/h")
    add("Notes", session.get("notes"))
    for a, _ in views:
        v = a.video
        facing = f", runner faces image-{a.direction}" if a.direction else ""
        add(f"{a.view.capitalize()} clip",
            f"{clip_name(a)}: {v.get('width')}x{v.get('height')} px, "
            f"{float(v.get('fps') or 0):.1f} fps, {float(v.get('duration_s') or 0):.1f} s "
            f"({v.get('n_frames')} frames){facing}")
    t = Table(rows, colWidths=[32 * mm, None], hAlign="LEFT")
    t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                           ("TOPPADDING", (0, 0), (-1, -1), 1.5)]))
    out.append(t)
    return out


def summary_table(a: GaitAnalysis, st, width: float) -> Table:
    """One row per metric: means ± SD per side and pooled, reference range, flag."""
    head = ["Metric", "Left", "Right", "Both", "Reference", "Flag"]
    rows = [[Paragraph(f"<b>{h}</b>", st["cell"]) for h in head]]
    for name in _ordered(a.summary):
        m = a.summary[name]
        u = style.unit_text(m.unit)
        lab = f"<b>{esc(_label(m))}</b>" + (f" ({esc(u)})" if u else "")
        rows.append([Paragraph(lab, st["cell"]), Paragraph(_cell_text(m, m.left), st["cell"]),
                     Paragraph(_cell_text(m, m.right), st["cell"]),
                     Paragraph(_cell_text(m, m.both), st["cell"]),
                     Paragraph(esc(_range_text(m)), st["cell"]), _flag_cell(m, st)])
    cw = [0.33, 0.125, 0.125, 0.125, 0.175, 0.12]
    t = Table(rows, colWidths=[c * width for c in cw], repeatRows=1, hAlign="LEFT")
    t.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f4f4f4")]),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#888888")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
    ]))
    return t


#: Metrics that say the same thing in other units: one finding per group.
SAME_FINDING = {"overstride_cm": "overstride", "overstride_leg_lengths": "overstride",
                "vertical_oscillation_cm": "vertical_oscillation",
                "vertical_oscillation_leg_lengths": "vertical_oscillation",
                "hip_extension_vs_trunk_peak_deg": "hip_extension",
                "hip_extension_peak_deg": "hip_extension"}


def _asym_pct(m: MetricSummary) -> float | None:
    """Asymmetry % when it means something: both sides measured, with the same sign."""
    pct = (m.asymmetry or {}).get("pct")
    if pct is None or not math.isfinite(pct) or m.left is None or m.right is None:
        return None
    if not (math.isfinite(m.left.mean) and math.isfinite(m.right.mean)):
        return None
    if m.left.mean * m.right.mean <= 0:
        return None
    return pct


def pick_findings(views, n_max: int = 5) -> list[tuple[str, MetricSummary]]:
    """Three to five findings: outside-range first, then marked asymmetry, then the rest
    of the important metrics, in :data:`IMPORTANCE` order; one per metric (the side view's
    when both views measure it) and one per group of :data:`SAME_FINDING`."""
    cands = []
    for a, _ in views:
        for name, m in a.summary.items():
            if not m.finding or m.flag in ("insufficient", "unreliable"):
                continue
            rank = IMPORTANCE.index(name) if name in IMPORTANCE else len(IMPORTANCE)
            asym = _asym_pct(m)
            big_asym = asym is not None and abs(asym) >= 10
            outside = m.flag == "outside" or "outside" in (m.flags or {}).values()
            important = rank < len(IMPORTANCE)
            tier = 0 if outside else 1 if (big_asym and important) else 2 if important else 3
            cands.append((tier, rank, a.view, name, m))
    cands.sort(key=lambda c: (c[0], c[1], c[2] != "side"))
    out, seen = [], set()
    for _, _, view, name, m in cands:
        key = SAME_FINDING.get(name, name)
        if key in seen:
            continue
        seen.add(key)
        out.append((view, m))
    return out[:n_max]


def findings_section(views, st) -> list:
    found = pick_findings(views)
    out = [Paragraph("Most important findings", st["h1"])]
    if not found:
        out.append(Paragraph("No metric could be judged from these clips; see the data-quality "
                             "section.", st["body"]))
        return out
    for view, m in found:
        src = ""
        if m.reference and m.reference.source and m.reference.source not in m.finding:
            src = f' <font color="#666666">[{esc(m.reference.source)}]</font>'
        asym = _asym_pct(m)
        extra = ""
        if asym is not None and abs(asym) >= 10 and "asymmetr" not in m.finding.lower():
            extra = f" Left-right asymmetry {style.fmt_value(asym)}%."
        out.append(Paragraph(f"<b>{esc(_label(m))}</b> ({view} view): {esc(m.finding)}"
                             f"{esc(extra)}{src}", st["bullet"], bulletText="•"))
    return out


def keyframes_section(a: GaitAnalysis, view_dir: Path, st, width: float) -> list:
    kdir = Path(view_dir) / "keyframes"
    cells, caps = [], []
    for side in ("left", "right"):
        for phase in ("IC", "midstance", "TO"):
            p = kdir / f"{side}_{phase}.png"
            if p.exists():
                cells.append(p)
                caps.append(f"{side.capitalize()}: {PHASE_TEXT[phase]}")
    if not cells:
        return []
    col_w = (width - 4 * mm) / 3
    out = [Paragraph(f"{a.view.capitalize()} view: key frames of the representative stride",
                     st["h1"]),
           Paragraph("Initial contact, midstance and toe-off of each side's stride whose "
                     "duration is closest to the median. The angles drawn are those of the "
                     "frame shown; the values in each caption are the stride's metrics, taken "
                     "at the exact (interpolated) event time, so they can differ slightly.",
                     st["small"]), Spacer(1, 3)]
    rows, row, caprow = [], [], []
    for p, c in zip(cells, caps, strict=False):
        data, w, h = _jpeg(p, col_w)
        img_h = col_w * h / w
        max_h = 105 * mm
        iw, ih = (col_w, img_h) if img_h <= max_h else (max_h * w / h, max_h)
        row.append(Image(data, width=iw, height=ih))
        caprow.append(Paragraph(c, st["caption"]))
        if len(row) == 3:
            rows += [row, caprow]
            row, caprow = [], []
    if row:
        rows += [row + [""] * (3 - len(row)), caprow + [""] * (3 - len(caprow))]
    t = Table(rows, colWidths=[col_w + 4 * mm / 3] * 3, hAlign="LEFT")
    t.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"),
                           ("VALIGN", (0, 0), (-1, -1), "TOP"),
                           ("TOPPADDING", (0, 0), (-1, -1), 1),
                           ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    out.append(t)
    return out


def _jpeg(path: Path, width_pt: float, dpi: int = 220) -> tuple[io.BytesIO, int, int]:
    """A key frame as JPEG bytes at about ``dpi`` for its printed width.

    ReportLab embeds JPEG data as is (PNG it would re-compress pixel by pixel, which
    takes about a second per image), and the PDF stays small. OpenCV reads, shrinks
    (area averaging) and encodes it in a third of Pillow's time.
    """
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise OSError(f"could not read the key frame {path.name}")
    h, w = image.shape[:2]
    target = int(width_pt / 72 * dpi)
    if w > target:
        image = cv2.resize(image, (target, max(1, round(h * target / w))),
                           interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 88])
    if not ok:
        raise OSError(f"could not encode the key frame {path.name} as JPEG")
    return io.BytesIO(data.tobytes()), w, h


def stride_table(a: GaitAnalysis, st, width: float) -> list:
    names = []
    for s in a.strides:
        names += [k for k in s.metrics if k not in names]
    names = [n for n in METRIC_ORDER if n in names] + sorted(n for n in names
                                                            if n not in METRIC_ORDER)
    # What the view does not summarise (e.g. contact time from behind, placed about each
    # midstance, not seen) is not printed as if each stride had measured it
    hidden = [n for n in names if n not in a.summary]
    names = [n for n in names if n in a.summary]
    out = [Paragraph(f"{a.view.capitalize()} view: per-stride values", st["h1"])]
    if not a.strides:
        out.append(Paragraph("No strides were found.", st["body"]))
        return out
    if hidden:
        out.append(Paragraph(
            "Not listed: " + ", ".join(esc(n.replace("_", " ")) for n in hidden)
            + " (not summarised for this view; see the data quality notes). strides.csv "
            "keeps every per-stride value.", st["tiny"]))
    n_groups = max(1, math.ceil(len(names) / 8))
    per_table = max(1, math.ceil(len(names) / n_groups))
    groups = [names[i:i + per_table] for i in range(0, len(names), per_table)] or [[]]
    for gi, group in enumerate(groups):
        head = ["Side", "#", "Start (s)", "Dur. (s)"]
        head_cells = [Paragraph(f"<b>{h}</b>", st["tiny"]) for h in head]
        for n in group:
            m = a.summary.get(n)
            lab = _label(m) if m else n.replace("_", " ")
            u = style.unit_text(m.unit if m else "")
            head_cells.append(Paragraph(f"<b>{esc(lab)}</b>" + (f" ({esc(u)})" if u else ""),
                                        st["tiny"]))
        rows = [head_cells]
        marks = []
        for r, s in enumerate(a.strides, start=1):
            tag = s.side[0].upper()
            row = [tag, str(s.index), f"{s.start_s:.2f}", f"{s.duration_s:.3f}"]
            row += [style.fmt_value(s.metrics.get(n)) for n in group]
            if s.excluded:
                marks.append(r)
            rows.append(row)
        fixed = [10 * mm, 8 * mm, 15 * mm, 14 * mm]
        rest = min(24 * mm, (width - sum(fixed)) / max(1, len(group)))
        t = Table(rows, colWidths=fixed + [rest] * len(group), repeatRows=1, hAlign="LEFT")
        cmds = [("FONT", (0, 1), (-1, -1), "Helvetica", 7),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.HexColor("#888888")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]
        for r, s in enumerate(a.strides, start=1):
            cmds.append(("TEXTCOLOR", (0, r), (0, r), colors.HexColor(style.SIDE_HEX[s.side])))
        for r in marks:
            cmds.append(("TEXTCOLOR", (1, r), (-1, r), colors.HexColor("#999999")))
        t.setStyle(TableStyle(cmds))
        if gi:
            out.append(Spacer(1, 6))
        out.append(t)
    excluded = [s for s in a.strides if s.excluded]
    if excluded:
        out.append(Paragraph("Grey rows were excluded from the summaries: " + "; ".join(
            f"{s.side} #{s.index}: {esc(s.excluded)}" for s in excluded), st["small"]))
    return out


def quality_section(a: GaitAnalysis, st) -> list:
    q = a.quality
    out = [Paragraph(f"{a.view.capitalize()} view: data quality", st["h1"])]
    items = []
    nl, nr = len(a.included("left")), len(a.included("right"))
    items.append(f"Strides used: left {nl}, right {nr} (of {sum(s.side == 'left' for s in a.strides)}"
                 f" and {sum(s.side == 'right' for s in a.strides)} found).")
    if q.too_few_strides:
        items.append("Fewer than 7 strides on a side: averages are less stable than "
                     "recommended (Dingenen 2018); film a longer clip.")
    excl = Counter(s.excluded for s in a.strides if s.excluded)
    if excl:
        items.append("Excluded strides: " + "; ".join(f"{n} x {esc(r)}" for r, n in
                                                      excl.items()) + ".")
    conf = []
    for side in ("left", "right"):
        v = getattr(q, f"confidence_{side}")
        if v is not None and math.isfinite(v):
            conf.append(f"{side} {v:.2f}")
    if conf:
        items.append("Mean keypoint confidence of the legs (0-1): " + ", ".join(conf) + ".")
    if q.detection_rate is not None and math.isfinite(q.detection_rate):
        items.append(f"Runner found in {100 * q.detection_rate:.0f}% of frames; measured frame "
                     f"rate {q.fps:.1f} fps.")
    n_ev = len(a.events)
    items.append(f"Gait events: {n_ev} (IC and TO), of which {q.inferred_events} inferred "
                 "rather than seen (the foot was hidden).")
    if q.hidden_leg and not any("hidden" in str(n) for n in q.notes or []):
        items.append(f"The {q.hidden_leg} leg was mostly hidden: its values rest on fewer "
                     "visible frames.")
    if q.camera_roll_deg is not None and math.isfinite(float(q.camera_roll_deg)):
        items.append(f"Estimated camera roll {float(q.camera_roll_deg):.1f}°"
                     + (" — tilt suspected: pelvic drop may be biased; level the camera."
                        if q.tilt_suspected else "."))
    elif q.tilt_suspected:
        items.append("Camera tilt suspected: frontal-plane angles may be biased.")
    if q.walking_detected:
        items.append("Walking detected (no flight phase): running metrics are not reported.")
    for note in q.notes or []:
        note = str(note).strip()
        if note:
            note = note[:1].upper() + note[1:]
            items.append(esc(note if note.endswith(".") else note + "."))
    for it in items:
        out.append(Paragraph(it, st["bullet"], bulletText="•"))
    return out


def sources_section(views, st) -> list:
    seen = []
    for a, _ in views:
        for name in _ordered(a.summary):
            m = a.summary[name]
            src = m.reference.source if m.reference else ""
            if src and src not in seen:
                seen.append(src)
    out = [Paragraph("Methods and sources", st["h1"]),
           Paragraph("2D pose (BlazePose) on each frame; gait events interpolated between "
                     "frames; strides run from one initial contact to the next of the same "
                     "foot. Angles from a single camera are projections: pretrained keypoints "
                     "sit 30-50 mm from marker-based joint centres (Needham 2021) and 2D "
                     "treadmill angles differ from motion capture by about 5-8° (Van Hooren "
                     "2023). Where no validated norm exists the value is descriptive.",
                     st["body"]),
           Paragraph("Flags in the summary: the pooled mean against the reference range from "
                     "the literature (within / outside); 'no norm' where no validated range "
                     "exists, so the value is descriptive; a side whose own mean disagrees is "
                     "named under the flag. Values are printed exactly as in metrics.json.",
                     st["body"])]
    if seen:
        out.append(Paragraph("References cited in the table: " + "; ".join(esc(s) for s in seen)
                             + ".", st["small"]))
    return out

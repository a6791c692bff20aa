"""The PDF form report: one document for a side clip, a rear clip, or both of the same run.

Built with ReportLab's platypus (real, selectable text; tables that flow over pages;
page numbers) and pypdf for the charts: each matplotlib chart is saved as a one-page
vector PDF and stamped into the space the layout reserved for it, so the charts stay
vector (sharp at any zoom, text selectable). Key frames are embedded as PNG images.

Every metric value printed comes from :func:`gaitvision.report.style.fmt_value` applied
to the number as ``metrics.json`` holds it, so each printed value can be found in the
data file character for character.

Layout
------
1. Session (runner, date, notes, height, speed, clips), summary table of every metric by
   side with its reference range and a flag (within / outside / no norm), and the three to
   five most important findings with their sources.
2. Per view: key frames (IC, midstance, TO of each side's representative stride), charts,
   the per-stride table and the data-quality section.
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from gaitvision.kinematics.analysis import GaitAnalysis, MetricSummary, StrideRecord
from gaitvision.report import charts, style
from gaitvision.report.keyframes import PHASE_TEXT

PAGE_SIZES = {"A4": A4, "LETTER": LETTER}
MARGIN = 15 * mm

FLAG_TEXT = {"within": "within", "outside": "outside", "no_norm": "no norm",
             "insufficient": "no data"}
FLAG_COLOUR = {"within": colors.HexColor("#009e73"), "outside": colors.HexColor("#d55e00"),
               "no_norm": colors.HexColor("#666666"), "insufficient": colors.HexColor("#999999")}

#: Order in which metrics are listed and considered for the findings.
METRIC_ORDER = [
    "cadence_spm", "contact_time_ms", "flight_time_ms", "duty_factor_pct",
    "knee_flexion_ic_deg", "knee_flexion_stance_peak_deg", "hip_extension_peak_deg",
    "hip_extension_vs_trunk_peak_deg", "tibia_angle_ic_deg", "overstride_leg_lengths",
    "overstride_cm", "foot_strike_angle_deg", "trunk_lean_deg",
    "vertical_oscillation_leg_lengths", "vertical_oscillation_cm", "pelvic_drop_peak_deg",
    "arm_crossover_shoulder_widths", "arm_crossover_strides_pct", "step_width_leg_lengths",
    "camera_roll_deg",
]
#: Metrics whose finding matters most to a coach (evidence of injury links first).
IMPORTANCE = ["pelvic_drop_peak_deg", "knee_flexion_ic_deg", "cadence_spm", "overstride_cm",
              "overstride_leg_lengths", "tibia_angle_ic_deg", "step_width_leg_lengths",
              "contact_time_ms", "hip_extension_peak_deg", "trunk_lean_deg",
              "foot_strike_angle_deg", "vertical_oscillation_cm",
              "arm_crossover_shoulder_widths", "duty_factor_pct"]


# --------------------------------------------------------------------------- styles
def _styles() -> dict[str, ParagraphStyle]:
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


def _esc(text) -> str:
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


# --------------------------------------------------------------------------- chart slots
@dataclass
class _Slot:
    key: int
    page: int = 0
    x: float = 0.0
    y: float = 0.0
    w: float = 0.0
    h: float = 0.0


class ChartSlot(Flowable):
    """Reserves a chart-sized box and records where it landed (page, position).

    The vector chart is stamped there after the build; without pypdf the PNG fallback
    is drawn directly.
    """

    def __init__(self, width: float, height: float, slot: _Slot, png: bytes | None = None):
        super().__init__()
        self.width, self.height = width, height
        self.slot = slot
        self.png = png

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self):
        x, y = self.canv.absolutePosition(0, 0)
        self.slot.page = self.canv.getPageNumber()
        self.slot.x, self.slot.y, self.slot.w, self.slot.h = x, y, self.width, self.height
        if self.png is not None:
            from reportlab.lib.utils import ImageReader
            self.canv.drawImage(ImageReader(io.BytesIO(self.png)), 0, 0, self.width,
                                self.height, preserveAspectRatio=True, anchor="c")


def _numbered_canvas(footer: str):
    class NumberedCanvas(rl_canvas.Canvas):
        """Defers pages so the footer can say "page X of Y"."""

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("invariant", 1)
            super().__init__(*args, **kwargs)
            self._saved = []

        def showPage(self):
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            n = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self._footer(n)
                super().showPage()
            super().save()

        def _footer(self, total):
            w, _h = self._pagesize
            self.setFont("Helvetica", 7.5)
            self.setFillColor(colors.HexColor("#555555"))
            self.drawString(MARGIN, 9 * mm, footer)
            self.drawRightString(w - MARGIN, 9 * mm, f"page {self._pageNumber} of {total}")

    return NumberedCanvas


# --------------------------------------------------------------------------- helpers
def _ordered(summary: dict[str, MetricSummary]) -> list[str]:
    known = [n for n in METRIC_ORDER if n in summary]
    return known + sorted(n for n in summary if n not in known)


def _label(m: MetricSummary) -> str:
    lab = m.label if m.label and m.label != m.name else m.name.replace("_", " ")
    return lab[:1].upper() + lab[1:]


def _stat_text(st) -> str:
    if st is None:
        return "–"
    text = style.fmt_value(st.mean)
    if st.sd is not None and math.isfinite(st.sd):
        text += f" ± {style.fmt_value(st.sd)}"
    return text


def _range_text(m: MetricSummary) -> str:
    r = m.reference.range if m.reference else None
    if r is None:
        return "no validated norm"
    u = style.unit_text(m.unit)
    u = u if u in ("°", "%") else f" {u}"
    return f"{style.fmt_value(r[0])}–{style.fmt_value(r[1])}{u}"


def _flag_cell(m: MetricSummary, st) -> Paragraph:
    side_flags = {k: v for k, v in (m.flags or {}).items() if v and v != m.flag}
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
    return Path(str(analysis.video.get("path", "") or "clip")).name


# --------------------------------------------------------------------------- sections
def session_section(views, session: dict, st) -> list:
    out = [Paragraph("Running form report", st["title"])]
    rows = []

    def add(k, v):
        if v is not None and str(v).strip():
            rows.append([Paragraph(f"<b>{_esc(k)}</b>", st["cell"]),
                         Paragraph(_esc(v), st["cell"])])

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
        lab = f"<b>{_esc(_label(m))}</b>" + (f" ({_esc(u)})" if u else "")
        rows.append([Paragraph(lab, st["cell"]), Paragraph(_stat_text(m.left), st["cell"]),
                     Paragraph(_stat_text(m.right), st["cell"]),
                     Paragraph(_stat_text(m.both), st["cell"]),
                     Paragraph(_esc(_range_text(m)), st["cell"]), _flag_cell(m, st)])
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
            if not m.finding or m.flag == "insufficient":
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
            src = f' <font color="#666666">[{_esc(m.reference.source)}]</font>'
        asym = _asym_pct(m)
        extra = ""
        if asym is not None and abs(asym) >= 10 and "asymmetr" not in m.finding.lower():
            extra = f" Left-right asymmetry {style.fmt_value(asym)}%."
        out.append(Paragraph(f"<b>{_esc(_label(m))}</b> ({view} view): {_esc(m.finding)}"
                             f"{_esc(extra)}{src}", st["bullet"], bulletText="•"))
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
                     "duration is closest to the median; the angles measured are drawn on the "
                     "frame.", st["small"]), Spacer(1, 3)]
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
    takes about a second per image), and the PDF stays small.
    """
    from PIL import Image as PILImage

    with PILImage.open(path) as im:
        im = im.convert("RGB")
        w, h = im.size
        target = int(width_pt / 72 * dpi)
        if w > target:
            im = im.resize((target, max(1, round(h * target / w))), PILImage.LANCZOS)
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=88)
    buf.seek(0)
    return buf, w, h


def charts_section(a: GaitAnalysis, st, width: float, slots: list, vector: bool) -> list:
    out = [Paragraph(f"{a.view.capitalize()} view: charts", st["h1"])]
    for _stem, lab, fig in charts.figures(a):
        fw, fh = fig.get_size_inches()
        h = width * fh / fw
        slot = _Slot(key=len(slots))
        png = None
        if vector:
            slots.append((slot, charts.pdf_bytes(fig)))
        else:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=200)
            png = buf.getvalue()
        out.append(KeepTogether([Paragraph(_esc(lab), st["h2"]), ChartSlot(width, h, slot, png),
                                 Spacer(1, 4)]))
    return out


def stride_table(a: GaitAnalysis, st, width: float) -> list:
    names = []
    for s in a.strides:
        names += [k for k in s.metrics if k not in names]
    names = [n for n in METRIC_ORDER if n in names] + sorted(n for n in names
                                                            if n not in METRIC_ORDER)
    out = [Paragraph(f"{a.view.capitalize()} view: per-stride values", st["h1"])]
    if not a.strides:
        out.append(Paragraph("No strides were found.", st["body"]))
        return out
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
            head_cells.append(Paragraph(f"<b>{_esc(lab)}</b>" + (f" ({_esc(u)})" if u else ""),
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
            f"{s.side} #{s.index}: {_esc(s.excluded)}" for s in excluded), st["small"]))
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
        items.append("Excluded strides: " + "; ".join(f"{n} x {_esc(r)}" for r, n in
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
            items.append(_esc(note if note.endswith(".") else note + "."))
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
        out.append(Paragraph("References cited in the table: " + "; ".join(_esc(s) for s in seen)
                             + ".", st["small"]))
    return out


# --------------------------------------------------------------------------- entry point
def as_saved(a: GaitAnalysis) -> GaitAnalysis:
    """The analysis with its summary and strides exactly as ``metrics.json`` holds them.

    The numbers printed then match the data file character for character, whether the
    analysis came fresh from kinematics (full precision) or from :meth:`GaitAnalysis.load`.
    """
    doc = a.to_json_dict()
    return dataclasses.replace(
        a, summary={k: MetricSummary.from_dict(k, v) for k, v in doc["summary"].items()},
        strides=[StrideRecord.from_dict(s) for s in doc["strides"]])


def render_pdf(views: list[tuple[GaitAnalysis, Path]], out_pdf: str | os.PathLike, *,
               session: dict | None = None, page_size: str = "A4") -> Path:
    """Write the combined PDF report for one or more views of the same run.

    Parameters
    ----------
    views : list of (GaitAnalysis, view_dir)
        One entry per analysed clip (side first reads best); ``view_dir`` holds that
        view's ``keyframes/`` written by :func:`gaitvision.report.render_view`.
    out_pdf : path-like
        Output file, written atomically.
    session : dict, optional
        ``runner_name``, ``notes``, ``date``, ``height_cm``, ``speed_kmh`` (any may be absent).
    page_size : ``"A4"`` or ``"Letter"``
    """
    out_pdf = Path(out_pdf)
    session = dict(session or {})
    size = PAGE_SIZES.get(str(page_size).upper())
    if size is None:
        raise ValueError(f"page_size must be A4 or Letter, not {page_size!r}")
    views = [(as_saved(a), Path(d)) for a, d in
             sorted(views, key=lambda v: 0 if v[0].view == "side" else 1)]
    st = _styles()
    width = size[0] - 2 * MARGIN
    try:
        import pypdf  # noqa: F401
        vector = True
    except ImportError:  # pragma: no cover - pypdf ships with the project
        vector = False
    slots: list[tuple[_Slot, bytes]] = []
    story: list = []
    story += session_section(views, session, st)
    story += findings_section(views, st)
    for a, _ in views:
        story.append(Paragraph(f"{a.view.capitalize()} view: summary (mean ± SD per side)",
                               st["h1"]))
        if a.summary:
            story.append(summary_table(a, st, width))
        else:
            story.append(Paragraph("No metrics: see the data-quality section.", st["body"]))
    for a, vdir in views:
        story.append(PageBreak())
        story += keyframes_section(a, vdir, st, width)
        story.append(CondPageBreak(120 * mm))
        story += charts_section(a, st, width, slots, vector)
        story.append(CondPageBreak(60 * mm))
        story += stride_table(a, st, width)
        story.append(CondPageBreak(50 * mm))
        story += quality_section(a, st)
    story.append(CondPageBreak(40 * mm))
    story += sources_section(views, st)

    runner = session.get("runner_name") or session.get("name")
    footer = "gaitvision running form report" + (f" · {runner}" if runner else "") + (
        f" · {session_date(session)}" if session_date(session) else "")
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_pdf.with_name(f".{out_pdf.stem}.part.pdf")
    try:
        doc = SimpleDocTemplate(str(tmp), pagesize=size, leftMargin=MARGIN, rightMargin=MARGIN,
                                topMargin=MARGIN, bottomMargin=MARGIN + 4 * mm,
                                title="Running form report", author="gaitvision",
                                subject=", ".join(clip_name(a) for a, _ in views))
        doc.build(story, canvasmaker=_numbered_canvas(footer))
        if vector and slots:
            _stamp_charts(tmp, slots)
        os.replace(tmp, out_pdf)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        import matplotlib.pyplot as plt
        plt.close("all")
    return out_pdf


def _stamp_charts(pdf_path: Path, slots: list[tuple[_Slot, bytes]]) -> None:
    """Merge each chart's vector page into the box its :class:`ChartSlot` reserved."""
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(str(pdf_path)))
    for slot, data in slots:
        if slot.page < 1:
            continue
        chart = PdfReader(io.BytesIO(data)).pages[0]
        cw, ch = float(chart.mediabox.width), float(chart.mediabox.height)
        k = min(slot.w / cw, slot.h / ch)
        dx = slot.x + (slot.w - cw * k) / 2
        dy = slot.y + (slot.h - ch * k) / 2
        page = writer.pages[slot.page - 1]
        page.merge_transformed_page(chart, Transformation().scale(k, k).translate(dx, dy))
    with open(pdf_path, "wb") as fh:
        writer.write(fh)

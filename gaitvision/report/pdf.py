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

import contextlib
import dataclasses
import io
import os
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

from gaitvision.kinematics.analysis import GaitAnalysis, MetricSummary, Quality, StrideRecord
from gaitvision.report import charts
from gaitvision.report.pdf_sections import (
    clip_name,
    esc,
    findings_section,
    keyframes_section,
    paragraph_styles,
    quality_section,
    session_date,
    session_section,
    sources_section,
    stride_table,
    summary_table,
)

PAGE_SIZES = {"A4": A4, "LETTER": LETTER}
MARGIN = 15 * mm


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


@contextlib.contextmanager
def _binary_image_streams():
    """Embed images as binary streams, not ASCII85 text.

    ReportLab's default ASCII85 step runs in pure Python without its optional C
    accelerator: 0.7 s of a 1 s report for six key frames, and 25 % more bytes.
    """
    from reportlab import rl_config

    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


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


def _chart_pages(a: GaitAnalysis, vdir: Path | None, vector: bool):
    """(width in, height in, vector page or None, figure or None) per chart: the pages
    :func:`gaitvision.report.charts.write_charts` already made when present (each chart
    is drawn once per report), else freshly drawn figures."""
    made = charts.take_vectors(vdir / "charts") if (vector and vdir is not None) else None
    if made is not None:
        return [(w, h, data, None) for _stem, _lab, w, h, data in made]
    out = []
    for _stem, _lab, fig in charts.figures(a):
        fw, fh = fig.get_size_inches()
        page = charts.pdf_bytes(fig) if vector else None  # laid out as write_charts does
        out.append((fw, fh, page, fig))
    return out


def charts_section(a: GaitAnalysis, st, width: float, slots: list, vector: bool,
                   vdir: Path | None = None) -> list:
    out = [Paragraph(f"{a.view.capitalize()} view: charts", st["h1"])]
    for fw, fh, page, fig in _chart_pages(a, vdir, vector):
        h = width * fh / fw
        slot = _Slot(key=len(slots))
        png = None
        if vector:
            slots.append((slot, page))
        else:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=200)
            png = buf.getvalue()
        # the chart carries its own title (it is also a standalone PNG); no extra heading
        out.append(KeepTogether([Spacer(1, 6), ChartSlot(width, h, slot, png), Spacer(1, 6)]))
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
        strides=[StrideRecord.from_dict(s) for s in doc["strides"]],
        quality=Quality.from_dict(doc["quality"]))


def plain_pdf_section(views, st) -> list:
    from gaitvision.report.plain import pdf_section

    return pdf_section(views, st)


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
    st = paragraph_styles()
    width = size[0] - 2 * MARGIN
    try:
        import pypdf  # noqa: F401
        vector = True
    except ImportError:  # pragma: no cover - pypdf ships with the project
        vector = False
    slots: list[tuple[_Slot, bytes]] = []
    story: list = []
    story += session_section(views, session, st)
    for a, _ in views:  # "check my setup", measured from the clip (kinematics/camera.py)
        setup = next((n for n in a.quality.notes if n.startswith("check my setup")), None)
        if setup:
            story.append(Paragraph(esc(f"{a.view.capitalize()} view, {setup}."), st["body"]))
    story += plain_pdf_section(views, st)  # coach (issue 15): the plain summary on top
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
        story += charts_section(a, st, width, slots, vector, vdir)
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
        with _binary_image_streams():
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
    """Place each chart's vector page in the box its :class:`ChartSlot` reserved.

    Each chart page becomes a form XObject drawn with one ``cm ... Do``: its content is
    copied as bytes, never parsed (merging the pages' operators took 1.5 s a report).
    """
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(pdf_path)))
    stamps: dict[int, list[bytes]] = {}
    for i, (slot, data) in enumerate(slots):
        if slot.page < 1:
            continue
        chart = PdfReader(io.BytesIO(data)).pages[0]
        cw, ch = float(chart.mediabox.width), float(chart.mediabox.height)
        k = min(slot.w / cw, slot.h / ch)
        dx = slot.x + (slot.w - cw * k) / 2
        dy = slot.y + (slot.h - ch * k) / 2
        page = writer.pages[slot.page - 1]
        name = f"/GvChart{i}"
        _xobjects(page)[_name(name)] = _chart_form(writer, chart)
        stamps.setdefault(slot.page - 1, []).append(
            f"q {k:.6f} 0 0 {k:.6f} {dx:.4f} {dy:.4f} cm {name} Do Q".encode())
    for index, ops in stamps.items():
        _append_content(writer, writer.pages[index], b"\n".join(ops))
    with open(pdf_path, "wb") as fh:
        writer.write(fh)


def _name(text: str):
    from pypdf.generic import NameObject

    return NameObject(text)


def _chart_form(writer, chart):
    """A one-page PDF's page as a form XObject in ``writer`` (content bytes copied)."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject

    form = DecodedStreamObject()
    form.set_data(chart.get_contents().get_data())
    form[_name("/Type")] = _name("/XObject")
    form[_name("/Subtype")] = _name("/Form")
    form[_name("/BBox")] = ArrayObject(FloatObject(float(v)) for v in chart.mediabox)
    form[_name("/Resources")] = chart["/Resources"].get_object().clone(writer)
    return writer._add_object(form.flate_encode())


def _xobjects(page):
    """The page's ``/XObject`` resource dictionary, created if missing."""
    from pypdf.generic import DictionaryObject

    resources = page[_name("/Resources")].get_object()
    if "/XObject" not in resources:
        resources[_name("/XObject")] = DictionaryObject()
    return resources["/XObject"].get_object()


def _append_content(writer, page, ops: bytes) -> None:
    """Draw ``ops`` after the page's content, in a clean graphics state."""
    from pypdf.generic import ArrayObject, DecodedStreamObject

    def stream(data: bytes):
        obj = DecodedStreamObject()
        obj.set_data(data)
        return writer._add_object(obj)

    contents = page.get("/Contents")
    old = contents.get_object() if contents is not None else None
    parts = ArrayObject([stream(b"q")])
    if isinstance(old, ArrayObject):
        parts.extend(old)
    elif contents is not None:
        parts.append(contents)
    parts.extend([stream(b"Q"), stream(ops)])
    page[_name("/Contents")] = parts

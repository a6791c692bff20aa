"""Charts of one view's analysis (matplotlib, Agg), as PNG files and as vector PDF for the report.

Each chart function takes a :class:`GaitAnalysis` and returns a ``Figure`` (or None
when the analysis has nothing to plot), so the same drawing serves
``charts/*.png`` (150 dpi) and the PDF report (vector, see :mod:`gaitvision.report.pdf`):
each figure is drawn once, as a vector page, and the PNG is that page rasterised.

Colours: Okabe-Ito; left blue, right vermillion, the reference band bluish green. Sizes
are chosen for print: 7.5 x 4.2 in at 9-11 pt text.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gaitvision.kinematics import reference  # noqa: E402
from gaitvision.kinematics.analysis import GaitAnalysis  # noqa: E402
from gaitvision.kinematics.rear import CROSSOVER_BOUNDS  # noqa: E402
from gaitvision.report import style  # noqa: E402

DPI = 150
SIZE = (7.5, 4.2)  #: inches: 1125 x 630 px at 150 dpi

RC = {
    "font.size": 9, "axes.titlesize": 10, "axes.labelsize": 9, "legend.fontsize": 8,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    # Helvetica (a PDF core font): nothing to embed, fast to write, selectable text.
    "pdf.use14corefonts": True, "axes.unicode_minus": False, "figure.dpi": DPI,
    # A fixed title height: matplotlib's automatic one measures every axis's tick labels
    # to clear decorations above the axes, which these charts never have (same pixels,
    # a sixth of the charts' time)
    "axes.titley": 1.0,
}

#: Curve names -> readable titles (unknown curves use their name).
CURVE_TITLES = {
    "knee_flexion_deg": "Knee flexion",
    "hip_extension_deg": "Hip extension (thigh vs vertical)",
    "hip_extension_vs_trunk_deg": "Hip extension (thigh vs trunk)",
    "thigh_angle_deg": "Thigh angle vs vertical",
    "tibia_angle_deg": "Tibia (shank) angle vs vertical",
    "trunk_lean_deg": "Trunk lean",
    "ankle_angle_deg": "Ankle angle",
    "foot_angle_deg": "Foot (sole) angle",
    "pelvic_obliquity_deg": "Pelvic obliquity",
    "pelvic_drop_deg": "Pelvic drop",
    "wrist_offset_sw": "Wrist position vs midline",
}

#: What a positive value means, for the y-axis label.
CURVE_SIGN = {
    "knee_flexion_deg": "+ = bent",
    "hip_extension_deg": "+ = thigh behind vertical",
    "hip_extension_vs_trunk_deg": "+ = thigh behind trunk line",
    "pelvic_obliquity_deg": "+ = swing side lower",
    "trunk_lean_deg": "+ = forward",
}

#: Metric NAMEs for the per-stride trend chart, in priority order (the registry's).
HEADLINE = reference.LiveMapping(lambda: {v: reference.chart_metrics("trend", v)
                                          for v in ("side", "rear")})

#: Which metric's reference band goes on which curve, and over what part of the cycle
#: ("ic": around contact, "stance": IC to TO, "cycle": everywhere).
CURVE_REFERENCE = {
    "knee_flexion_deg": [("knee_flexion_ic_deg", "ic"),
                         ("knee_flexion_stance_peak_deg", "stance")],
    "hip_extension_deg": [("hip_extension_peak_deg", "stance")],
    "tibia_angle_deg": [("tibia_angle_ic_deg", "ic")],
    "trunk_lean_deg": [("trunk_lean_deg", "cycle")],
    "pelvic_obliquity_deg": [("pelvic_drop_peak_deg", "stance")],
}


def metric_title(analysis: GaitAnalysis, name: str) -> str:
    m = analysis.summary.get(name)
    label = m.label if m is not None and m.label and m.label != name else name.replace("_", " ")
    return label[:1].upper() + label[1:]


def axis_unit(unit: str | None) -> str:
    u = style.unit_text(unit)
    return "deg" if u == "°" else u


def _sides_of(arr_by_side: dict) -> list[str]:
    return [s for s in ("left", "right") if s in arr_by_side and len(arr_by_side[s])]


def _nanmean(a):
    a = np.asarray(a, float)
    ok = np.isfinite(a).any(axis=0)
    out = np.full(a.shape[1], np.nan)
    if ok.any():
        out[ok] = np.nanmean(a[:, ok], axis=0)
    return out


def _nansd(a):
    a = np.asarray(a, float)
    ok = np.isfinite(a).sum(axis=0) > 1
    out = np.full(a.shape[1], np.nan)
    if ok.any():
        out[ok] = np.nanstd(a[:, ok], axis=0, ddof=1)
    return out


def _event_lines(ax, analysis: GaitAnalysis, sides) -> None:
    """IC at 0 and 100 %, each side's mean toe-off dashed; labels along the bottom edge."""
    ax.axvline(0, color="0.3", lw=1)
    ax.axvline(100, color="0.3", lw=1)
    lo, hi = ax.get_ylim()
    ax.text(0.8, lo + 0.02 * (hi - lo), "IC", va="bottom", ha="left", fontsize=7, color="0.3")
    for k, side in enumerate(sides):
        to = analysis.curves.to_pct.get(side)
        if to is not None and math.isfinite(to):
            ax.axvline(to, color=style.SIDE_HEX[side], lw=1, ls="--")
            ax.text(to + 0.8, lo + (0.02 + 0.07 * k) * (hi - lo), f"TO {side[0].upper()}",
                    va="bottom", ha="left", fontsize=7, color=style.SIDE_HEX[side])
    ax.set_ylim(lo, hi)


def _reference_band(ax, analysis: GaitAnalysis, curve: str, to_pct: float) -> bool:
    drew = False
    for metric, where in CURVE_REFERENCE.get(curve, []):
        m = analysis.summary.get(metric)
        if m is None or m.reference is None or m.reference.range is None:
            continue
        lo, hi = m.reference.range
        spans = {"ic": [(0, 6), (94, 100)], "stance": [(0, to_pct)], "cycle": [(0, 100)]}[where]
        for i, (a, b) in enumerate(spans):
            ax.fill_between([a, b], [lo, lo], [hi, hi], color=style.REFERENCE_HEX, alpha=0.18,
                            lw=0, label=(f"reference: {metric_title(analysis, metric)}"
                                         if i == 0 else None))
        drew = True
    return drew


def curves_figure(analysis: GaitAnalysis, names: list[str] | None = None) -> Figure | None:
    """Joint-angle curves over 0-100 % of the gait cycle: mean +- SD, left and right."""
    per = analysis.curves.per_stride
    names = [n for n in (names or list(per)) if n in per and _sides_of(per[n])]
    if analysis.view != "side":
        names = [n for n in names if n != "wrist_offset_sw"]
    if not names:
        return None
    n = len(names)
    cols = 1 if n == 1 else 2
    rows = math.ceil(n / cols)
    with plt.rc_context(RC):
        fig = Figure(figsize=(SIZE[0], max(SIZE[1], 2.9 * rows)), dpi=DPI)
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        pct = analysis.curves.pct
        for ax, name in zip(axes, names, strict=False):
            sides = _sides_of(per[name])
            for side in sides:
                arr = np.asarray(per[name][side], float)
                mean, sd = _nanmean(arr), _nansd(arr)
                col = style.SIDE_HEX[side]
                ax.plot(pct, mean, color=col, lw=1.8, label=f"{side} (n={len(arr)})")
                ax.fill_between(pct, mean - sd, mean + sd, color=col, alpha=0.2, lw=0)
            to_vals = [analysis.curves.to_pct.get(s) for s in sides]
            to_vals = [v for v in to_vals if v is not None and math.isfinite(v)]
            _reference_band(ax, analysis, name, float(np.mean(to_vals)) if to_vals else 40.0)
            ax.set_xlim(0, 100)
            _event_lines(ax, analysis, sides)
            unit = axis_unit(analysis.curves.units.get(name, ""))
            ax.set_title(CURVE_TITLES.get(name, name.replace("_", " ")))
            ax.set_xlabel("gait cycle (%), IC to next IC of the same foot")
            hint = CURVE_SIGN.get(name)
            ax.set_ylabel(f"{unit} ({hint})" if hint else unit)
            ax.legend(loc="best", frameon=False)
        _finish_grid(fig, axes, len(names), f"{analysis.view.capitalize()} view: curves over the gait cycle "
                     "(line = mean, band = ±1 SD)")
    return fig


PT = 1 / 72  #: inch per point
#: Room for y tick labels of up to five characters at 8 pt, the tick and its pad.
TICKS_W = 0.42
#: Room for x tick labels at 8 pt, the tick and its pad.
TICKS_H = 0.22


def _text_height(artist, size: float | None = None) -> float:
    """Inches a (possibly multi-line) text takes, 0 when it is empty."""
    text = artist.get_text()
    if not text:
        return 0.0
    return (text.count("\n") + 1) * (size or artist.get_fontsize()) * 1.22 * PT


def _fit_grid(fig: Figure, axes) -> None:
    """Margins and gaps of a panel grid sized from its own titles and labels.

    Constrained layout measured every tick label of every panel before drawing (0.9 s
    of the charts' 3.4 s); the labels here have known sizes, so fixed room is reserved
    for them instead: five-character tick labels, one line of axis label, and as many
    title lines as the tallest title of the grid.
    """
    width, height = fig.get_size_inches()
    rows, cols = axes[0].get_subplotspec().get_gridspec().get_geometry()
    shown = [ax for ax in axes if ax.get_visible()]
    title = max(_text_height(ax.title) for ax in shown) + 6 * PT
    ylabel = max(_text_height(ax.yaxis.label) for ax in shown)
    xlabel = max(_text_height(ax.xaxis.label) for ax in shown)
    below = TICKS_H + xlabel + 4 * PT
    left = TICKS_W + ylabel + 6 * PT
    suptitle = 4 * PT
    if fig._suptitle is not None:
        fig._suptitle.set_y(1 - suptitle / height)  # top-anchored, a fixed gap from the edge
        suptitle += _text_height(fig._suptitle) + 4 * PT
    top, right = suptitle + title, 0.12
    panel_w = (width - left - right - (cols - 1) * (left + 0.1)) / cols
    panel_h = (height - top - below - (rows - 1) * (below + title)) / rows
    fig.subplots_adjust(left=left / width, right=1 - right / width, bottom=below / height,
                        top=1 - top / height, wspace=(left + 0.1) / panel_w,
                        hspace=(below + title) / panel_h)


def _finish_grid(fig: Figure, axes, used: int, title: str) -> None:
    """Hide the grid's unused panels and title the figure."""
    for ax in axes[used:]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=10)
    _fit_grid(fig, axes)


def trends_figure(analysis: GaitAnalysis) -> Figure | None:
    """Per-stride values of the headline metrics over time (fatigue or drift)."""
    names = [n for n in HEADLINE["side" if analysis.view == "side" else "rear"]
             if n in analysis.summary]
    if "overstride_cm" in names and "overstride_leg_lengths" in names:
        names.remove("overstride_leg_lengths")
    names = [n for n in names if any(math.isfinite(s.metrics.get(n, math.nan))
                                     for s in analysis.strides)][:4]
    if not names:
        return None
    rows = math.ceil(len(names) / 2)
    with plt.rc_context(RC):
        fig = Figure(figsize=(SIZE[0], max(SIZE[1], 2.3 * rows)), dpi=DPI)
        axes = fig.subplots(rows, 2, squeeze=False, sharex=True).ravel()
        for ax, name in zip(axes, names, strict=False):
            m = analysis.summary[name]
            for side in ("left", "right"):
                ss = [s for s in analysis.strides if s.side == side]
                t = np.array([s.start_s for s in ss])
                v = np.array([s.metrics.get(name, math.nan) for s in ss], float)
                exc = np.array([s.excluded is not None for s in ss], bool)
                if not np.isfinite(v).any():
                    continue
                col = style.SIDE_HEX[side]
                ax.plot(t[~exc], v[~exc], "-o", color=col, ms=3.5, lw=1.2, label=side)
                if exc.any():
                    ax.plot(t[exc], v[exc], "x", color=col, ms=5, label=f"{side}, excluded")
            if m.reference.range is not None:
                lo, hi = m.reference.range
                ax.axhspan(lo, hi, color=style.REFERENCE_HEX, alpha=0.15, lw=0,
                           label="reference")
            ax.set_title(metric_title(analysis, name))
            ax.set_ylabel(axis_unit(m.unit))
            ax.legend(loc="best", frameon=False, fontsize=7)
        for ax in axes[len(names):]:
            ax.set_visible(False)
        for ax in axes[-2:]:
            ax.set_xlabel("time in clip (s), stride start")
        fig.suptitle(f"{analysis.view.capitalize()} view: per-stride values over time",
                     fontsize=10)
        _fit_grid(fig, axes)
    return fig


#: Metrics for the left-vs-right chart, in priority order (others follow, up to 8).
LEFT_RIGHT = reference.LiveNames(lambda: reference.chart_metrics("left_right"))


def _asymmetry_text(m) -> str:
    """``asymmetry +4.2%`` when both sides have the same sign, else the plain difference
    (a percentage of a mean near zero, or across zero, means nothing)."""
    asym = m.asymmetry or {}
    pct, diff = asym.get("pct"), asym.get("diff")
    same_sign = m.left.mean * m.right.mean > 0
    if same_sign and pct is not None and math.isfinite(pct):
        return f"asymmetry {pct:+.1f}%"
    if diff is None or not math.isfinite(diff):
        diff = m.left.mean - m.right.mean
    return f"L-R {diff:+.3g} {axis_unit(m.unit)}"


def asymmetry_figure(analysis: GaitAnalysis) -> Figure | None:
    """Left-versus-right means (±SD) per metric, with the asymmetry."""
    usable = [n for n, m in analysis.summary.items()
              if m.left is not None and m.right is not None
              and math.isfinite(m.left.mean) and math.isfinite(m.right.mean)
              and n not in ("cadence_spm", "camera_roll_deg")
              and n not in CROSSOVER_BOUNDS]  # two bounds' left-right gap means nothing
    if not usable:
        return None
    names = [n for n in LEFT_RIGHT if n in usable]
    if "overstride_cm" in names and "overstride_leg_lengths" in names:
        names.remove("overstride_leg_lengths")
    names = (names + [n for n in usable if n not in names and n not in LEFT_RIGHT])[:8]
    cols = min(4, len(names))
    rows = math.ceil(len(names) / cols)
    with plt.rc_context(RC):
        fig = Figure(figsize=(SIZE[0], max(2.6, 2.4 * rows + 0.4)), dpi=DPI)
        axes = fig.subplots(rows, cols, squeeze=False).ravel()
        for ax, name in zip(axes, names, strict=False):
            m = analysis.summary[name]
            vals = [m.left.mean, m.right.mean]
            sds = [m.left.sd if math.isfinite(m.left.sd) else 0,
                   m.right.sd if math.isfinite(m.right.sd) else 0]
            ax.bar([0, 1], vals, yerr=sds, color=[style.SIDE_HEX["left"],
                                                  style.SIDE_HEX["right"]],
                   capsize=3, width=0.65, error_kw={"lw": 0.8})
            ax.set_xticks([0, 1], ["L", "R"])
            ax.grid(axis="x", visible=False)
            title = "\n".join(textwrap.wrap(metric_title(analysis, name), 24)[:2])
            ax.set_title(f"{title}\n{_asymmetry_text(m)}", fontsize=8)
            ax.set_ylabel(axis_unit(m.unit), fontsize=8)
            ax.axhline(0, color="0.4", lw=0.6)
        _finish_grid(fig, axes, len(names), f"{analysis.view.capitalize()} view: left vs right (mean ± SD; "
                     "asymmetry = 100·(L-R)/mean of |L|, |R|)")
    return fig


def pelvis_figure(analysis: GaitAnalysis) -> Figure | None:
    """Rear view: the pelvic obliquity curve over the cycle, by stance side."""
    for name in ("pelvic_obliquity_deg", "pelvic_drop_deg"):
        if name in analysis.curves.per_stride:
            return curves_figure(analysis, [name])
    return None


def wrist_figure(analysis: GaitAnalysis) -> Figure | None:
    """Rear view: each wrist's sideways position relative to the body midline."""
    per = analysis.curves.per_stride.get("wrist_offset_sw")
    if not per or not _sides_of(per):
        return None
    with plt.rc_context(RC):
        fig = Figure(figsize=SIZE, dpi=DPI)
        ax = fig.subplots()
        pct = analysis.curves.pct
        lo_all, hi_all = 0.0, 0.0
        for side in _sides_of(per):
            arr = np.asarray(per[side], float)
            mean, sd = _nanmean(arr), _nansd(arr)
            col = style.SIDE_HEX[side]
            ax.plot(mean, pct, color=col, lw=1.8, label=f"{side} wrist (n={len(arr)})")
            ax.fill_betweenx(pct, mean - sd, mean + sd, color=col, alpha=0.2, lw=0)
            lo_all = min(lo_all, np.nanmin(mean - np.nan_to_num(sd)))
            hi_all = max(hi_all, np.nanmax(mean + np.nan_to_num(sd)))
        ax.axvline(0, color="0.2", lw=1.5)
        ax.axvspan(0, max(hi_all, 0.05) * 1.1, color=style.hex_colour(style.ORANGE), alpha=0.12,
                   lw=0, label="crossed the midline")
        ax.set_xlim(min(lo_all, -0.1) * 1.1, max(hi_all, 0.1) * 1.1)
        ax.set_ylim(100, 0)
        ax.set_xlabel("wrist position vs body midline (shoulder widths; + = crossed over)")
        ax.set_ylabel("gait cycle (%), from the same side's IC")
        ax.set_title(f"{analysis.view.capitalize()} view: wrist paths relative to the midline "
                     "(arm crossover)")
        ax.legend(loc="best", frameon=False)
        _fit_grid(fig, [ax])
    return fig


#: Chart file stem -> (figure function, label for the manifest).
CHARTS: dict[str, dict[str, tuple[Callable[[GaitAnalysis], Figure | None], str]]] = {
    "side": {
        "joint_angles": (curves_figure, "Joint-angle curves over the gait cycle"),
        "stride_trends": (trends_figure, "Per-stride values over time"),
        "left_right": (asymmetry_figure, "Left vs right with asymmetry"),
    },
    "rear": {
        "pelvic_obliquity": (pelvis_figure, "Pelvic obliquity over the gait cycle"),
        "wrist_paths": (wrist_figure, "Wrist paths vs midline (arm crossover)"),
        "stride_trends": (trends_figure, "Per-stride values over time"),
        "left_right": (asymmetry_figure, "Left vs right with asymmetry"),
    },
}


def figures(analysis: GaitAnalysis) -> list[tuple[str, str, Figure]]:
    """All charts of a view as (stem, label, figure), skipping empty ones."""
    out = []
    for stem, (fn, lab) in CHARTS["side" if analysis.view == "side" else "rear"].items():
        fig = fn(analysis)
        if fig is not None:
            out.append((stem, lab, fig))
    return out


def raster_png(page: bytes, path: Path) -> Path:
    """Write a one-page vector PDF as a PNG at :data:`DPI`, atomically.

    PDFium rasterises the page in about 30 ms, where matplotlib would draw the whole
    figure again (about 1 s): the chart is drawn once, and the PNG shows exactly the
    page the PDF report prints.
    """
    import pypdfium2

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.part.png")
    doc = pypdfium2.PdfDocument(page)
    try:
        image = doc[0].render(scale=DPI / 72).to_pil().convert("RGB")
    finally:
        doc.close()
    image.save(tmp, format="PNG", compress_level=3)  # flat colours: small at level 3
    os.replace(tmp, path)
    return path


def pdf_bytes(fig: Figure) -> bytes:
    """The figure as a one-page vector PDF (for embedding in the report)."""
    buf = io.BytesIO()
    # The core-font lookup warns that Helvetica's AFM weight is "medium"; harmless.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    with plt.rc_context(RC):
        fig.savefig(buf, format="pdf", metadata={"CreationDate": None, "Creator": None,
                                                 "Producer": None})
    return buf.getvalue()


#: Written beside the PNGs by :func:`write_charts` for the PDF report, which reads and
#: removes them: the list of charts, and each chart's vector page.
VECTOR_INDEX = ".vector.json"


def vector_path(folder: Path, stem: str) -> Path:
    """Where :func:`write_charts` leaves a chart's vector page for the PDF report."""
    return Path(folder) / f".{stem}.vector.pdf"


def write_charts(analysis: GaitAnalysis, folder: Path, *, vector: bool = True
                 ) -> list[tuple[Path, str]]:
    """``charts/{stem}.png`` for every chart of the view; returns (path, label).

    Each chart is built, laid out and drawn once, as a one-page vector PDF; the PNG is
    that page rasterised (:func:`raster_png`). With ``vector`` the pages are also left
    for the PDF report to stamp in (hidden files listed in :data:`VECTOR_INDEX`,
    consumed by :func:`gaitvision.report.pdf.render_pdf`).
    """
    folder = Path(folder)
    out, index = [], []
    for stem, lab, fig in figures(analysis):
        page = pdf_bytes(fig)
        out.append((raster_png(page, folder / f"{stem}.png"), lab))
        if vector:
            tmp = vector_path(folder, stem).with_suffix(".part")
            tmp.write_bytes(page)
            os.replace(tmp, vector_path(folder, stem))
            w, h = fig.get_size_inches()
            index.append({"stem": stem, "label": lab, "w": float(w), "h": float(h)})
        plt.close(fig)
    if vector:
        (folder / VECTOR_INDEX).write_text(json.dumps(index), encoding="utf-8")
    return out


def take_vectors(folder: Path) -> list[tuple[str, str, float, float, bytes]] | None:
    """The vector pages :func:`write_charts` left in ``folder`` (stem, label, w, h, bytes),
    removing them; None when there are none (the caller draws the charts itself)."""
    folder = Path(folder)
    index_path = folder / VECTOR_INDEX
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        pages = [(e["stem"], e["label"], e["w"], e["h"], vector_path(folder, e["stem"]).read_bytes())
                 for e in index]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for e in index:
        vector_path(folder, e["stem"]).unlink(missing_ok=True)
    index_path.unlink(missing_ok=True)
    return pages

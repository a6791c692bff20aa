"""Compare two sessions: two result folders in, a table, curve overlays, videos and a PDF out.

``compare(A, B, out)`` reads both results through the typed records
(:meth:`GaitAnalysis.load`), judges every metric's difference B - A with
:mod:`gaitvision.compare.stats` (beyond the literature's smallest detectable
difference where there is one, and beyond both sessions' stride-to-stride scatter),
and writes into ``out``::

    compare.json                  the table (every metric, both sessions, verdicts)
    compare.pdf                   2-4 pages a coach can send
    <view>/side_by_side.mp4       representative strides of A | B, aligned on IC and
                                  time-normalised per stride (100 frames per stride)
    <view>/charts/<curve>.png     mean +/- SD curves, A vs B

The folder is built under a temporary name and renamed into place at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gaitvision.compare.stats import SDD, RowComparison, judge
from gaitvision.errors import GaitVisionError
from gaitvision.kinematics.analysis import GaitAnalysis
from gaitvision.kinematics.reference import METRICS

COMPARE_SCHEMA = "gaitvision.compare/1"
VIEWS = ("side", "rear", "front")
UNRELIABLE = "unreliable"


@dataclass
class Session:
    """One side of the comparison: a result folder and how to call it."""

    label: str
    path: str
    runner_name: str | None = None
    created: str | None = None


@dataclass
class ViewComparison:
    """One view present in both sessions."""

    view: str
    rows: list[RowComparison] = field(default_factory=list)
    curves: dict = field(default_factory=dict)   #: name -> {"unit", "a": {side: {mean, sd}}, "b"}
    video: str | None = None                     #: relative path of the side-by-side MP4
    charts: list[str] = field(default_factory=list)

    @property
    def n_real(self) -> int:
        return sum(r.real for r in self.rows)


@dataclass
class Comparison:
    """What :func:`compare` found."""

    a: Session
    b: Session
    views: list[ViewComparison]
    out_dir: Path | None = None

    @property
    def real_changes(self) -> list[RowComparison]:
        return [r for v in self.views for r in v.rows if r.real]

    def to_dict(self) -> dict:
        return {"schema": COMPARE_SCHEMA, "a": self.a.__dict__, "b": self.b.__dict__,
                "method": METHOD,
                "views": [{"view": v.view, "video": v.video, "charts": v.charts,
                           "rows": [r.to_dict() for r in v.rows], "curves": v.curves}
                          for v in self.views]}

    @classmethod
    def from_dict(cls, d: dict, out_dir: Path | None = None) -> Comparison:
        views = [ViewComparison(v["view"], [RowComparison(**r) for r in v["rows"]],
                                v.get("curves", {}), v.get("video"), v.get("charts", []))
                 for v in d["views"]]
        return cls(Session(**d["a"]), Session(**d["b"]), views, out_dir)

    @classmethod
    def load(cls, folder: str | os.PathLike) -> Comparison:
        folder = Path(folder)
        return cls.from_dict(json.loads((folder / "compare.json").read_text("utf-8")), folder)


METHOD = ("A difference B - A is called real when it exceeds the metric's smallest detectable "
          "difference where the literature gives one (pelvic drop: 2.8 deg, Dingenen 2018) AND "
          "Welch's t-test on the per-stride values of both sessions gives p < 0.05 after Holm's "
          "correction over every row of the table.")


def _session(result_dir: Path, label: str) -> Session:
    try:
        manifest = json.loads((result_dir / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        raise GaitVisionError(f"{result_dir}: not a gaitvision result folder (no readable "
                              "manifest.json); give the folder `gaitvision analyze` wrote.") from None
    sess = manifest.get("session") or {}
    return Session(label=label, path=str(result_dir), runner_name=sess.get("runner_name"),
                   created=sess.get("created") or manifest.get("created"))


def _views(result_dir: Path) -> list[str]:
    manifest = json.loads((result_dir / "manifest.json").read_text("utf-8"))
    return [v for v in manifest.get("views") or [] if v in VIEWS
            and (result_dir / v / "metrics.json").is_file()]


def stride_values(analysis: GaitAnalysis, name: str, side: str) -> np.ndarray:
    """Per-stride values of one metric from the strides used in the summaries."""
    vals = [s.metrics.get(name, np.nan) for s in analysis.strides
            if s.excluded is None and (side == "both" or s.side == side)]
    return np.asarray(vals, dtype=float)


def _row(name: str, side: str, a: GaitAnalysis, b: GaitAnalysis) -> RowComparison:
    ms_a, ms_b = a.summary.get(name), b.summary.get(name)
    ref = ms_a or ms_b
    st_a = getattr(ms_a, side, None) if ms_a else None
    st_b = getattr(ms_b, side, None) if ms_b else None
    mean_a = None if st_a is None or not np.isfinite(st_a.mean) else st_a.mean
    mean_b = None if st_b is None or not np.isfinite(st_b.mean) else st_b.mean
    diff = None if mean_a is None or mean_b is None else round(mean_b - mean_a, 6)
    va, vb = stride_values(a, name, side), stride_values(b, name, side)
    from gaitvision.compare.stats import welch_p

    sdd = SDD.get(name)
    excluded = ""
    flags = [(lbl, ms.flag) for lbl, ms in (("A", ms_a), ("B", ms_b)) if ms is not None]
    if any(flag == UNRELIABLE for _, flag in flags):
        excluded = "unreliable in " + " and ".join(lbl for lbl, f in flags if f == UNRELIABLE)
    return RowComparison(
        name=name, label=ref.label, unit=ref.unit, side=side, a=mean_a, b=mean_b, diff=diff,
        n_a=int(np.isfinite(va).sum()), n_b=int(np.isfinite(vb).sum()),
        p_value=welch_p(va, vb), sdd=sdd[0] if sdd else None, sdd_source=sdd[1] if sdd else "",
        excluded=excluded)


def compare_analyses(a: GaitAnalysis, b: GaitAnalysis) -> list[RowComparison]:
    """Every metric summarised in either session, in registry order, per side where the
    summary has no pooled value; verdicts filled in."""
    names = [n for n in METRICS if n in a.summary or n in b.summary]
    names += sorted(n for n in {*a.summary, *b.summary} if n not in METRICS)
    rows = []
    for name in names:
        ms = a.summary.get(name) or b.summary.get(name)
        pooled = any(getattr(x.summary.get(name), "both", None) is not None for x in (a, b))
        sides = ["both"] if pooled else [s for s in ("left", "right")
                                         if getattr(ms, s, None) is not None
                                         or getattr(b.summary.get(name), s, None) is not None]
        rows += [_row(name, side, a, b) for side in sides]
    judge(rows)
    return rows


def _metrics_json(folder: Path) -> dict:
    return json.loads((folder / "metrics.json").read_text("utf-8"))


def _curves(a: dict, b: dict) -> dict:
    out = {}
    for name, ca in (a.get("curves") or {}).items():
        cb = (b.get("curves") or {}).get(name)
        if not isinstance(ca, dict) or not isinstance(cb, dict) or "unit" not in ca:
            continue
        out[name] = {"unit": ca["unit"],
                     "a": {s: ca[s] for s in ("left", "right") if isinstance(ca.get(s), dict)},
                     "b": {s: cb[s] for s in ("left", "right") if isinstance(cb.get(s), dict)}}
    return out


def compare(result_a: str | os.PathLike, result_b: str | os.PathLike,
            out_dir: str | os.PathLike, *, labels: tuple[str, str] = ("A", "B"),
            render: bool = True) -> Comparison:
    """Compare session B with session A (B - A), write the folder, return the comparison.

    Parameters
    ----------
    result_a, result_b : path-like
        Result folders written by ``gaitvision analyze`` (or the web app).
    out_dir : path-like
        Output folder (replaced if it exists).
    labels : (str, str)
        What to call the two sessions in the table, charts and video.
    render : bool
        Also write charts, side-by-side videos and the PDF (False: compare.json only).

    Raises
    ------
    GaitVisionError
        A folder is not a result, or the two share no view.
    """
    ra, rb, out = Path(result_a), Path(result_b), Path(out_dir)
    sa, sb = _session(ra, labels[0]), _session(rb, labels[1])
    views = [v for v in _views(ra) if v in _views(rb)]
    if not views:
        raise GaitVisionError(f"{ra} and {rb} share no analysed view (side, rear or front): "
                              "compare a side clip with a side clip, a rear clip with a rear "
                              "clip, a front clip with a front clip.")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        result = Comparison(sa, sb, [], out)
        for view in views:
            an_a, an_b = GaitAnalysis.load(ra / view), GaitAnalysis.load(rb / view)
            vc = ViewComparison(view, compare_analyses(an_a, an_b),
                                _curves(_metrics_json(ra / view), _metrics_json(rb / view)))
            if render:
                from gaitvision.compare.render import render_view

                render_view(vc, ra / view, rb / view, tmp, labels)
            result.views.append(vc)
        (tmp / "compare.json").write_text(json.dumps(result.to_dict(), indent=1), "utf-8")
        if render:
            from gaitvision.compare.pdf import write_pdf

            write_pdf(result, tmp, tmp / "compare.pdf")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result


__all__ = ["compare", "compare_analyses", "Comparison", "ViewComparison", "Session"]

"""Result types of the kinematics stage and their files (``metrics.json`` and friends).

A :class:`GaitAnalysis` is what the report and the web app read. It is saved to a
folder as

``metrics.json``
    The public contract, schema ``gaitvision.metrics/1`` (below).
``strides.csv``
    One row per stride (IC to the next IC of the same foot): side, index, start_s,
    end_s, duration_s, to_s, start_frame, end_frame, inferred, excluded, then one
    column per metric NAME.
``curves.csv``
    Mean and SD of each normalised curve, 0-100 % of the gait cycle, per side:
    curve, unit, side, pct, mean, sd, n.
``series.npz``
    ``times``, ``frame_index``, per-frame series ``series/NAME[.side]`` aligned with
    the pose track's frames (for live read-outs) and per-stride curves
    ``curve/NAME/side`` (n_strides, 101).

and :meth:`GaitAnalysis.load` rebuilds it from those files, so reports re-render
without running pose again. Missing values are ``NaN`` in memory, ``null`` in JSON
and empty cells in CSV.

``metrics.json`` (schema ``gaitvision.metrics/1``)::

    {"schema": "gaitvision.metrics/1",
     "video": {VideoInfo: path, sha256, codec, width, height, rotation, n_frames,
               duration_s, fps, fps_nominal, variable_frame_rate},
     "view": "side" | "rear" | "front",  "direction": "left" | "right" | null,
     "height_cm": float | null, "speed_kmh": float | null, "leg_length_px": float,
     "summary": {NAME: {"label", "unit", "definition",
                        "left" | "right" | "both": {"mean", "sd", "median", "n"} | null,
                        "reference": {"range": [lo, hi] | null, "text", "source"},
                        "finding": str, "flag": "within"|"outside"|"no_norm"|"insufficient",
                        "flags": {"left": flag, "right": flag},
                        "asymmetry": {"diff": left - right, "pct"} | null}},
     "asymmetry": {NAME: {"diff", "pct"}},
     "events": [{"foot": "left"|"right", "type": "IC"|"TO", "time_s", "frame",
                 "inferred": bool}],
     "strides": [{"side", "index", "start_s", "end_s", "to_s", "mid_s", "duration_s",
                  "start_frame", "end_frame", "inferred", "excluded": str | null,
                  "metrics": {NAME: value | null}}],
     "curves": {"pct": [0..100], "to_pct": {side: %},
                CURVE: {"unit", side: {"mean": [101], "sd": [101], "n"}}},
     "quality": {"strides_left", "strides_right", "confidence_left", "confidence_right",
                 "inferred_events", "hidden_leg", "camera_roll_deg", "tilt_suspected",
                 "too_few_strides", "walking_detected", "excluded_strides",
                 "detection_rate", "fps", "notes": [str]},
     "files": {"strides": "strides.csv", "curves": "curves.csv", "series": "series.npz"}}

Values are rounded by unit (:func:`round_metric`); ``frame`` is the fractional source
frame at the event's sub-frame time. Metric NAMEs, units, definitions and sources are
listed in :data:`gaitvision.kinematics.reference.METRICS`: side view ``cadence_spm``,
``step_time_ms``, ``contact_time_ms``, ``flight_time_ms``, ``duty_factor_pct``,
``knee_flexion_ic_deg``, ``knee_flexion_stance_peak_deg``, ``hip_extension_peak_deg``
(thigh vs vertical), ``hip_extension_vs_trunk_peak_deg``, ``tibia_angle_ic_deg``,
``overstride_leg_lengths``, ``overstride_cm``, ``foot_strike_angle_deg``,
``trunk_lean_deg``, ``vertical_oscillation_leg_lengths``, ``vertical_oscillation_cm``
(cm only with the runner's height); rear view ``cadence_spm``, ``step_time_ms``,
``pelvic_drop_peak_deg`` (keyed by stance side), ``arm_crossover_shoulder_widths`` and
``arm_crossover_strides_pct`` (keyed by arm), ``step_width_leg_lengths``,
``camera_roll_deg``. Curves: side ``knee_flexion_deg``, ``hip_extension_deg``,
``hip_extension_vs_trunk_deg``, ``tibia_angle_deg``, ``foot_angle_deg``,
``trunk_lean_deg``; rear ``pelvic_obliquity_deg`` (per stance side, drop sign),
``wrist_offset_sw``, ``foot_offset_ll``.

Sign conventions: knee flexion is positive when the knee is bent; hip extension is
positive when the thigh is behind vertical (behind = opposite to the running
direction); tibia angle positive when the ankle is ahead of the knee; foot-strike
angle positive toe up; trunk lean positive forward; pelvic drop is positive when the
swing side's hip is lower, keyed by the stance side; arm crossover is positive when the
wrist passes the body midline; foot placement (step width) positive on the foot's own
side of the midline, negative when it lands across it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gaitvision.kinematics.records import (  # noqa: F401  (re-exported: the public types)
    FLAGS,
    N_CURVE,
    SIDES,
    Curves,
    GaitEvent,
    GaitEvents,
    MetricSummary,
    Quality,
    Reference,
    Stats,
    StrideRecord,
    _flt,
    _num,
    round_metric,
)

SCHEMA = "gaitvision.metrics/1"
# --------------------------------------------------------------------------- analysis
@dataclass
class GaitAnalysis:
    """Everything the kinematics stage found in one clip.

    Attributes
    ----------
    view : str
        ``"side"``, ``"rear"`` or ``"front"`` (front: the rear view's metrics, mirrored).
    direction : str or None
        Side view: ``"left"`` when the runner faces image-left, else ``"right"``.
    video : dict
        The source clip's :class:`~gaitvision.video.VideoInfo` as a dict.
    events : GaitEvents
        IC and TO of both feet, sub-frame times.
    strides : list of StrideRecord
        Per stride and side, with every per-stride metric value.
    summary : dict of str to MetricSummary
        Per metric NAME (``cadence_spm``, ``knee_flexion_ic_deg``, ...).
    curves : Curves
        Normalised joint-angle curves.
    quality : Quality
        Quality flags.
    times, frame_index : ndarray, shape (T,)
        The track's frame times and source frame numbers.
    series : dict of str to ndarray (T,)
        Per-frame values for live read-outs, aligned with ``times``; sided series are
        named ``"NAME.left"`` / ``"NAME.right"`` (e.g. ``"knee_flexion_deg.left"``),
        others plain (``"trunk_lean_deg"``).
    height_cm, speed_kmh : float or None
        As given by the user.
    leg_length_px : float
        Median hip-to-ankle length (pixels) used to normalise distances.
    settings : dict or None
        The analysis settings (:class:`gaitvision.settings.AnalysisSettings`, JSON form,
        with the package version) the result was made with; None when not recorded.
    """

    view: str
    direction: str | None
    video: dict
    events: GaitEvents
    strides: list[StrideRecord]
    summary: dict[str, MetricSummary]
    curves: Curves
    quality: Quality
    times: np.ndarray
    frame_index: np.ndarray
    series: dict[str, np.ndarray] = field(default_factory=dict)
    height_cm: float | None = None
    speed_kmh: float | None = None
    leg_length_px: float = float("nan")
    settings: dict | None = None

    # ---------------------------------------------------------------- helpers
    @property
    def units(self) -> dict[str, str]:
        """Unit of each metric NAME in the summary (per-stride values use the same)."""
        from gaitvision.kinematics.reference import METRICS

        out = {k: m.unit for k, m in METRICS.items()}
        out.update({k: m.unit for k, m in self.summary.items()})
        return out

    @property
    def asymmetry(self) -> dict[str, dict[str, float]]:
        """Left/right asymmetry per metric NAME (see :class:`MetricSummary`)."""
        return {k: m.asymmetry for k, m in self.summary.items() if m.asymmetry is not None}

    def included(self, side: str) -> list[StrideRecord]:
        """The side's strides used in the summaries, in time order."""
        return [s for s in self.strides if s.side == side and s.excluded is None]

    def representative_stride(self, side: str) -> StrideRecord | None:
        """The side's included stride closest to its median values (for loops, key frames)."""
        from gaitvision.kinematics.plausibility import representative_stride

        return representative_stride(self.strides, side)

    def stride_at(self, time_s: float, side: str) -> StrideRecord | None:
        """The side's stride containing ``time_s`` (for a live read-out), if any."""
        for s in self.strides:
            if s.side == side and s.start_s <= time_s < s.end_s:
                return s
        return None

    def value(self, name: str, side: str = "both") -> float:
        """Mean of a metric for ``side`` (``"left"``, ``"right"``, ``"both"``); NaN if absent."""
        m = self.summary.get(name)
        st = None if m is None else getattr(m, side)
        return float("nan") if st is None else st.mean

    # ---------------------------------------------------------------- json
    def to_json_dict(self) -> dict:
        """The ``metrics.json`` document, schema ``gaitvision.metrics/1``."""
        return {
            "schema": SCHEMA,
            "video": self.video,
            "view": self.view,
            "direction": self.direction,
            "height_cm": self.height_cm,
            "speed_kmh": self.speed_kmh,
            "leg_length_px": _num(self.leg_length_px),
            "summary": {k: m.to_dict() for k, m in self.summary.items()},
            "asymmetry": {k: m.to_dict()["asymmetry"] for k, m in self.summary.items()
                          if m.asymmetry is not None},
            "events": self.events.to_list(),
            "strides": [s.to_dict(self.units) for s in self.strides],
            "curves": self.curves.to_json_dict(),
            "quality": self.quality.to_dict(),
            "files": {"strides": "strides.csv", "curves": "curves.csv", "series": "series.npz"},
            **({} if self.settings is None else {"settings": self.settings}),
        }

    # ---------------------------------------------------------------- files
    def save(self, folder: str | os.PathLike) -> Path:
        """Write metrics.json, strides.csv, curves.csv and series.npz into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.to_json_dict(), indent=1, allow_nan=False)
        _atomic_text(folder / "metrics.json", text)
        _atomic_text(folder / "strides.csv", self._strides_csv())
        _atomic_text(folder / "curves.csv", self._curves_csv())
        arrays = {"times": self.times, "frame_index": self.frame_index}
        arrays.update({"series/" + k: v for k, v in self.series.items()})
        for name, sides in self.curves.per_stride.items():
            for side, arr in sides.items():
                arrays[f"curve/{name}/{side}"] = arr
        tmp = folder / "series.part.npz"
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, folder / "series.npz")
        return folder / "metrics.json"

    @classmethod
    def load(cls, folder: str | os.PathLike) -> GaitAnalysis:
        """Rebuild an analysis written by :meth:`save`."""
        folder = Path(folder)
        d = json.loads((folder / "metrics.json").read_text(encoding="utf-8"))
        if d.get("schema") != SCHEMA:
            raise ValueError(f"{folder}: metrics.json is not {SCHEMA}")
        series: dict[str, np.ndarray] = {}
        per_stride: dict[str, dict[str, np.ndarray]] = {}
        times = frame_index = np.zeros(0)
        npz = folder / "series.npz"
        if npz.exists():
            with np.load(npz, allow_pickle=False) as z:
                times, frame_index = z["times"], z["frame_index"]
                for key in z.files:
                    if key.startswith("series/"):
                        series[key[7:]] = z[key]
                    elif key.startswith("curve/"):
                        _, name, side = key.split("/")
                        per_stride.setdefault(name, {})[side] = z[key]
        cj = d.get("curves", {})
        curves = Curves(per_stride=per_stride,
                        units={k: v["unit"] for k, v in cj.items() if isinstance(v, dict)
                               and "unit" in v},
                        to_pct={k: _flt(v) for k, v in cj.get("to_pct", {}).items()})
        return cls(
            view=d["view"], direction=d.get("direction"), video=d["video"],
            events=GaitEvents.from_list(d["events"]),
            strides=[StrideRecord.from_dict(s) for s in d["strides"]],
            summary={k: MetricSummary.from_dict(k, v) for k, v in d["summary"].items()},
            curves=curves, quality=Quality.from_dict(d["quality"]),
            times=times, frame_index=frame_index, series=series,
            height_cm=d.get("height_cm"), speed_kmh=d.get("speed_kmh"),
            leg_length_px=_flt(d.get("leg_length_px")), settings=d.get("settings"),
        )

    def _strides_csv(self) -> str:
        names: list[str] = []
        for s in self.strides:
            names += [k for k in s.metrics if k not in names]
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["side", "index", "start_s", "end_s", "duration_s", "to_s", "start_frame",
                    "end_frame", "inferred", "excluded", *names])
        for s in self.strides:
            w.writerow([s.side, s.index, _c(s.start_s), _c(s.end_s), _c(s.duration_s),
                        _c(s.to_s), _c(s.start_frame), _c(s.end_frame), int(s.inferred),
                        s.excluded or "", *[_c(s.metrics.get(k, math.nan)) for k in names]])
        return buf.getvalue()

    def _curves_csv(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["curve", "unit", "side", "pct", "mean", "sd", "n"])
        for name, sides in self.curves.per_stride.items():
            for side, arr in sides.items():
                mean, sd = self.curves.mean(name, side), self.curves.sd(name, side)
                for i, p in enumerate(self.curves.pct):
                    w.writerow([name, self.curves.units.get(name, ""), side, int(p),
                                _c(mean[i]), _c(sd[i]), len(arr)])
        return buf.getvalue()


# --------------------------------------------------------------------------- helpers
def _c(v: float) -> str:
    return "" if v is None or not math.isfinite(v) else f"{v:.6g}"


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)

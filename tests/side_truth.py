"""True side-view metric values of a synthetic clip, per side, in the pipeline's names.

Reads a ``gaitvision.synth_truth/1`` file (``sample_videos/README.md``) and gives, for
each side-view metric of :data:`gaitvision.kinematics.reference.METRICS` that the truth
can define, its value per side (left / right, keyed like the pipeline's summaries: the
stance foot, or the stride's foot). Values come from the truth's own stride records
where it has them (``image`` kind: the true joint centres' pixel projections, what a
perfect 2D keypoint detector would see) and otherwise from its per-frame joint centres:

- contact, flight and step time: exact model event times (flight = this TO to the other
  foot's next IC);
- vertical oscillation: range of the true mid-hip height (3D, metres) over each step,
  from this foot's IC to the other foot's next IC, sampled on the clip's frames;
- trunk lean: the truth's per-frame ``trunk_lean_deg`` (``image``), averaged over each
  stride from IC to the next IC of the same foot, as the pipeline does;
- knee flexion's stance peak and hip extension relative to the trunk: the largest of
  the per-frame ``image`` series over stance, and over the stride (frames only, so up
  to a few tenths of a degree under the continuous peak);
- overstride: the registry's definition (heel ahead of the mid-hip at IC, horizontal)
  on the truth's 3D points, interpolated to the IC time. The truth file's own
  ``overstride_m`` is the ankle centre ahead of the same leg's hip (about 5 cm more).

Nothing here is used by the pipeline; it is the yardstick of the tests and of
``tools/side_eval.py``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SIDES = ("left", "right")


@dataclass
class SideTruth:
    """Per-side true values of one clip: ``values[metric][side]`` and the clip's facts."""

    fps: float
    duration_s: float
    stature_m: float
    values: dict[str, dict[str, float]] = field(default_factory=dict)
    strides: list[dict] = field(default_factory=list)

    def get(self, metric: str, side: str) -> float:
        """True value of ``metric`` for ``side`` (NaN when the truth has none)."""
        return self.values.get(metric, {}).get(side, float("nan"))


def _mean(xs) -> float:
    xs = [x for x in xs if x is not None and np.isfinite(x)]
    return float(np.mean(xs)) if xs else float("nan")


def _next_other_ic(strides: list[dict], stride: dict) -> float:
    other = [s["ic_s"] for s in strides
             if s["side"] != stride["side"] and s["ic_s"] > stride["ic_s"]]
    return min(other) if other else float("nan")


def _all_ics(truth: dict) -> dict[str, list[float]]:
    """Every IC of each foot in the clip (the ``strides`` list and the frames' series)."""
    ics = {s: [] for s in SIDES}
    for s in truth["strides"]:
        ics[s["side"]].append(s["ic_s"])
    return ics


def _per_stride(truth: dict) -> dict[str, dict[str, list[float]]]:
    frames = truth["frames"]
    t = np.asarray(frames["time_s"], float)
    j3 = frames["joints_3d_m"]
    hip_z = (np.asarray(j3["left_hip"])[:, 2] + np.asarray(j3["right_hip"])[:, 2]) / 2
    angles = frames["angles"]
    lean = np.asarray(angles["trunk_lean_deg"]["image"], float)
    strides = truth["strides"]
    out: dict[str, dict[str, list[float]]] = {}

    def add(metric: str, side: str, value: float) -> None:
        out.setdefault(metric, {s: [] for s in SIDES})[side].append(value)

    for s in strides:
        f, ic, to = s["side"], s["ic_s"], s["to_s"]
        other = _next_other_ic(strides, s)
        add("contact_time_ms", f, 1000 * s["contact_time_s"])
        add("knee_flexion_ic_deg", f, s["knee_flexion_ic_deg"]["image"])
        add("tibia_angle_ic_deg", f, s["shank_angle_ic_deg"]["image"])
        add("foot_strike_angle_deg", f, s["foot_strike_angle_deg"]["image"])
        heel_x = np.interp(ic, t, np.asarray(j3[f"{f}_heel"])[:, 0])
        hip_x = np.interp(ic, t, (np.asarray(j3["left_hip"])[:, 0]
                                  + np.asarray(j3["right_hip"])[:, 0]) / 2)
        add("overstride_cm", f, 100 * (heel_x - hip_x))
        knee = np.asarray(angles[f"{f}_knee_flexion_deg"]["image"], float)
        add("knee_flexion_stance_peak_deg", f, float(np.max(knee[(t >= ic) & (t <= to)])))
        if np.isfinite(other):
            add("flight_time_ms", f, 1000 * (other - to))
            add("step_time_ms", f, 1000 * (other - ic))
            sel = (t >= ic) & (t <= other)
            add("vertical_oscillation_cm", f, 100 * float(np.ptp(hip_z[sel])))
        if s["complete_stride"]:
            end = s["next_ic_s"]
            add("hip_extension_peak_deg", f, s["peak_hip_extension_deg"]["image"])
            sel = (t >= ic) & (t <= end)
            add("trunk_lean_deg", f, float(np.mean(lean[sel])))
            thigh = np.asarray(angles[f"{f}_thigh_extension_deg"]["image"], float)
            add("hip_extension_vs_trunk_peak_deg", f, float(np.max((thigh - lean)[sel])))
            add("duty_factor_pct", f, 100 * s["contact_time_s"] / (end - ic))
            add("cadence_spm", f, 120.0 / (end - ic))
    return out


def load_side_truth(path: str | Path) -> SideTruth:
    """Per-side true values of the clip whose truth file is ``path``."""
    truth = json.loads(Path(path).read_text())
    clip = truth["clip"]
    stature = truth.get("generator", {}).get("stature_m") or float("nan")
    per = _per_stride(truth)
    values = {m: {s: _mean(v[s]) for s in SIDES} for m, v in per.items()}
    return SideTruth(fps=float(clip["fps"]), duration_s=float(clip["duration_s"]),
                     stature_m=float(stature), values=values, strides=truth["strides"])

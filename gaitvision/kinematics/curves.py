"""Joint-angle curves normalised to 0-100 % of the gait cycle (IC to next IC)."""

from __future__ import annotations

import numpy as np

from gaitvision.kinematics.rear import REAR_CURVES, drop_series
from gaitvision.kinematics.records import N_CURVE, Curves
from gaitvision.kinematics.sequence import Stride
from gaitvision.kinematics.side import SIDE_CURVES


def normalised_curves(bf, series: dict, strides: list[Stride], view: str) -> Curves:
    """Each stride's series resampled at 101 points of its cycle, per side."""
    units = dict(SIDE_CURVES if view == "side" else REAR_CURVES)
    if view == "side":
        units["trunk_lean_deg"] = "deg"
    pct = np.linspace(0, 1, N_CURVE)
    per: dict[str, dict[str, list]] = {k: {"left": [], "right": []} for k in units}
    to_pct: dict[str, list] = {"left": [], "right": []}
    for s in strides:
        tt = s.stance.ic + pct * s.duration
        to_pct[s.foot].append(100 * (s.stance.to - s.stance.ic) / s.duration)
        for name in units:
            if name == "pelvic_obliquity_deg":
                y = drop_series(series, s.foot)
            else:
                y = series.get(f"{name}.{s.foot}", series.get(name))
            per[name][s.foot].append(_resample(bf.t, y, tt))
    curves = Curves(units=units)
    for name, sides in per.items():
        curves.per_stride[name] = {f: np.array(v).reshape(-1, N_CURVE) for f, v in sides.items()}
    curves.to_pct = {f: float(np.mean(v)) for f, v in to_pct.items() if v}
    return curves


def _resample(t: np.ndarray, y: np.ndarray, tt: np.ndarray) -> np.ndarray:
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return np.full(len(tt), np.nan)
    out = np.interp(tt, t[ok], y[ok])
    out[(tt < t[0]) | (tt > t[-1])] = np.nan
    return out

"""Per-stride plausibility gates: a stride no runner can have is left out, with its reason.

A coach who sees one impossible number stops trusting all of them. Before anything is
averaged, each stride is checked:

* **Metric gates**: each per-stride value against its metric's physiological range
  (``MetricDef.gate`` in :mod:`.reference`, in the metric's unit). A knee "bent -75 deg"
  at contact is a keypoint on the wrong leg, not a runner.
* **Segment lengths**: thigh (hip-knee) and shank (knee-ankle) of both legs at the
  stride's contact, midstance and toe-off, each within ``segment_tol`` of that
  segment's median over the clip (side view). Bones do not change length; a segment
  that does has a keypoint on the other leg or off the body. Side-on, the legs swing
  in the image plane, so their length changes little; from behind, a flexed swing leg
  is foreshortened and the check does not apply.
* **Belt line** (side view, treadmill): the stance foot rides the belt backward. A
  stance whose foot does not move back by ``belt_min_legs`` leg lengths between 20 and
  80 % of the contact, or rises and falls by more than ``belt_max_rise_legs``, belongs
  to a misplaced contact or to the other foot.

An excluded stride keeps its values in ``strides.csv`` / ``metrics.json`` with the
reason in ``excluded``; the quality notes count them by reason.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from gaitvision.kinematics.analysis import Quality, StrideRecord
from gaitvision.kinematics.reference import METRICS
from gaitvision.landmarks import ANKLE, HEEL, HIP, KNEE, SIDES

#: The leg segments checked, as (name, proximal landmark, distal landmark) per side.
SEGMENTS = {"thigh": (HIP, KNEE), "shank": (KNEE, ANKLE)}


def gate_of(name: str) -> tuple[float, float] | None:
    """The per-stride plausibility range of a metric, from the metric registry."""
    m = METRICS.get(name)
    return None if m is None else m.gate


def gate_reason(name: str, value: float) -> str | None:
    """Why ``value`` of metric ``name`` cannot be a running stride's, or None."""
    gate = gate_of(name)
    if gate is None or value is None or not np.isfinite(value):
        return None
    lo, hi = gate
    if lo <= value <= hi:
        return None
    m = METRICS[name]
    return (f"{m.label.lower()} {value:.{m.decimals}f} {m.unit} is outside the "
            f"plausible {lo:g} to {hi:g} {m.unit}")


def segment_lengths(bf) -> dict[tuple[str, str], np.ndarray]:
    """(side, segment) -> per-frame length (leg lengths) of thigh and shank."""
    out = {}
    for side in SIDES:
        for seg, (a, b) in SEGMENTS.items():
            out[(side, seg)] = np.linalg.norm(bf.p[:, b[side]] - bf.p[:, a[side]], axis=1)
    return out


class StrideGates:
    """Applies the plausibility gates to every stride (see the module docstring).

    Parameters
    ----------
    segment_tol : float
        Largest relative deviation of a segment's length from its clip median.
    belt_min_legs : float
        Side view: least backward travel (leg lengths) of the stance foot between 20
        and 80 % of the contact. At 8 km/h and 250 ms of contact the belt carries the
        foot about half a leg length back in that span.
    belt_max_rise_legs : float
        Side view: largest vertical range of the stance foot over that span.
    """

    def __init__(self, segment_tol: float = 0.25, belt_min_legs: float = 0.1,
                 belt_max_rise_legs: float = 0.15) -> None:
        self.segment_tol = segment_tol
        self.belt_min_legs = belt_min_legs
        self.belt_max_rise_legs = belt_max_rise_legs

    def apply(self, strides: list[StrideRecord], bf, quality: Quality, view: str,
              treadmill: bool = True) -> None:
        """Set ``excluded`` on each failing stride and count them in ``quality.notes``."""
        seg = segment_lengths(bf)
        medians = {k: float(np.nanmedian(v)) if np.isfinite(v).any() else np.nan
                   for k, v in seg.items()}
        kinds: Counter = Counter()
        for rec in strides:
            if rec.excluded is not None:
                continue
            reason, kind = self._metric_reason(rec)
            if reason is None and view == "side":
                reason, kind = self._segment_reason(rec, bf, seg, medians), "segment"
            if reason is None and view == "side" and treadmill:
                reason, kind = self._belt_reason(rec, bf), "belt"
            if reason is not None:
                rec.excluded = reason
                kinds[kind] += 1
        if kinds:
            quality.notes.append(_gate_note(kinds))

    @staticmethod
    def _metric_reason(rec: StrideRecord) -> tuple[str | None, str]:
        for name, value in rec.metrics.items():
            reason = gate_reason(name, value)
            if reason is not None:
                return reason, "metric"
        return None, ""

    def _segment_reason(self, rec: StrideRecord, bf, seg: dict, medians: dict) -> str | None:
        for phase, t in (("contact", rec.start_s), ("midstance", rec.mid_s),
                         ("toe-off", rec.to_s)):
            if not np.isfinite(t):
                continue
            i = int(np.argmin(np.abs(bf.t - t)))
            for (side, name), lengths in seg.items():
                med = medians[(side, name)]
                ratio = lengths[i] / med if np.isfinite(med) and med > 0 else np.nan
                if np.isfinite(ratio) and abs(ratio - 1) > self.segment_tol:
                    return (f"{side} {name} {100 * ratio:.0f} % of its length over the clip at "
                            f"{phase} (a keypoint on the other leg)")
        return None

    def _belt_reason(self, rec: StrideRecord, bf) -> str | None:
        ic, to = rec.start_s, rec.to_s
        if not (np.isfinite(ic) and np.isfinite(to)) or to <= ic:
            return None
        sel = (bf.t >= ic + 0.2 * (to - ic)) & (bf.t <= to - 0.2 * (to - ic))
        foot = (bf.p[sel, ANKLE[rec.side]] + bf.p[sel, HEEL[rec.side]]) / 2
        foot = foot[np.isfinite(foot).all(axis=1)]
        if len(foot) < 2:
            return None
        back = foot[0, 0] - foot[-1, 0]
        rise = float(np.ptp(foot[:, 1]))
        if back < self.belt_min_legs:
            return (f"the stance foot moved {back:+.2f} leg lengths back instead of riding the "
                    "belt (a misplaced contact)")
        if rise > self.belt_max_rise_legs:
            return (f"the stance foot rose and fell {rise:.2f} leg lengths on the belt (a "
                    "misplaced contact)")
        return None


def _gate_note(kinds: Counter) -> str:
    words = {"metric": "a value no running stride can have",
             "segment": "a thigh or shank far from its usual length (a keypoint on the other "
                        "leg)",
             "belt": "a stance foot that did not ride the belt"}
    parts = [f"{n} for {words[k]}" for k, n in kinds.most_common()]
    n = sum(kinds.values())
    strides = "1 stride failed a plausibility check and was" if n == 1 else \
        f"{n} strides failed a plausibility check and were"
    return f"{strides} left out of the averages: {'; '.join(parts)}"


def representative_stride(strides: list[StrideRecord], side: str,
                          names: tuple[str, ...] | None = None) -> StrideRecord | None:
    """The side's stride closest to the side's median values, among the included ones.

    Distance: the sum over metrics of ``|value - median| / spread`` (spread: the
    metrics' median absolute deviation, at least a small floor so one steady metric does
    not dominate), with the stride time as one of the metrics. Only strides that
    passed every gate and were not excluded are candidates.
    """
    cands = [s for s in strides if s.side == side and s.excluded is None]
    if not cands:
        return None
    names = names or tuple(sorted({k for s in cands for k in s.metrics}))
    table = np.array([[s.duration_s] + [s.metrics.get(k, np.nan) for k in names]
                      for s in cands], float)
    table = table[:, np.isfinite(table).any(axis=0)]
    med = np.nanmedian(table, axis=0)
    mad = np.nanmedian(np.abs(table - med), axis=0)
    floor = 0.02 * np.abs(med) + 1e-6
    z = np.abs(table - med) / np.maximum(1.4826 * np.nan_to_num(mad), floor)
    score = np.nansum(np.minimum(z, 10.0), axis=1)
    return cands[int(np.argmin(score))]

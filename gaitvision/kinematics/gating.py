"""Is this a steady run? Walks, other activities and overground clips told apart.

A run has a flight phase (duty factor under 50 %); a walk has double support. Overground
(the runner crosses the frame) the speed decides too: humans change from walking to
running near a Froude number ``v^2 / (g L)`` of 0.5 (Alexander 1989, Physiol Rev
69:1199). A clip whose strides are few, very uneven, or cover little of the time the
person is seen is not a steady run either, whatever the person is doing.
"""

from __future__ import annotations

import numpy as np

from gaitvision.kinematics.sequence import Sequence
from gaitvision.landmarks import HIP, SIDES

#: Walk-run transition Froude number (Alexander 1989).
WALK_FROUDE = 0.5
#: Leg length assumed when the runner's height is not given (m).
DEFAULT_LEG_M = 0.85


def on_treadmill(bf) -> bool:
    """The mid-hip stays within about a leg length horizontally on a treadmill.

    Overground, a runner (or walker) crosses the frame: several leg lengths.
    """
    x = bf.mid(HIP["left"], HIP["right"])[:, 0]
    x = x[np.isfinite(x)]
    return bool(x.size == 0 or np.percentile(x, 95) - np.percentile(x, 5) < 1.5)


def not_running_reason(seq: Sequence, froude: float | None, leg_m: float,
                       seen_s: float = 0.0) -> str | None:
    """Why the sequence is not a steady run, in words, or None when it is one.

    A walk (duty factor 50 % or more, or no flight phase; or, overground, a speed
    below the walk-run transition, Froude number 0.5), too few strides, strides of very
    uneven length (robust CV over 15 %), or regular strides covering less than half of
    the ``seen_s`` seconds in which the runner was found.
    """
    if froude is not None and np.isfinite(froude) and froude < WALK_FROUDE:
        kmh = 3.6 * np.sqrt(froude * 9.81 * leg_m)
        return f"walking: moving across the frame at about {kmh:.0f} km/h, a walking pace"
    if seq.walking:
        return (f"walking: duty factor {100 * seq.median_duty:.0f} %, the feet share the "
                "ground instead of a flight phase")
    n = len(seq.strides)
    if n < 4:
        return f"walking, standing or another activity: only {n} strides found"
    d = np.array([s.duration for s in seq.strides])
    cv = 1.4826 * np.median(np.abs(d - np.median(d))) / np.median(d)
    if cv > 0.15:
        return f"walking, standing or another activity: stride times vary by {100 * cv:.0f} %"
    if seen_s > 0:
        cover = max(sum(s.duration for s in seq.strides if s.foot == f) for f in SIDES) / seen_s
        if cover < 0.5:
            return ("walking, standing or another activity: regular strides cover only "
                    f"{100 * cover:.0f} % of the clip")
    return None


def froude_number(bf, leg_m: float) -> float:
    """Froude number v^2 / (g L) of a runner moving across the frame (overground).

    The speed is the slope of a straight-line fit of the mid-hip's horizontal position
    over time, in leg lengths per second. Humans change from walking to running near a
    Froude number of 0.5 (Alexander 1989, Physiol Rev 69:1199; Kram et al. 1997).
    """
    x = bf.mid(HIP["left"], HIP["right"])[:, 0]
    ok = np.isfinite(x)
    if ok.sum() < 10:
        return float("nan")
    v = abs(np.polyfit(bf.t[ok], x[ok], 1)[0])  # leg lengths / s
    return float(v * v * leg_m / 9.81)

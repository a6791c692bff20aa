"""Rear view: stance phase from the pelvis, and contacts symmetric about midstance.

Seen from behind, the foot's path in the image says little about when it lands (see
:mod:`.events`), but the pelvis is well seen and bounces once per step. These two steps
give :func:`~.events.detect_contacts` its windows and place each IC.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitvision.kinematics.events import Contact, ContactParams, coarse_lowpass, lowest_point
from gaitvision.landmarks import HIP


@dataclass
class Midstance:
    """The pelvis's lowest point in one stance (rear view), and a frame range around it."""

    foot: str
    time_s: float
    window: tuple[int, int]


def midstances(t: np.ndarray, p: np.ndarray, stride_s: float,
               params: ContactParams | None = None) -> list[Midstance]:
    """Rear view: each midstance, from the pelvis, and the foot it belongs to.

    Seen from behind, a foot's image height mixes its height and its distance: the belt
    carries the stance foot toward the camera, and in late swing the foot reaches forward
    low and slow, so "low and slow" frames can lie in late swing rather than stance. The
    pelvis gives the phase instead: a runner's body is lowest at midstance and highest in
    flight (the spring-mass model of running; Cavagna 1988, Blickhan 1989). Each minimum of
    the mid-hip height (low-passed at ``coarse_hz``, refined between frames with a
    parabola) is a midstance of the foot that is lower in the image then; the other is
    up in swing.

    The window reaches 0.4 step either side, so that its middle 60 %, from which the
    stance edges are sought (:func:`~.events.refine`), stays within the stance down to a duty
    factor of 25 %, the low end of the reference band.
    """
    from scipy.signal import find_peaks

    params = params or ContactParams()
    if not np.isfinite(stride_s) or len(t) < 8:
        return []
    dt = float(np.median(np.diff(t)))
    step = stride_s / 2
    hip = coarse_lowpass((p[:, HIP["left"], 1] + p[:, HIP["right"], 1]) / 2, 1 / dt, params.coarse_hz)
    ok = np.isfinite(hip)
    if ok.sum() < 8:
        return []
    filled = np.interp(np.arange(len(hip)), np.flatnonzero(ok), hip[ok])
    lows, _ = find_peaks(-filled, distance=max(1, int(0.6 * step / dt)))
    half = max(1, int(round(0.4 * step / dt)))
    feet = {f: lowest_point(p, f) for f in ("left", "right")}
    out = []
    for k in lows:
        hl, hr = feet["left"][k], feet["right"][k]
        if not (ok[k] and np.isfinite(hl) and np.isfinite(hr)) or k == 0 or k == len(t) - 1:
            continue
        a, b, c = filled[k - 1:k + 2]
        shift = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c > 0 else 0.0
        out.append(Midstance("left" if hl < hr else "right", float(t[k] + shift * dt),
                             (max(0, k - half), min(len(t), k + half + 1))))
    return out


def symmetric_contacts(contacts: list[Contact], mids: list[Midstance]) -> list[Contact]:
    """Rear view: each IC placed as far before the midstance as the toe-off is after it.

    From behind, the landing barely bends the foot's path in the image (its descent and
    its approach to the camera both move it down the image) while the lift-off does, so IC
    is taken from the symmetry of the bounce about its lowest point (spring-mass model;
    Cavagna 1988). Real stances are not quite symmetric (Cavagna 2006, the landing-take-off
    asymmetry), so rear-view contact times stay approximate, as the quality notes say.
    Contacts without a midstance inside are kept as found.
    """
    out = []
    for c in contacts:
        inside = [m.time_s for m in mids if m.foot == c.foot and c.ic - 0.1 < m.time_s < c.to]
        if inside:
            c = Contact(c.foot, 2 * inside[0] - c.to, c.to, c.visibility, c.ic_ok, c.to_ok)
        out.append(c)
    return out

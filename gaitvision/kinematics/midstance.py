"""Rear and front view: stance phase from the pelvis, the stance edges where the foot
leaves its stance path either way, and contacts symmetric about midstance.

Seen from behind or in front, the foot's path in the image says little about when it
lands (see :mod:`.events`), but the pelvis is well seen and bounces once per step.
:func:`midstances` gives each stance's window, :func:`frontal_contacts` its edges and
:func:`symmetric_contacts` places each IC.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitvision.kinematics.events import (
    Contact,
    ContactParams,
    _residual,
    coarse_lowpass,
    line_edge,
    lowest_point,
    noise_sd,
)
from gaitvision.landmarks import HEEL, HIP, TOE


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


def symmetric_contacts(contacts: list[Contact], mids: list[Midstance],
                       anchor: str = "to") -> list[Contact]:
    """Each stance made symmetric about its midstance, from its sharper edge.

    From behind (``anchor="to"``), the landing barely bends the foot's path in the image
    (as it reaches forward it descends, down the image, and moves away from the camera, up
    the image) while the lift-off does (it rises and moves away: both up the image), so IC
    is placed as far before the midstance as TO is after it. From the front
    (``anchor="ic"``) it is the other way round: the landing reverses the foot's image
    motion (coming down and toward the camera, both down the image, then carried away by
    the belt, up the image), while at lift-off the rise and the swing toward the camera
    cancel, so TO is placed from IC. The symmetry is the bounce's about its lowest point
    (spring-mass model; Cavagna 1988); real stances are not quite symmetric (Cavagna
    2006, the landing-take-off asymmetry), so frontal-plane contact times stay
    approximate, as the quality notes say. Contacts without a midstance inside are kept
    as found.
    """
    out = []
    for c in contacts:
        inside = [m.time_s for m in mids if m.foot == c.foot and c.ic - 0.1 < m.time_s < c.to]
        if inside and anchor == "ic":
            c = Contact(c.foot, c.ic, 2 * inside[0] - c.ic, c.visibility, c.ic_ok, c.to_ok)
        elif inside:
            c = Contact(c.foot, 2 * inside[0] - c.to, c.to, c.visibility, c.ic_ok, c.to_ok)
        out.append(c)
    return out


def steady_contacts(t: np.ndarray, vis: np.ndarray, contacts: dict[str, list[Contact]],
                    mids: list[Midstance], anchor: str = "to",
                    params: ContactParams | None = None, min_measured: int = 3,
                    min_measured_share: float = 0.5) -> dict[str, list[Contact]]:
    """Every stance centred on its midstance, half a median stance either side.

    The pelvis's lowest points (:func:`midstances`) are timed to within a frame or so on
    small, 30 fps rear and front clips, but a single stance's edge
    (:func:`frontal_edges`) is not: on rendered 640x360 runners the foot's image height
    moves a pixel or two at lift-off, and the edge came out 50-170 ms after the
    midstance where the truth is 127 ms throughout (``docs/pelvis-arms-front.md``).
    Mirrored about the midstance (:func:`symmetric_contacts`) that error enters the IC,
    hence each stride's length, and strides were left out as irregular or implausible;
    where no edge was found at all the stance was lost. On a treadmill at a steady
    speed contact time varies little from step to step (a few per cent), so each stance
    takes the clip's median half-stance (the sharper edge, ``anchor`` as in
    :func:`symmetric_contacts`, to its midstance, over every measured stance of both
    feet), and every midstance of a foot seen at least ``min_visibility`` gives a stance:
    stride times then come from the midstances alone. Single contact times from these
    views are therefore the clip's typical one, not each step's (they are not summarised
    from behind or in front anyway). The stances are kept as found, made symmetric
    (:func:`symmetric_contacts`), where fewer than ``min_measured`` of them, or fewer
    than ``min_measured_share`` of the midstances, have a measured edge: filling in
    stances assumes a run's regular stances, which a clip whose feet mostly do not leave
    a stance path at the pelvis's low points (a walk: its pelvis is lowest in double
    support, not at midstance) has not shown.
    """
    params = params or ContactParams()
    halves, measured = [], set()
    for foot, found in contacts.items():
        for c in found:
            inside = [m for m in mids if m.foot == foot and c.ic - 0.1 < m.time_s < c.to]
            if inside:
                half = inside[0].time_s - c.ic if anchor == "ic" else c.to - inside[0].time_s
                if half > 0:
                    halves.append(half)
                    measured.add(id(inside[0]))
    if len(halves) < max(min_measured, min_measured_share * len(mids)):
        return {f: symmetric_contacts(c, mids, anchor) for f, c in contacts.items()}
    half = float(np.median(halves))
    out: dict[str, list[Contact]] = {}
    for foot in contacts:
        fv = np.mean(vis[:, [HEEL[foot], TOE[foot]]], axis=1)
        stances: list[Contact] = []
        for m in (m for m in mids if m.foot == foot):
            ic, to = m.time_s - half, m.time_s + half
            if ic - t[0] < params.edge_margin_s or t[-1] - to < params.edge_margin_s:
                continue  # cut by the clip's start or end
            sel = (t >= ic - 0.02) & (t <= to + 0.02)
            seen = float(np.mean(fv[sel])) if sel.any() else 0.0
            if seen < params.min_visibility or (stances and ic < stances[-1].to):
                continue
            ok = id(m) in measured
            stances.append(Contact(foot, ic, to, seen, ok, ok))
        out[foot] = stances
    return out


def frontal_edges(t: np.ndarray, h: np.ndarray, noise: float, mid: Midstance,
                  params: ContactParams) -> tuple[float | None, float | None, bool, bool]:
    """IC and TO of one stance: where the foot's image height leaves its stance line, in
    either direction (None for an edge that cannot be placed).

    In stance the belt carries the foot at a steady speed along the line of sight, so its
    image height moves on a straight line (toward the bottom of the image seen from
    behind, toward the horizon seen from the front). Off the belt it leaves that line,
    but not always upward as in :func:`~.events.refine`: seen from the front, a landing
    foot comes down the image onto the line from below. The residual is therefore taken
    two-sided over the same threshold (``delta_sigmas`` keypoint-noise SDs, or
    ``delta_floor``) and followed outward with the side view's persistence and sub-frame
    extrapolation (:func:`~.events.line_edge`). (The shank's image height, tried as a second
    cue, cut the long stances of a synthetic walk short, so that walks passed for runs;
    it is not used.)
    """
    a, b = mid.window
    n = b - a
    core = slice(a + n // 5, b - n // 5) if n >= 5 else slice(a, b)
    resid = _residual(t, h, core, float(np.mean(t[core])))
    if resid is None:
        return None, None, False, False
    r = np.abs(resid) / max(params.delta_sigmas * noise, params.delta_floor)
    dt = float(np.median(np.diff(t)))
    reach = int(round(params.max_search_s / dt))
    noisy = params.delta_sigmas * noise / params.delta_floor > 1.0
    span = params.fit_noisy_s if noisy else params.fit_s
    ic, ic_ok = line_edge(t, r, core.start, -1, reach, params, span)
    to, to_ok = line_edge(t, r, core.stop - 1, +1, reach, params, span)
    return ic, to, ic_ok, to_ok


def frontal_contacts(t: np.ndarray, p: np.ndarray, vis: np.ndarray, foot: str,
                     mids: list[Midstance], params: ContactParams | None = None
                     ) -> list[Contact]:
    """Rear and front view: the stances of one foot, one per midstance of that foot
    (:func:`midstances`), their edges by :func:`frontal_edges`.

    As in :func:`~.events.detect_contacts`: heel and toe seen less than
    ``min_visibility`` count as missing, and a stance cut by the clip's start or end
    (within ``edge_margin_s``) is dropped, its other edge being unknown.
    """
    params = params or ContactParams()
    p = p.copy()
    fv = np.mean(vis[:, [HEEL[foot], TOE[foot]]], axis=1)
    p[fv < params.min_visibility] = np.nan
    windows = [m.window for m in mids if m.foot == foot]
    h = lowest_point(p, foot)
    noise = noise_sd(h, windows)
    out: list[Contact] = []
    for m in (m for m in mids if m.foot == foot):
        ic, to, ic_ok, to_ok = frontal_edges(t, h, noise, m, params)
        if ic is None or to is None or to <= ic:
            continue
        if ic - t[0] < params.edge_margin_s or t[-1] - to < params.edge_margin_s:
            continue
        sel = (t >= ic - 0.02) & (t <= to + 0.02)
        c = Contact(foot, ic, to, float(np.mean(fv[sel])) if sel.any() else 0.0, ic_ok, to_ok)
        if out and c.ic < out[-1].to:  # two windows of one stance: keep the first
            continue
        out.append(c)
    return out

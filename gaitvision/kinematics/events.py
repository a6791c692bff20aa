"""Foot contacts on a treadmill: initial contact (IC) and toe-off (TO) of one foot.

Method: "the foot joins and leaves the belt", timed where its path bends.

On a treadmill the stance foot rests on the belt and is carried backward at belt
speed, so during stance each foot point follows a straight line in time; in swing it
does not. Stance is found in two steps.

1. Coarse windows, on a copy low-passed at ``coarse_hz`` (Hz, so every frame rate
   behaves alike): frames where the foot is low in its own range and, in side view,
   the toe moves backward at more than half the belt speed (the belt speed is the 15th
   percentile of the toe's forward velocity); in rear view, where the foot's vertical
   speed is well below its swing speeds.
2. Refinement on the unfiltered signal, per window. Residuals from straight lines:
   the foot's lowest point (the lower of heel and toe: works for rearfoot and forefoot
   strikers alike, the strike-pattern problem of single-landmark rules, Leitch 2011)
   against its stance line, and in side view the heel's forward position against its
   belt line over the early stance (the heel lifts at heel rise) and the toe's over the
   late stance (it rides the belt until it leaves). Each residual is divided by its
   threshold, ``delta_sigmas`` times the keypoint noise (estimated from second
   differences inside stance) or a floor. Walking outward from the middle of the
   window, the edge is the first frame above 1 that stays above for ``persist_s``; a
   line through the residual just outside is followed back to zero, which places the
   event between frames (sub-frame, never snapped to the frame grid) and does not
   move with the threshold. IC uses the heel's belt residual (side view; the most
   repeatable cue in real 30 fps footage, where the foot's height drifts in the image
   as it nears the camera) or the height; TO the larger of height and toe residuals.

Rear/front view: there is no belt motion across the image, and the foot's image height
mixes its height and its distance (the belt carries the stance foot toward the camera),
so late swing (foot low, moving slowly in the image) can pass for stance. The phase
comes from the pelvis instead (:mod:`.midstance`: the body is lowest at midstance);
stance edges are sought around each midstance, and IC is placed symmetric to TO about
it, because from behind the landing barely bends the foot's
path. On the parametric runner of :mod:`.testing` events come within 15 ms; on the
rendered sample clip BlazePose places the toe poorly from behind, so TO, and with it
the contact, comes out early (about 45 ms and 110 ms short). A front view is not handled
well yet.

Sources (the project's ``docs/metrics.md``, "Gait events"): heel height / vertical velocity rules
do best for running (Fellin 2010; Pose2Sim's notes), the forward-coordinate rule of Zeni
2008 less so; on a treadmill a nearly constant backward foot velocity marks stance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitvision.landmarks import HEEL, TOE
from gaitvision.signal import WINTER_TWO_PASS, lowpass, runs


@dataclass
class ContactParams:
    """Settings of :func:`detect_contacts` (times in s, lengths in leg lengths)."""

    #: low-pass for finding stance windows: the -3 dB point of the two-pass filter (6.4 Hz,
    #: a 2nd-order design at 8 Hz run forward and backward)
    coarse_hz: float = 8.0 * WINTER_TWO_PASS
    low_fraction: float = 0.35      #: "low": below this share of the foot's height range
    slow_fraction: float = 0.3      #: "slow": vertical speed below this share of its P90
    min_window_s: float = 0.04      #: shorter candidate windows are dropped
    bridge_s: float = 0.05          #: gaps shorter than this inside a window are bridged
    delta_floor: float = 0.004      #: smallest residual threshold (leg lengths)
    delta_sigmas: float = 3.0       #: threshold = this many robust SDs of the stance residual
    max_search_s: float = 0.25      #: how far IC/TO are searched outside a window
    belt_fraction: float = 0.5      #: side view: "riding the belt" = moving back faster than this
    delta_x_floor: float = 0.012    #: smallest horizontal residual threshold at TO (leg lengths)
    delta_ic_floor: float = 0.006   #: the same at IC (the heel meets the belt with a kink)
    persist_s: float = 0.015        #: a lift-off must last this long outside the threshold
    fit_s: float = 0.005            #: span of the approach path followed back to the line ...
    fit_noisy_s: float = 0.03       #: ... or this, where keypoint noise sets the threshold
    edge_margin_s: float = 0.03     #: contacts this close to the clip's ends are dropped
    min_visibility: float = 0.3     #: heel/toe seen less than this: treated as missing
    ic_from_belt: bool = True       #: side view: time IC from the heel joining the belt alone


@dataclass
class Contact:
    """One stance of one foot: IC and TO times (s) and how well the foot was seen."""

    foot: str
    ic: float
    to: float
    visibility: float
    ic_ok: bool = True   #: IC found from the foot's approach (else from the window edge)
    to_ok: bool = True

    @property
    def duration(self) -> float:
        """Contact time, s."""
        return self.to - self.ic


def coarse_lowpass(x: np.ndarray, fs: float, cutoff_hz: float) -> np.ndarray:
    """The smooth trend used to find windows: :func:`gaitvision.signal.lowpass` over the
    whole series, gaps bridged (NaN kept)."""
    return lowpass(x, fs, cutoff_hz, 4, bridge_gaps=True)


def lowest_point(p: np.ndarray, foot: str) -> np.ndarray:
    """Height of the lower of the heel and toe keypoints (T,); NaN where both are missing."""
    return np.fmin(p[:, HEEL[foot], 1], p[:, TOE[foot], 1])


def stance_windows(t: np.ndarray, h: np.ndarray, params: ContactParams,
                   x: np.ndarray | None = None) -> list[tuple[int, int]]:
    """Coarse ``[start, end)`` frame ranges where the foot is low and slow.

    With ``x`` (side view: the toe's forward position) "slow" means "moving back with
    the belt": faster backward than ``belt_fraction`` of the belt speed, estimated as
    the 15th percentile of the toe's backward speed.
    """
    fs = 1.0 / float(np.median(np.diff(t)))
    hf = coarse_lowpass(h, fs, params.coarse_hz)
    if np.isfinite(hf).sum() < 8:
        return []
    lo, hi = np.nanpercentile(hf, [5, 95])
    with np.errstate(invalid="ignore"):
        if x is not None and np.isfinite(x).sum() >= 8:
            vx = np.gradient(coarse_lowpass(x, fs, params.coarse_hz), t)
            belt = -np.nanpercentile(vx, 15)
            cand = (hf < lo + 0.5 * (hi - lo)) & (vx < -params.belt_fraction * belt)
        else:
            v = np.gradient(hf, t)
            vmax = np.nanpercentile(np.abs(v), 90)
            cand = (hf < lo + params.low_fraction * (hi - lo)) & \
                (np.abs(v) < params.slow_fraction * vmax)
    bridge = int(round(params.bridge_s * fs))
    out: list[list[int]] = []
    for a, b in runs(cand):
        if out and a - out[-1][1] <= bridge:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [(a, b) for a, b in out if (t[b - 1] - t[a]) >= params.min_window_s - 0.5 / fs]


def _line(t: np.ndarray, h: np.ndarray) -> tuple[float, float]:
    """Robust straight line h = a + b t (two passes, dropping large residuals)."""
    ok = np.isfinite(h)
    t, h = t[ok], h[ok]
    if len(t) < 2:
        return (float(h[0]) if len(h) else float("nan")), 0.0
    b, a = np.polyfit(t, h, 1)
    r = h - (a + b * t)
    mad = np.median(np.abs(r - np.median(r))) * 1.4826
    keep = np.abs(r) <= max(3 * mad, 1e-9)
    if keep.sum() >= 2 and not keep.all():
        b, a = np.polyfit(t[keep], h[keep], 1)
    return float(a), float(b)


def _residual(t, sig, core, t_ref):
    """Residual of ``sig`` from a line fitted over ``core``."""
    c0, c1 = _line(t[core] - t_ref, sig[core])
    if not np.isfinite(c0):
        return None
    return sig - (c0 + c1 * (t - t_ref))


def noise_sd(sig: np.ndarray, windows: list[tuple[int, int]]) -> float:
    """Keypoint noise of ``sig`` (robust SD), from second differences inside stance.

    In stance the foot moves on a straight line, so the second difference of its
    position is noise alone, with variance 6 sigma^2 for white noise. Pooled over all
    windows, this is steady even at 30 fps where one stance has only a few frames.
    """
    d2 = [np.diff(sig[a:b], 2) for a, b in windows if b - a >= 3]
    d2 = np.concatenate(d2) if d2 else np.zeros(0)
    d2 = d2[np.isfinite(d2)]
    if d2.size < 3:
        return 0.0
    return 1.4826 * float(np.median(np.abs(d2 - np.median(d2)))) / np.sqrt(6.0)


def refine(t: np.ndarray, h: np.ndarray, window: tuple[int, int], params: ContactParams,
           x: tuple[np.ndarray, np.ndarray] | None = None,
           noise: tuple[float, float] = (0.0, 0.0), edge=None
           ) -> tuple[float, float, bool, bool] | None:
    """Sub-frame IC and TO around one coarse window; None when it cannot be placed.

    The foot departs from its stance line upward (``h``) and, in side view, also
    horizontally: ``x = (heel, toe)`` forward positions, the heel for IC (it rides
    the belt from a heel landing on, fitted over the first 45 % of the window) and the
    toe for TO (it rides the belt until it leaves, fitted over the last 60 %). Before
    IC the foot is behind the belt line, after TO ahead of it. Each
    residual is divided by its threshold (``delta_sigmas`` times the ``noise`` SD of
    height and forward position, or the floor) and the larger one is followed outward.
    ``edge`` times each edge from that residual (default :func:`line_edge`; same call).
    """
    a, b = window
    n = b - a
    core = slice(a + n // 5, b - n // 5) if n >= 5 else slice(a, b)
    t_ref = float(np.mean(t[core]))
    ry = _residual(t, h, core, t_ref)
    if ry is None:
        return None
    ry = ry / max(params.delta_sigmas * noise[0], params.delta_floor)
    dt = float(np.median(np.diff(t)))
    reach = int(round(params.max_search_s / dt))
    rxs: list[np.ndarray | None] = [None, None]
    if x is not None:
        # Each point gets its own belt line where it rides the belt: the heel over the
        # early part of the stance (it lifts at heel rise), the toe over the late part
        # (a rolling foot's toe marker shifts early on). Slopes are free: in the image,
        # markers on a rotating foot move at slightly different speeds.
        m0, m1 = max(2, int(round(0.45 * n))), max(2, int(round(0.6 * n)))
        rxs[0] = _residual(t, x[0], slice(a, a + m0), t_ref)
        rxs[1] = _residual(t, x[1], slice(b - m1, b), t_ref)
    found = []
    for k, step, start in ((0, -1, core.start), (1, +1, core.stop - 1)):
        floor = params.delta_ic_floor if k == 0 else params.delta_x_floor
        dx = max(params.delta_sigmas * noise[1], floor)
        if rxs[k] is None:
            r = ry
        elif k == 0 and params.ic_from_belt:
            r = np.abs(rxs[k]) / dx
        else:
            r = np.fmax(ry, np.abs(rxs[k]) / dx)
        noisy = params.delta_sigmas * max(noise[0] / params.delta_floor,
                                          noise[1] / floor if x is not None else 0.0) > 1.0
        span = params.fit_noisy_s if noisy else params.fit_s
        found.append((edge or line_edge)(t, r, start, step, reach, params, span))
    (ic, ic_ok), (to, to_ok) = found
    if ic is None or to is None or to <= ic:
        return None
    return ic, to, ic_ok, to_ok


def stance_exit(t: np.ndarray, r: np.ndarray, start: int, step: int, reach: int,
                params: ContactParams) -> tuple[int, int] | None:
    """Walk from ``start`` outward (``step`` = -1 for IC, +1 for TO) to the stance edge.

    The edge is the first sample ``j`` whose normalised residual ``r`` exceeds 1 and
    stays above it for ``persist_s`` (a lone noisy sample is not a lift-off). Returns
    ``(last_in, j)``, ``last_in`` the last sample at or under 1 before it; None when
    the foot is not seen where it lands or leaves, or no edge lies within ``reach``.
    """
    n = len(r)
    dt = float(np.median(np.diff(t)))
    m = max(1, int(round(params.persist_s / dt)))
    last_in = start
    j = start
    for _ in range(reach):
        j += step
        if j < 0 or j >= n or not np.isfinite(r[j]):
            return None  # the foot is not seen where it lands or leaves: unknown
        if r[j] <= 1.0:
            last_in = j
            continue
        out = np.arange(j, j + step * (m + 1), step)
        out = out[(out >= 0) & (out < n)]
        if np.any(r[out][np.isfinite(r[out])] <= 1.0):
            continue  # a noisy sample inside the stance
        return last_in, j
    return None


def line_edge(t, r, start, step, reach, params, span):
    """The stance edge found by :func:`stance_exit`, timed on a line.

    A line fitted to ``r`` over ``span`` seconds outward from the first sample outside
    is followed back to ``r = 0``: the instant the foot's path meets the stance line.
    Returns (time, from_slope); from_slope is False when the path gave no usable slope
    and the threshold crossing was used instead.
    """
    found = stance_exit(t, r, start, step, reach, params)
    if found is None:
        return None, False
    last_in, j = found
    n = len(r)
    dt = float(np.median(np.diff(t)))
    q = max(2, int(round(span / dt)) + 1)
    idx = np.arange(j, j + step * q, step)
    idx = idx[(idx >= 0) & (idx < n)]
    idx = idx[np.isfinite(r[idx])]
    if len(idx) >= 2:
        slope, icpt = np.polyfit(t[idx] - t[j], r[idx], 1)
        if slope * step > 0:
            te = t[j] - icpt / slope
            lim = max(2 * dt, span)
            lo, hi = sorted((t[j], t[j] - step * lim))
            return float(np.clip(te, lo, hi)), True
    ri, rj = r[last_in], r[j]
    f = (1.0 - ri) / (rj - ri) if rj != ri else 0.5
    return float(t[last_in] + f * (t[j] - t[last_in])), False


def detect_contacts(t: np.ndarray, p: np.ndarray, vis: np.ndarray, foot: str,
                    params: ContactParams | None = None, side_view: bool = True,
                    windows: list[tuple[int, int]] | None = None, edge=None) -> list[Contact]:
    """All stances of one foot.

    Parameters
    ----------
    t : ndarray (T,)
        Times, s.
    p : ndarray (T, 33, 2)
        Landmarks in leg lengths, column 1 pointing up (:class:`~.geometry.BodyFrame`).
    vis : ndarray (T, 33)
        Visibility.
    foot : str
        ``"left"`` or ``"right"``.
    side_view : bool
        Use the toe's forward motion with the belt as well as the foot's height.
    windows : list of (int, int), optional
        Frame ranges inside this foot's stances found another way (rear view:
        :func:`~.midstance.midstances`); by default :func:`stance_windows`.
    edge : callable, optional
        How an edge is timed from the residual (:func:`refine`; default :func:`line_edge`).

    Returns
    -------
    list of Contact
        In time order, non-overlapping.
    """
    params = params or ContactParams()
    p = p.copy()
    unseen = np.mean(vis[:, [HEEL[foot], TOE[foot]]], axis=1) < params.min_visibility
    p[unseen] = np.nan  # e.g. gap-filled frames (visibility 0): no evidence of a contact
    h = lowest_point(p, foot)
    x = (p[:, HEEL[foot], 0], p[:, TOE[foot], 0]) if side_view else None
    fv = np.mean(vis[:, [HEEL[foot], TOE[foot]]], axis=1)
    out: list[Contact] = []
    if windows is None:
        windows = stance_windows(t, h, params, None if x is None else x[1])
    noise = (noise_sd(h, windows), 0.0 if x is None else noise_sd(x[1], windows))
    for w in windows:
        res = refine(t, h, w, params, x, noise, edge)
        if res is None:
            continue
        ic, to, ic_ok, to_ok = res
        if ic - t[0] < params.edge_margin_s or t[-1] - to < params.edge_margin_s:
            continue  # cut by the clip's start or end: its other edge is unknown
        sel = (t >= ic - 0.02) & (t <= to + 0.02)
        v = float(np.mean(fv[sel])) if sel.any() else 0.0
        c = Contact(foot, ic, to, v, ic_ok, to_ok)
        if out and c.ic < out[-1].to:  # two windows of one stance: merge
            prev = out[-1]
            out[-1] = Contact(foot, min(prev.ic, c.ic), max(prev.to, c.to),
                              (prev.visibility + c.visibility) / 2, prev.ic_ok, c.to_ok)
            continue
        out.append(c)
    return out

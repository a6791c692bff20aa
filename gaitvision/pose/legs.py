"""Left/right leg labels repaired as whole legs before timing the feet (side view).

BlazePose sometimes exchanges the two legs' labels for a few frames (on rendered runs,
typically just after the near foot lands). The pose stage's pairwise repair
(:func:`gaitvision.pose.identity.correct_leg_swaps`) tests each landmark pair on its
own and needs a jump at both ends of a swapped run; a swap that begins where the legs
cross, or whose jump is split over two frames, can slip through. Here the paired-jump
test looks at the whole leg at once, knee, ankle, heel and toe stacked into one vector,
so the evidence of all four adds up, and one clear end is enough. The threshold is in
leg lengths and the longest run in seconds, so it behaves alike at any resolution and
frame rate. On the real 30 fps side clip it changes nothing.

At speed (14 km/h, 180 spm, 60 fps) the model can instead hold its labels by image
order through a crossing of the legs, entering and leaving the exchanged run through
frames where the points collapse together: no jump marks either end.
:class:`CrossingOrderLabeller` labels such runs from the alternating order of the legs
between crossings (``docs/leg-labels.md``).

Single leg points that leave their own path for a few frames (a foot point put on the
other foot) are not a swap; :func:`bridge_leg_glitches` interpolates over them, in any
view.
"""

from __future__ import annotations

import numpy as np

from gaitvision.landmarks import ANKLE, HEEL, HIP, KNEE, TOE, leg_length_px
from gaitvision.pose.cleaning import bridge_glitches
from gaitvision.pose.track import PoseTrack

_L = [KNEE["left"], ANKLE["left"], HEEL["left"], TOE["left"]]
_R = [KNEE["right"], ANKLE["right"], HEEL["right"], TOE["right"]]


def leg_swap_states(xy: np.ndarray, leg_px: float, fps: float, jump_legs: float = 0.3,
                    max_swap_s: float = 0.35) -> np.ndarray:
    """Frames (bool, T) in which the two legs' labels are exchanged.

    Exchanging the labels over a run of frames ``[i, j)`` changes the leg's travel only
    at the run's two ends. A run is accepted when the travel it saves at its ends
    (summed over the leg's four points) exceeds ``jump_legs`` leg lengths; a run may
    begin or end where the legs cross (nothing saved at that end) as long as the other
    end saves it all. The best run is taken first, then the next, without overlaps.

    Parameters
    ----------
    xy : ndarray (T, 33, 2)
        Pixel positions.
    leg_px : float
        Leg length in pixels.
    fps : float
        Frame rate.
    jump_legs : float
        Travel (leg lengths) that exchanging the labels must save.
    max_swap_s : float
        Longest run that is exchanged.
    """
    t = len(xy)
    a = xy[:, _L].reshape(t, -1)
    b = xy[:, _R].reshape(t, -1)
    with np.errstate(invalid="ignore"):
        keep = np.linalg.norm(a[1:] - a[:-1], axis=1) + np.linalg.norm(b[1:] - b[:-1], axis=1)
        cross = np.linalg.norm(a[1:] - b[:-1], axis=1) + np.linalg.norm(b[1:] - a[:-1], axis=1)
    gain = np.where(np.isfinite(keep) & np.isfinite(cross), keep - cross, 0.0)  # frame k -> k+1
    gain = np.concatenate([[0.0], gain, [0.0]])  # gain[i]: exchanging from frame i on
    threshold = jump_legs * leg_px
    max_len = max(1, int(round(max_swap_s * fps)))
    runs = []
    for i in range(1, t):
        for j in range(i + 1, min(t, i + max_len) + 1):
            total = gain[i] + (gain[j] if j < t else 0.0)
            if total > threshold and min(gain[i], gain[j] if j < t else 0.0) > -0.1 * threshold:
                runs.append((total, i, j))
    swapped = np.zeros(t, bool)
    for _, i, j in sorted(runs, reverse=True):
        if not swapped[max(0, i - 1):min(t, j + 1)].any():
            swapped[i:j] = True
    return swapped


def unswap_legs(swapped: np.ndarray, *arrays: np.ndarray) -> None:
    """Exchange the leg labels in place in the given frames of (T, 33[, k]) arrays."""
    for arr in arrays:
        sub = arr[swapped]
        left, right = sub[:, _L].copy(), sub[:, _R].copy()
        sub[:, _L], sub[:, _R] = right, left
        arr[swapped] = sub


def repair_leg_swaps(ev_track: PoseTrack, track: PoseTrack) -> tuple[PoseTrack, PoseTrack, int]:
    """Exchange back whole legs whose labels the pose model swapped (:func:`leg_swap_states`).

    ``ev_track`` is searched; the same frames are exchanged in ``track`` (the track the
    angles come from) unless it is the same object. Returns both and the frame count.
    """
    leg = leg_length_px(ev_track.xy, ev_track.visibility)
    swapped = leg_swap_states(ev_track.xy, leg, ev_track.fps) if np.isfinite(leg) else None
    if swapped is None or not swapped.any():
        return ev_track, track, 0
    same = track is ev_track
    ev_track = ev_track.copy()
    unswap_legs(swapped, ev_track.xy, ev_track.visibility, ev_track.z, ev_track.world)
    if same:
        return ev_track, ev_track, int(swapped.sum())
    track = track.copy()
    unswap_legs(swapped, track.xy, track.visibility, track.z, track.world)
    return ev_track, track, int(swapped.sum())


def bridge_leg_glitches(ev_track: PoseTrack, glitch_legs: float = 0.25) -> tuple[PoseTrack, int]:
    """Leg points far off their own path for a few frames, interpolated over.

    Glitches are ``glitch_legs`` leg lengths from their moving median of 0.05 s either
    side (:func:`gaitvision.signal.glitches`). A quarter leg: on exact
    joint paths (the rendered sample clips; the parametric runner at 30-240 fps) real
    motion comes within 0.12 leg lengths of it, and the feet are further apart than a
    quarter leg around contact, where a foot point jumping to the other foot matters.
    """
    leg = leg_length_px(ev_track.xy, ev_track.visibility)
    if not np.isfinite(leg):
        return ev_track, 0
    points = _L + _R
    return bridge_glitches(ev_track, points, glitch_legs * leg)


# ------------------------------------------------------------------ whole-leg identity
def _seg(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    return np.linalg.norm(xy[:, b] - xy[:, a], axis=1)


def _chain_cost(xy: np.ndarray, knees: tuple[int, int], med: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: summed and largest relative deviation of the thighs and shanks from
    their medians when the left and right legs use knees ``knees``."""
    devs = []
    for side, knee in zip(("left", "right"), knees):
        devs.append(np.abs(_seg(xy, HIP[side], knee) / med[("thigh", side)] - 1))
        devs.append(np.abs(_seg(xy, knee, ANKLE[side]) / med[("shank", side)] - 1))
    d = np.stack(devs, axis=1)
    return np.nansum(d, axis=1), np.nanmax(np.where(np.isfinite(d), d, 0.0), axis=1)


def _continuity_gain(xy: np.ndarray, points_l: list[int], points_r: list[int]) -> np.ndarray:
    """Per frame: how much exchanging these points' labels in that frame alone shortens
    their travel from the previous frame (positive: the exchange is more continuous)."""
    a, b = xy[:, points_l].reshape(len(xy), -1), xy[:, points_r].reshape(len(xy), -1)
    keep = np.linalg.norm(a[1:] - a[:-1], axis=1) + np.linalg.norm(b[1:] - b[:-1], axis=1)
    cross = np.linalg.norm(b[1:] - a[:-1], axis=1) + np.linalg.norm(a[1:] - b[:-1], axis=1)
    return np.concatenate([[0.0], np.nan_to_num(keep - cross)])


class MixedLegRelabeller:
    """Hip, knee, ankle, heel and toe of one leg labelled together (side view).

    The pose model can put one leg's knee with the other leg's ankle and foot: each
    landmark pair is then labelled right on its own, but the chain hip-knee-ankle joins
    the two legs, and the angles of that frame (knee flexion, tibia) are those of no
    leg. Bones keep their length: in such a frame the thighs and shanks are far from
    their lengths over the clip, and become normal when the knees are exchanged. Where
    exchanging the knees brings every thigh and shank within ``tol`` of its median,
    and lowers their summed deviation by at least ``margin``, the frame is relabelled:
    the knees are exchanged, or the ankle, heel and toe, whichever keeps the points on
    a more continuous path from the previous frame.

    Parameters
    ----------
    tol : float
        Largest relative segment-length deviation of an accepted relabelling.
    margin : float
        Least improvement of the summed relative deviation (four segments).
    """

    def __init__(self, tol: float = 0.25, margin: float = 0.4) -> None:
        self.tol = tol
        self.margin = margin

    def states(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Frames (bool, T) whose knees, and whose feet, are to be exchanged."""
        with np.errstate(invalid="ignore", divide="ignore"):
            med = {}
            for side in ("left", "right"):
                med[("thigh", side)] = np.nanmedian(_seg(xy, HIP[side], KNEE[side]))
                med[("shank", side)] = np.nanmedian(_seg(xy, KNEE[side], ANKLE[side]))
            cost0, worst0 = _chain_cost(xy, (KNEE["left"], KNEE["right"]), med)
            cost1, worst1 = _chain_cost(xy, (KNEE["right"], KNEE["left"]), med)
        mixed = (worst0 > self.tol) & (worst1 <= self.tol) & (cost1 < cost0 - self.margin)
        knee_gain = _continuity_gain(xy, [KNEE["left"]], [KNEE["right"]])
        foot_gain = _continuity_gain(xy, _L[1:], _R[1:])
        knees = mixed & (knee_gain >= foot_gain)
        return knees, mixed & ~knees

    def apply(self, track: PoseTrack) -> tuple[PoseTrack, int]:
        """A relabelled copy of ``track`` and the number of frames relabelled."""
        knees, feet = self.states(track.xy)
        n = int(knees.sum() + feet.sum())
        if n == 0:
            return track, 0
        out = track.copy()
        for arr in (out.xy, out.visibility, out.z, out.world):
            for mask, pts_l, pts_r in ((knees, [KNEE["left"]], [KNEE["right"]]),
                                       (feet, _L[1:], _R[1:])):
                sub = arr[mask]
                left, right = sub[:, pts_l].copy(), sub[:, pts_r].copy()
                sub[:, pts_l], sub[:, pts_r] = right, left
                arr[mask] = sub
        return out, n


# ------------------------------------------------------------------ crossing order
def step_period_frames(sep: np.ndarray, fps: float, min_s: float = 0.2,
                       max_s: float = 0.6) -> float:
    """The step period (frames) of a label-free signal that repeats once per step: the
    shortest lag of ``min_s`` to ``max_s`` (cadence 100-300 spm) whose autocorrelation
    peak is within 70 % of the highest."""
    x = np.asarray(sep, float)
    ok = np.isfinite(x)
    if ok.sum() < 3:
        return float("nan")
    x = np.where(ok, x - np.nanmean(x), 0.0)
    lags = np.arange(max(1, int(min_s * fps)), min(len(x) // 2, int(np.ceil(max_s * fps))) + 1)
    if lags.size == 0:
        return float("nan")
    ac = np.array([np.dot(x[:-lag], x[lag:]) / (ok[:-lag] & ok[lag:]).sum().clip(1)
                   for lag in lags])
    # a signal that repeats every step also repeats every stride: the shortest lag
    # whose peak is near the best one, not the best lag itself (an octave error)
    peaks = [i for i in range(len(ac)) if (i == 0 or ac[i] >= ac[i - 1])
             and (i == len(ac) - 1 or ac[i] >= ac[i + 1]) and ac[i] >= 0.7 * ac.max()]
    return float(lags[peaks[0]]) if peaks and ac.max() > 0 else float("nan")


class CrossingOrderLabeller:
    """Leg labels from the order in which the legs pass each other (side view, running).

    Seen side-on, the swing foot overtakes the stance foot once per step, and the swing
    knee the stance knee: between two such crossings one leg stays in front, and which
    leg is in front alternates from one step to the next (the legs' alternating phase).
    BlazePose tends to keep naming the front foot the same way through a crossing for
    a few frames (at speed, when the crossing takes two or three frames), and the
    pairwise repairs, which look for a jump, find none to undo: the labels change
    place through frames where the points collapse onto each other.

    Here, per unit (the knee; the foot: ankle, heel and toe), the crossings are found
    without the labels: the minima of the legs' horizontal separation, one per step
    period (the separation's own autocorrelation). In each step between two crossings
    the front leg is taken from the model's labels in that step and the ``neighbours``
    steps either side, each counted with the sign the alternation gives it, so one
    step the model labelled wrongly throughout is outvoted by the steps around it.
    Frames whose labels disagree with their step's order are exchanged; frames where
    the points are within ``near_legs`` leg lengths of each other in x are left as
    given (either labelling fits there), and so are those within ``guard_steps`` step
    periods of a crossing (whose frame the separation's minimum gives to a frame or so).
    Where the model puts both legs' points of a unit together far from any crossing
    (between the feet, or the far leg's on the near leg), neither labelling is right:
    those points are interpolated over from the frames either side.

    The step period is the feet's (their separation's autocorrelation), used for the
    knees too. Nothing is changed in a unit whose alternation is not clear: fewer than
    ``min_steps`` steps, fewer than ``min_agreement`` of them of regular length, or
    model labels that agree with the alternating order in fewer than
    ``min_agreement`` of the well separated frames (not a steady run, not side-on, or
    a leg hidden).

    Parameters
    ----------
    near_legs : float
        Horizontal separation (leg lengths) below which a frame is not relabelled.
    guard_steps : float
        Frames within this share of a step period of a crossing are not relabelled.
    neighbours : int
        Steps either side whose votes count.
    min_steps : int
        Least number of whole steps found.
    step_tol : float
        A step between crossings whose length is off the step period by more than this
        share is irregular (a crossing missed or a false one) and left as given.
    min_agreement : float
        Least share of regular steps, and of the separated frames in them whose model
        labels agree with the alternation.
    collapse_steps : float
        A unit's two points within ``near_legs`` of each other more than this share of a
        step period from any crossing have collapsed onto each other (the legs then
        are most of their largest separation apart); they are interpolated over.
    """

    def __init__(self, near_legs: float = 0.1, guard_steps: float = 0.1, neighbours: int = 2,
                 min_steps: int = 4, step_tol: float = 0.3, min_agreement: float = 0.8,
                 collapse_steps: float = 0.25) -> None:
        self.collapse_steps = collapse_steps
        self.step_tol = step_tol
        self.near_legs = near_legs
        self.guard_steps = guard_steps
        self.neighbours = neighbours
        self.min_steps = min_steps
        self.min_agreement = min_agreement

    def unit_states(self, left_x: np.ndarray, right_x: np.ndarray, leg_px: float,
                    period: float) -> tuple[np.ndarray, np.ndarray]:
        """Frames (bool, T) whose labels of one unit are to be exchanged, and frames
        where the unit's two points have collapsed onto each other away from a crossing
        (``period``: the step period in frames)."""
        t = len(left_x)
        dx = left_x - right_x
        sep = np.abs(dx)
        bounds = self._merge_short_steps(self._crossings(sep, period), period)
        steps = list(zip(bounds[1:-2], bounds[2:-1]))  # whole steps only
        regular = [abs((b - a) / period - 1) <= self.step_tol for a, b in steps]
        if len(steps) < self.min_steps or np.mean(regular) < self.min_agreement:
            return np.zeros(t, bool), np.zeros(t, bool)
        apart = np.isfinite(dx) & (sep > self.near_legs * leg_px)
        sign = np.where(apart, np.sign(dx), 0.0)
        votes = np.array([sign[a:b].sum() for a, b in steps])
        alt = (-1.0) ** np.arange(len(steps))
        expected = np.zeros(t)
        for i, (a, b) in enumerate(steps):
            lo, hi = max(0, i - self.neighbours), min(len(steps), i + self.neighbours + 1)
            pooled = np.sum(votes[lo:hi] * alt[lo:hi]) * alt[i]
            expected[a:b] = np.sign(pooled) if regular[i] else 0.0
        agree = (sign * expected > 0).sum() / max((sign * expected != 0).sum(), 1)
        if agree < self.min_agreement:
            return np.zeros(t, bool), np.zeros(t, bool)
        guard = max(1, int(round(self.guard_steps * period)))
        for b in bounds[1:-1]:  # the crossing's frame is known to a frame or two
            expected[max(0, b - guard):b + guard + 1] = 0.0
        far = np.ones(t, bool)  # far from any crossing: the legs must be well apart
        reach = int(round(self.collapse_steps * period))
        for b in bounds[1:-1]:
            far[max(0, b - reach):b + reach + 1] = False
        collapsed = far & (expected != 0) & np.isfinite(dx) & ~apart
        return sign * expected < 0, collapsed

    def _merge_short_steps(self, bounds: list[int], period: float) -> list[int]:
        """Drop false crossings: one that splits a step into two short ones, which
        together last about a step period (points collapsing together mid-step)."""
        bounds = list(bounds)
        k = 2
        while k < len(bounds) - 2:
            a, b, c = bounds[k - 1], bounds[k], bounds[k + 1]
            short = min(b - a, c - b) < (1 - self.step_tol) * period
            if short and abs((c - a) / period - 1) <= self.step_tol:
                del bounds[k]
            else:
                k += 1
        return bounds

    @staticmethod
    def _crossings(sep: np.ndarray, period: float) -> list[int]:
        """Frames where the legs pass each other: minima of the (3-frame median)
        separation over +-0.35 step periods, with the clip's ends as outer bounds."""
        from scipy.ndimage import median_filter

        filled = np.where(np.isfinite(sep), sep, np.nanmax(sep))
        smooth = median_filter(filled, size=3, mode="nearest")
        half = max(1, int(round(0.35 * period)))
        out = []
        for k in range(len(smooth)):
            lo, hi = max(0, k - half), min(len(smooth), k + half + 1)
            if smooth[k] == smooth[lo:hi].min() and (not out or k - out[-1] > half):
                out.append(k)
        return [0] + [k for k in out if 0 < k < len(sep)] + [len(sep)]

    def apply(self, track: PoseTrack) -> tuple[PoseTrack, int, int]:
        """A relabelled copy of ``track``, the number of frames with a unit exchanged,
        and of frames with a unit's collapsed points interpolated over (x, y)."""
        leg = leg_length_px(track.xy, track.visibility)
        if not np.isfinite(leg):
            return track, 0, 0
        units = []
        for pts_l, pts_r in ((_L[1:], _R[1:]), ([KNEE["left"]], [KNEE["right"]])):
            with np.errstate(invalid="ignore"):
                units.append((np.nanmean(track.xy[:, pts_l, 0], axis=1),
                              np.nanmean(track.xy[:, pts_r, 0], axis=1), pts_l, pts_r))
        period = step_period_frames(np.abs(units[0][0] - units[0][1]), track.fps)
        if not np.isfinite(period):
            return track, 0, 0
        states = [self.unit_states(lx, rx, leg, period) for lx, rx, _, _ in units]
        exchange = [ex & track.detected for ex, _ in states]
        collapsed = [co & track.detected for _, co in states]
        n = int(np.logical_or(*exchange).sum())
        n_collapsed = int(np.logical_or(*collapsed).sum())
        if n == 0 and n_collapsed == 0:
            return track, 0, 0
        out = track.copy()
        for ex, co, (_, _, pts_l, pts_r) in zip(exchange, collapsed, units):
            for arr in (out.xy, out.visibility, out.z, out.world):
                sub = arr[ex]
                left, right = sub[:, pts_l].copy(), sub[:, pts_r].copy()
                sub[:, pts_l], sub[:, pts_r] = right, left
                arr[ex] = sub
            _interpolate_over(out.xy, co, pts_l + pts_r)
        return out, n, n_collapsed


def _interpolate_over(xy: np.ndarray, bad: np.ndarray, points: list[int]) -> None:
    """Points' x and y in the ``bad`` frames, interpolated in place from the other frames."""
    idx = np.flatnonzero(bad)
    for j in points:
        good = np.flatnonzero(~bad & np.isfinite(xy[:, j, 0]))
        if idx.size == 0 or len(good) < 2:
            continue
        for c in range(2):
            xy[idx, j, c] = np.interp(idx, good, xy[good, j, c])

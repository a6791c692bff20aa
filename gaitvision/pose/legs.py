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

from dataclasses import dataclass

import numpy as np

from gaitvision.landmarks import ANKLE, HEEL, HIP, KNEE, TOE, leg_length_px
from gaitvision.pose.cleaning import bridge_glitches
from gaitvision.pose.track import PoseTrack
from gaitvision.signal import quiet_nan_warnings

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


@dataclass
class NearLegEvidence:
    """One bit of leg identity and how sure it is (:class:`NearLegBySize`).

    ``sign`` is +1 when leg ``a`` is the near leg, -1 when leg ``b`` is, 0 when the
    cue abstained; ``log_ratio`` the mean over strides of log(thigh a / thigh b) in
    the image, ``se`` its standard error, ``z`` their ratio, ``n_strides`` the strides
    measured, ``note`` why it decided or abstained.
    """

    sign: int
    log_ratio: float = float("nan")
    se: float = float("nan")
    z: float = float("nan")
    n_strides: int = 0
    note: str = ""


class NearLegBySize:
    """Which of two legs is the near one (nearer the camera), from the thighs' image length.

    Seen side-on, the leg on the camera's side is nearer the camera than the far leg by
    about the width between the knees (their mediolateral distance), so it is drawn
    larger by the pinhole's ratio of depths, (D + w/2) / (D - w/2) ~ 1 + w/D: about
    4 % for knees 0.15-0.2 m apart at 4 m, 2 % at 8 m. The thigh (the point between both
    hips to the knee; side-on the two hips nearly coincide in the image, and their labels
    carry no identity either) is taken: the shanks converge towards the midline,
    their ends' depths differ less and their image lengths barely differ.

    Thigh lengths are compared per step between two crossings of the knees (the legs'
    alternating order fixed, their identity not), as the log ratio of the two legs'
    median lengths in the step. A step's front and back thigh differ for reasons other
    than depth (hip flexion foreshortens the thigh a little, the model may draw the
    front one longer), and the legs take turns in front, so two consecutive steps (a
    stride) are averaged before the clip's mean and its standard error over strides are
    taken. The cue decides only when the mean is at least ``min_log_ratio`` and at least
    ``min_z`` standard errors from zero over at least ``min_strides`` strides; otherwise
    it abstains and the labels are left as they are.

    Parameters
    ----------
    min_strides : int
        Least number of strides measured.
    min_z : float
        Least |mean| / standard error of the per-stride log ratio.
    min_log_ratio : float
        Least |mean log ratio| (0.01: one leg 1 % larger), below the perspective
        ratio of any side-on camera within 10 m.
    """

    def __init__(self, min_strides: int = 3, min_z: float = 3.0,
                 min_log_ratio: float = 0.01) -> None:
        self.min_strides = min_strides
        self.min_z = min_z
        self.min_log_ratio = min_log_ratio

    def decide(self, hip: np.ndarray, knee_a: np.ndarray, knee_b: np.ndarray,
               steps: list[tuple[int, int]], keep: np.ndarray) -> NearLegEvidence:
        """Is ``knee_a``'s leg (+1) or ``knee_b``'s (-1) the near one, or neither (0)?

        ``hip``, ``knee_a``, ``knee_b``: (T, 2) pixels, the knees' alternating order
        fixed; ``steps``: (start, end) frames of the regular steps between crossings;
        ``keep``: frames labelled firmly (away from the crossings)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            ta = np.linalg.norm(knee_a - hip, axis=1)
            tb = np.linalg.norm(knee_b - hip, axis=1)
            per_step = []
            for a, b in steps:
                ok = keep[a:b] & np.isfinite(ta[a:b]) & np.isfinite(tb[a:b])
                per_step.append((a, b, np.log(np.median(ta[a:b][ok]) / np.median(tb[a:b][ok]))
                                 if ok.sum() >= 3 else np.nan))
        strides = _consecutive_pairs(per_step)
        n = len(strides)
        if n < self.min_strides:
            return NearLegEvidence(0, n_strides=n, note=f"only {n} strides measured")
        mean = float(np.mean(strides))
        se = float(np.std(strides, ddof=1) / np.sqrt(n))
        z = mean / se if se > 0 else float("inf") * np.sign(mean)
        ev = NearLegEvidence(0, mean, se, float(z), n)
        if abs(mean) < self.min_log_ratio or abs(z) < self.min_z:
            ev.note = (f"thighs differ by {100 * mean:+.1f} % +- {100 * se:.1f} over {n} "
                       "strides: too little to tell the near leg")
            return ev
        ev.sign = 1 if mean > 0 else -1
        ev.note = (f"one thigh {100 * abs(mean):.1f} % +- {100 * se:.1f} longer over {n} "
                   "strides: taken as the near leg")
        return ev


def _consecutive_pairs(per_step: list[tuple[int, int, float]]) -> list[float]:
    """Means of non-overlapping pairs of consecutive steps (one's end is the next's start),
    given as (start, end, value)."""
    out, k = [], 0
    while k + 1 < len(per_step):
        (_, end0, v0), (start1, _, v1) = per_step[k], per_step[k + 1]
        if end0 == start1 and np.isfinite(v0) and np.isfinite(v1):
            out.append((v0 + v1) / 2)
            k += 2
        else:
            k += 1
    return out


@dataclass
class _UnitOrder:
    """One unit's alternation: its crossings, regular steps, the sign of the labelled
    points' order per frame (0 where they are close), the alternating order with step 0
    given to the left leg (``alternation``), and the order voted by the model's labels."""

    bounds: list[int]
    steps: list[tuple[int, int]]
    regular: list[bool]
    sign: np.ndarray
    apart: np.ndarray
    finite: np.ndarray
    alternation: np.ndarray
    voted: np.ndarray
    agreement: float
    identity_share: float

    def settled(self, min_agreement: float) -> bool:
        """Do the model's labels settle the order: they agree with the order their own
        votes give, and keep one identity (one of the two alternations) over the clip?
        Labels that name the front leg the same in every step agree with their votes
        (a pooled vote then flips with the alternation) but with neither alternation."""
        return self.agreement >= min_agreement and self.identity_share >= min_agreement


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
    ``min_steps`` steps, or fewer than ``min_agreement`` of them of regular length.

    **Identity when the model's labels carry none.** Where the model's labels agree
    with the alternating order in fewer than ``min_agreement`` of the well separated
    frames (at speed BlazePose can call the *front* foot "left" in almost every frame),
    the alternation says *that* the legs exchange places each step but not *which* is
    the left. That bit is then taken from evidence that does not come from the labels:

    * a unit whose order is free is tied to the other unit, when that one's order
      is settled, by the shank: the knee and the ankle of one leg stay a shank length
      apart, a knee and the other leg's ankle do not (the relative spread of the
      knee-ankle distances under the two pairings, the better at most ``link_spread``
      and the other at least ``link_ratio`` times larger);
    * when both are free, the knees' order is tied to near/far by ``near_leg``
      (:class:`NearLegBySize`: the near thigh is drawn larger), and the feet to the
      knees by the shank. The near leg is the runner's right when the runner faces image
      right (the camera films the right side) and the left when facing image left: this
      holds for a video that is **not mirrored** (a front-camera "selfie" recording that
      the phone mirrors would give the other side).

    Where the cue abstains (too little difference, too few strides) or the facing
    direction is unknown, the unit is left as given, as before. ``identity`` holds the
    last decision of :meth:`apply` (None when no unit needed one).

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
        labels agree with the alternation for the labels to settle the order.
    collapse_steps : float
        A unit's two points within ``near_legs`` of each other more than this share of a
        step period from any crossing have collapsed onto each other (the legs then
        are most of their largest separation apart); they are interpolated over.
    near_leg : NearLegBySize or None
        The identity cue for units whose model labels carry no identity; None: such
        units are left as given.
    link_spread, link_ratio : float
        Shank test tying one unit's order to the other's (see above).
    """

    def __init__(self, near_legs: float = 0.1, guard_steps: float = 0.1, neighbours: int = 2,
                 min_steps: int = 4, step_tol: float = 0.3, min_agreement: float = 0.8,
                 collapse_steps: float = 0.25, near_leg: NearLegBySize | None = None,
                 link_spread: float = 0.15, link_ratio: float = 2.0) -> None:
        self.collapse_steps = collapse_steps
        self.step_tol = step_tol
        self.near_legs = near_legs
        self.guard_steps = guard_steps
        self.neighbours = neighbours
        self.min_steps = min_steps
        self.min_agreement = min_agreement
        self.near_leg = near_leg if near_leg is not None else NearLegBySize()
        self.link_spread = link_spread
        self.link_ratio = link_ratio
        self.identity: NearLegEvidence | None = None

    def unit_order(self, left_x: np.ndarray, right_x: np.ndarray, leg_px: float,
                   period: float) -> _UnitOrder | None:
        """One unit's alternation and the order the model's labels vote for (None: the
        alternation is not clear)."""
        dx = left_x - right_x
        sep = np.abs(dx)
        bounds = self._merge_short_steps(self._crossings(sep, period), period)
        steps = list(zip(bounds[1:-2], bounds[2:-1]))  # whole steps only
        regular = [abs((b - a) / period - 1) <= self.step_tol for a, b in steps]
        if len(steps) < self.min_steps or np.mean(regular) < self.min_agreement:
            return None
        finite = np.isfinite(dx)
        apart = finite & (sep > self.near_legs * leg_px)
        sign = np.where(apart, np.sign(dx), 0.0)
        votes = np.array([sign[a:b].sum() for a, b in steps])
        alt = (-1.0) ** np.arange(len(steps))
        voted, alternation = np.zeros(len(dx)), np.zeros(len(dx))
        for i, (a, b) in enumerate(steps):
            lo, hi = max(0, i - self.neighbours), min(len(steps), i + self.neighbours + 1)
            pooled = np.sum(votes[lo:hi] * alt[lo:hi]) * alt[i]
            voted[a:b] = np.sign(pooled) if regular[i] else 0.0
            alternation[a:b] = alt[i] if regular[i] else 0.0
        # the clip's partial first and last steps continue the alternation (when no
        # crossing can be missing from them)
        longest = (1 + self.step_tol) * period
        if bounds[1] - bounds[0] <= longest:
            alternation[bounds[0]:bounds[1]] = -1.0
        if bounds[-1] - bounds[-2] <= longest:
            alternation[bounds[-2]:bounds[-1]] = (-1.0) ** len(steps)
        agree = (sign * voted > 0).sum() / max((sign * voted != 0).sum(), 1)
        with_alt = (sign * alternation > 0).sum() / max((sign * alternation != 0).sum(), 1)
        return _UnitOrder(bounds, steps, regular, sign, apart, finite, alternation, voted,
                          float(agree), float(max(with_alt, 1 - with_alt)))

    def order_states(self, order: _UnitOrder, expected: np.ndarray, period: float,
                     guard: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Frames whose labels disagree with ``expected`` (the sign of left - right x per
        frame, 0: no opinion), off the crossings unless ``guard`` is False, and frames
        whose points collapsed."""
        expected = expected.copy()
        if guard:
            g = max(1, int(round(self.guard_steps * period)))
            for b in order.bounds[1:-1]:  # the crossing's frame is known to a frame or two
                expected[max(0, b - g):b + g + 1] = 0.0
        far = np.ones(len(expected), bool)  # far from any crossing: the legs must be well apart
        reach = int(round(self.collapse_steps * period))
        for b in order.bounds[1:-1]:
            far[max(0, b - reach):b + reach + 1] = False
        collapsed = far & (expected != 0) & order.finite & ~order.apart
        return order.sign * expected < 0, collapsed

    def unit_states(self, left_x: np.ndarray, right_x: np.ndarray, leg_px: float,
                    period: float) -> tuple[np.ndarray, np.ndarray]:
        """Frames (bool, T) whose labels of one unit are to be exchanged by the model's
        voted order, and frames where the unit's two points have collapsed onto each
        other away from a crossing (``period``: the step period in frames)."""
        t = len(left_x)
        order = self.unit_order(left_x, right_x, leg_px, period)
        if order is None or not order.settled(self.min_agreement):
            return np.zeros(t, bool), np.zeros(t, bool)
        return self.order_states(order, order.voted, period)

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

    def apply(self, track: PoseTrack, facing: str | None = None) -> tuple[PoseTrack, int, int]:
        """A relabelled copy of ``track``, the number of frames with a unit exchanged,
        and of frames with a unit's collapsed points interpolated over (x, y).

        ``facing``: the way the runner faces in the image ("left"/"right"; default the
        track's side-view direction), which names the near leg for the identity cue."""
        self.identity = None
        leg = leg_length_px(track.xy, track.visibility)
        if not np.isfinite(leg):
            return track, 0, 0
        units = []
        for pts_l, pts_r in ((_L[1:], _R[1:]), ([KNEE["left"]], [KNEE["right"]])):
            with quiet_nan_warnings():
                units.append((np.nanmean(track.xy[:, pts_l, 0], axis=1),
                              np.nanmean(track.xy[:, pts_r, 0], axis=1), pts_l, pts_r))
        period = step_period_frames(np.abs(units[0][0] - units[0][1]), track.fps)
        if not np.isfinite(period):
            return track, 0, 0
        orders = [self.unit_order(lx, rx, leg, period) for lx, rx, _, _ in units]
        if facing is None and track.view is not None and track.view.view == "side":
            facing = track.view.direction
        expected, free = self._expected_orders(track.xy, orders, period, facing)
        states = [self.order_states(o, e, period, guard=not f) if e is not None
                  else (np.zeros(track.n_frames, bool),) * 2
                  for o, e, f in zip(orders, expected, free)]
        exchange = [ex & track.detected for ex, _ in states]
        collapsed = [co & track.detected for _, co in states]
        n_collapsed = int(np.logical_or(*collapsed).sum())
        if not any(ex.any() for ex in exchange) and n_collapsed == 0:
            return track, 0, 0
        out = track.copy()
        for k, (ex, co, (_, _, pts_l, pts_r)) in enumerate(zip(exchange, collapsed, units)):
            for arr in (out.xy, out.visibility, out.z, out.world):
                _exchange(arr, ex, pts_l, pts_r)
            if free[k] and expected[k] is not None:
                # the model's labels carry no identity: where the points are too close
                # for the order to tell, the labels follow the points' own paths
                close = (expected[k] != 0) & ~orders[k].apart & ~co & track.detected
                exchange[k] = exchange[k] | _follow_paths(out, close, pts_l, pts_r)
            _interpolate_over(out.xy, co, pts_l + pts_r)
        return out, int(np.logical_or(*exchange).sum()), n_collapsed

    def identity_check(self, track: PoseTrack, facing: str) -> tuple[NearLegEvidence, int]:
        """The near-leg cue asked on a track whatever its labels' agreement, and how the
        model's labels stand against it: +1 they agree, -1 the cue would exchange them,
        0 the cue abstains or the knees' labels settle no order (a check, not a repair)."""
        leg = leg_length_px(track.xy, track.visibility)
        with quiet_nan_warnings():
            fl = np.nanmean(track.xy[:, _L[1:], 0], axis=1)
            fr = np.nanmean(track.xy[:, _R[1:], 0], axis=1)
        period = step_period_frames(np.abs(fl - fr), track.fps)
        if not (np.isfinite(leg) and np.isfinite(period)):
            return NearLegEvidence(0, note="no leg length or step period"), 0
        knees = self.unit_order(track.xy[:, KNEE["left"], 0], track.xy[:, KNEE["right"], 0],
                                leg, period)
        if knees is None:
            return NearLegEvidence(0, note="the knees' alternation is not clear"), 0
        ev = self._knees_near_leg(track.xy, knees, period, facing)
        if not knees.settled(self.min_agreement) or ev.sign == 0:
            return ev, 0
        model = np.sign(np.sum(knees.voted * knees.alternation))
        return ev, int(ev.sign * model)

    def _expected_orders(self, xy: np.ndarray, orders: list[_UnitOrder | None],
                         period: float, facing: str | None
                         ) -> tuple[list[np.ndarray | None], list[bool]]:
        """Per unit (feet, knees): the order its labels are to follow, or None (as given),
        and whether the model's labels carried no identity (the order is the cue's).

        Units whose model labels settle the order get the voted order; the others get
        the alternation with its identity bit from the other unit (shank) or the near
        leg (:class:`NearLegBySize`), or None when no cue is clear."""
        settled = [o is not None and o.settled(self.min_agreement) for o in orders]
        out = [o.voted if ok else None for o, ok in zip(orders, settled)]
        free = [o is not None and not ok for o, ok in zip(orders, settled)]
        was_free = list(free)
        if not any(free):
            return out, was_free
        feet, knees = orders
        if free[0] and free[1]:
            if facing not in ("left", "right"):
                self.identity = NearLegEvidence(0, note="facing direction unknown")
                return out, was_free
            self.identity = self._knees_near_leg(xy, knees, period, facing)
            if self.identity.sign == 0:
                return out, was_free
            out[1] = knees.alternation * self.identity.sign
            free[1] = False
        if free[0] and out[1] is not None:
            bit = self._shank_link(xy, feet, knees, out[1], period, free_is_feet=True)
            out[0] = feet.alternation * bit if bit else None
        elif free[1] and out[0] is not None:
            bit = self._shank_link(xy, knees, feet, out[0], period, free_is_feet=False)
            out[1] = knees.alternation * bit if bit else None
        return out, was_free

    def _knees_near_leg(self, xy: np.ndarray, knees: _UnitOrder, period: float,
                        facing: str) -> NearLegEvidence:
        """The knees' alternation tied to near/far: sign +1 when the alternation as it is
        (step 0's front knee labelled left) puts the near leg's label on the larger thigh."""
        knee_xy = _relabelled(xy, self.order_states(knees, knees.alternation, period)[0],
                              [KNEE["left"]], [KNEE["right"]])
        firm = self._firm(knees, knees.alternation, period) & knees.apart
        with quiet_nan_warnings():
            hip = np.nanmean(xy[:, [HIP["left"], HIP["right"]]], axis=1)
        near = facing  # non-mirrored video: the camera films the side the runner faces
        far = "left" if near == "right" else "right"
        steps = [s for s, r in zip(knees.steps, knees.regular) if r]
        return self.near_leg.decide(hip, knee_xy[:, KNEE[near]], knee_xy[:, KNEE[far]],
                                    steps, firm)

    def _firm(self, order: _UnitOrder, expected: np.ndarray, period: float) -> np.ndarray:
        """Frames a unit's ``expected`` order labels firmly: in a regular step, off the
        crossings' guard."""
        firm = expected != 0
        guard = max(1, int(round(self.guard_steps * period)))
        for b in order.bounds[1:-1]:
            firm[max(0, b - guard):b + guard + 1] = False
        return firm

    def _shank_link(self, xy: np.ndarray, free: _UnitOrder, other: _UnitOrder,
                    other_expected: np.ndarray, period: float, free_is_feet: bool) -> int:
        """+1 / -1: the free unit's alternation as it is / reversed keeps each knee a
        steady shank length from its own ankle; 0: not clear."""
        feet_pts, knee_pts = (_L[1:], _R[1:]), ([KNEE["left"]], [KNEE["right"]])
        mine, others = (feet_pts, knee_pts) if free_is_feet else (knee_pts, feet_pts)
        fixed = _relabelled(xy, self.order_states(other, other_expected, period)[0], *others)
        fixed = _relabelled(fixed, self.order_states(free, free.alternation, period)[0], *mine)
        firm = (self._firm(free, free.alternation, period) & free.apart
                & self._firm(other, other_expected, period) & other.apart)
        spreads = []
        for knees in ((KNEE["left"], KNEE["right"]), (KNEE["right"], KNEE["left"])):
            with np.errstate(invalid="ignore"):
                d = np.concatenate([
                    np.linalg.norm(fixed[firm, knees[0]] - fixed[firm, ANKLE["left"]], axis=1),
                    np.linalg.norm(fixed[firm, knees[1]] - fixed[firm, ANKLE["right"]], axis=1)])
            d = d[np.isfinite(d)]
            med = np.median(d) if d.size else np.nan
            spreads.append(np.median(np.abs(d - med)) / med if d.size >= 10 else np.nan)
        same, crossed = spreads
        if not (np.isfinite(same) and np.isfinite(crossed)):
            return 0
        best, worst = min(same, crossed), max(same, crossed)
        if best > self.link_spread or worst < self.link_ratio * best:
            return 0
        # "same": the free unit as relabelled by its alternation pairs with the other
        return 1 if same < crossed else -1


def _follow_paths(track: PoseTrack, frames: np.ndarray, pts_l: list[int],
                  pts_r: list[int]) -> np.ndarray:
    """Exchange, in place and in time order, the labels of these points in those of
    ``frames`` where the exchanged labels travel less from the frame before; the
    frames exchanged (bool)."""
    done = np.zeros(len(frames), bool)
    xy = track.xy
    for k in np.flatnonzero(frames):
        if k == 0:
            continue
        a0, b0 = xy[k - 1, pts_l], xy[k - 1, pts_r]
        a1, b1 = xy[k, pts_l], xy[k, pts_r]
        keep = np.nansum(np.linalg.norm(a1 - a0, axis=-1) + np.linalg.norm(b1 - b0, axis=-1))
        swap = np.nansum(np.linalg.norm(b1 - a0, axis=-1) + np.linalg.norm(a1 - b0, axis=-1))
        if swap < keep:
            for arr in (track.xy, track.visibility, track.z, track.world):
                _exchange(arr, np.arange(len(frames)) == k, pts_l, pts_r)
            done[k] = True
    return done


def _relabelled(xy: np.ndarray, exchange: np.ndarray, pts_l: list[int],
                pts_r: list[int]) -> np.ndarray:
    """A copy of ``xy`` with the points' labels exchanged in the ``exchange`` frames."""
    out = xy.copy()
    _exchange(out, exchange, pts_l, pts_r)
    return out


def _exchange(arr: np.ndarray, frames: np.ndarray, pts_l: list[int], pts_r: list[int]) -> None:
    """Exchange, in place, the labels of these points in these frames of a (T, 33[, k]) array."""
    sub = arr[frames]
    left, right = sub[:, pts_l].copy(), sub[:, pts_r].copy()
    sub[:, pts_l], sub[:, pts_r] = right, left
    arr[frames] = sub


def _interpolate_over(xy: np.ndarray, bad: np.ndarray, points: list[int]) -> None:
    """Points' x and y in the ``bad`` frames, interpolated in place from the other frames."""
    idx = np.flatnonzero(bad)
    for j in points:
        good = np.flatnonzero(~bad & np.isfinite(xy[:, j, 0]))
        if idx.size == 0 or len(good) < 2:
            continue
        for c in range(2):
            xy[idx, j, c] = np.interp(idx, good, xy[good, j, c])

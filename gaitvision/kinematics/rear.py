"""Rear-view (frontal) metrics of each stride, and the camera's roll.

Definitions follow ``docs/metrics.md`` ("Rear and front view (frontal)"):

- contralateral pelvic drop: the hip line vs horizontal at its deepest in each stance,
  + when the swing side is lower, keyed by the stance side (Bramah 2018; 2D
  reliability and smallest detectable difference, Dingenen 2018);
- arm crossover: how far each wrist passes the body midline (the mid-hip ->
  mid-shoulder line), peak per stride, in shoulder widths, + when it crosses, keyed
  by arm; and whether it crossed at all (no validated norm: descriptive). From the
  front the wrist is placed back from the hand's knuckles (:func:`hand_backed_wrists`:
  the pose model slides a wrist in front of the shirt toward the elbow);
- foot placement at IC: the ankle's lateral distance from the mid-hip, in leg lengths,
  + on its own side, negative when the foot lands across the midline (cross-over
  gait; Iskandar 2023, Souza 2016).

A rolled camera tilts the hip line by the roll angle and so biases pelvic drop
directly. With no standing trial or deck edge to level against, the roll is taken
from the trunk's mean frontal-plane axis over whole strides, which is vertical for a
runner who does not lean to one side on average; it is undone before measuring and
reported, and a large value is flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaitvision.kinematics.geometry import BodyFrame
from gaitvision.kinematics.sequence import Stride
from gaitvision.kinematics.side import timing
from gaitvision.landmarks import ELBOW, HIP, SHOULDER, WRIST
from gaitvision.signal import at, peak

#: Fewest measured frame steps (fraction) for the image's pelvic motion to be used.
MIN_IMAGE_COVERAGE = 0.8

#: Roll above which the camera is reported as tilted (deg).
TILT_DEG = 2.0
#: BlazePose visibility (its estimate of the chance the point is in view) below which a
#: wrist counts as hidden.
SEEN = 0.5


def camera_roll(times: np.ndarray, xy: np.ndarray, strides: list[Stride]) -> float:
    """Camera roll (deg, counter-clockwise on screen) from the trunk axis in image pixels.

    Mean over whole strides of the mid-hip -> mid-shoulder direction's tilt from image
    vertical; NaN when there is no stride.
    """
    hip = (xy[:, HIP["left"]] + xy[:, HIP["right"]]) / 2
    sh = (xy[:, SHOULDER["left"]] + xy[:, SHOULDER["right"]]) / 2
    d = sh - hip
    tilt = np.degrees(np.arctan2(d[:, 0], -d[:, 1]))  # image y down: up is -y; top right = +
    vals = []
    for s in strides:
        sel = (times >= s.stance.ic) & (times < s.end) & np.isfinite(tilt)
        if sel.any():
            vals.append(float(np.mean(tilt[sel])))
    # a counter-clockwise roll moves the top of a vertical line to the left: tilt = -roll
    return -float(np.median(vals)) if vals else float("nan")


def stride_metrics(bf: BodyFrame, series: dict[str, np.ndarray], s: Stride,
                   wrists_in_front: bool = False) -> dict[str, float]:
    """Every rear-view metric of one stride (keyed by its foot, which is also the arm).

    Arm crossover is a value (``arm_crossover_shoulder_widths``) only where the wrist was
    seen at its innermost point; every stride with a value or a bound also gives the range
    its crossover lies in (``arm_crossover_at_least_shoulder_widths`` /
    ``..._at_most_...``: both the value where it is seen), and hidden wrists the forearm's
    reach (``arm_crossover_reach_shoulder_widths``, an estimate with a stated assumption,
    not a bound); see :func:`arm_crossover` (``wrists_in_front``: the front view).
    """
    t, f = bf.t, s.foot
    ic, to = s.stance.ic, s.stance.to
    out = timing(s)
    drop = drop_series(series, f)
    out["pelvic_drop_peak_deg"] = peak(t, drop, ic, to)
    arm = arm_crossover(bf, series, s, wrists_in_front)
    out["arm_crossover_shoulder_widths"] = arm.value
    out["arm_crossover_at_least_shoulder_widths"] = arm.lower
    out["arm_crossover_at_most_shoulder_widths"] = arm.upper
    out["arm_crossover_reach_shoulder_widths"] = arm.reach
    out["arm_crossover_strides_pct"] = arm.crossed_pct
    out["step_width_leg_lengths"] = at(t, series[f"foot_offset_ll.{f}"], ic)
    return out


@dataclass
class ArmCrossover:
    """One stride's arm crossover (shoulder widths): a value, or bounds, or nothing.

    ``source`` is "seen" (``value`` set), "bounds" (``at_least`` set; ``at_most`` where
    every hidden wrist's elbow was seen and the forearm's length is known; ``reach``
    where every hidden wrist could be placed) or "none".
    """

    value: float = float("nan")
    at_least: float = float("nan")
    at_most: float = float("nan")
    reach: float = float("nan")
    source: str = "none"

    @property
    def lower(self) -> float:
        """The crossover is at least this: the value where seen, else ``at_least``."""
        return self.value if np.isfinite(self.value) else self.at_least

    @property
    def upper(self) -> float:
        """The crossover is at most this: the value where seen, else ``at_most``."""
        return self.value if np.isfinite(self.value) else self.at_most

    @property
    def crossed_pct(self) -> float:
        """100 if the wrist crossed the midline, 0 if it did not, NaN if unknown."""
        if np.isfinite(self.value):
            return 100.0 * (self.value > 0)
        if self.at_least > 0:
            return 100.0
        if self.at_most <= 0:
            return 0.0
        return float("nan")


def arm_crossover(bf: BodyFrame, series: dict[str, np.ndarray], s: Stride,
                  wrists_in_front: bool = False) -> ArmCrossover:
    """The stride's arm at its innermost (IC to the next IC of the arm's foot).

    A seen wrist gives its position past the midline. A hidden wrist (from behind: in
    front of the torso) is bounded by its seen elbow and the forearm's length ``L``
    (:class:`gaitvision.evidence.forearm.ForearmReach`): at least about as far in as the
    elbow, and at most ``L`` from it in the image (foreshortening only shortens), i.e.
    no farther in than the elbow moved ``L`` toward the midline (series
    ``wrist_offset_most_sw``). The forearm's reach from the elbow along the pose model's
    direction (series ``wrist_offset_forearm_sw``; unknown where that direction is not
    trusted) is where the wrist would be if the forearm lay in the image plane. The
    stride has a value when the innermost seen wrist is farther in than every hidden
    wrist can be (its upper bound); otherwise
    ``at_least`` (the innermost seen wrist or hidden wrist's elbow), ``at_most`` (the
    innermost seen wrist or hidden wrist's farthest point; NaN where a hidden wrist's
    elbow is unseen or ``L`` unknown) and ``reach``. The reach is neither a value nor a
    bound: on rendered runners whose forearm crosses the body in the image plane it was
    within 0.05 of the truth but below it on 40 % of strides, and where the forearm
    points forward it put the wrist 0.13-0.17 too far in, past the midline of runners
    who do not cross (``docs/pelvis-arms-front.md``).

    From the front (``wrists_in_front``) a crossing wrist is in front of the torso and
    nothing hides it: every frame with a keypoint counts as seen, whatever the pose
    model's visibility (which drops over a patterned shirt: on a rendered front runner
    it left 9 of 13 strides with bounds, the lower one above the truth on 7).
    """
    arm = s.foot
    sel = (bf.t >= s.stance.ic) & (bf.t <= s.end)
    kp = series[f"wrist_offset_sw.{arm}"]
    if wrists_in_front:
        seen = sel & np.isfinite(kp)
        return ArmCrossover(value=float(np.max(kp[seen])), source="seen") if seen.any() \
            else ArmCrossover()
    reach = forearm_offsets(bf, series)[arm]
    most = series[f"wrist_offset_most_sw.{arm}"]
    elbow = series[f"elbow_offset_sw.{arm}"]
    seen = sel & (bf.vis[:, WRIST[arm]] >= SEEN) & np.isfinite(kp)
    hidden = sel & ~seen
    best_seen = float(np.max(kp[seen])) if seen.any() else -np.inf
    if not hidden.any():
        return ArmCrossover(value=best_seen, source="seen") if seen.any() else ArmCrossover()
    upper = _innermost(best_seen, most[hidden])
    far = _innermost(best_seen, reach[hidden])
    if seen.any() and upper <= best_seen:  # no hidden wrist can be farther in
        return ArmCrossover(value=best_seen, source="seen")
    elbows = elbow[hidden & (bf.vis[:, ELBOW[arm]] >= SEEN)]
    least = max(best_seen, float(np.nanmax(elbows)) if np.isfinite(elbows).any() else -np.inf)
    if not np.isfinite(least):
        return ArmCrossover()
    return ArmCrossover(at_least=least, at_most=upper if np.isfinite(upper) else float("nan"),
                        reach=far if np.isfinite(far) else float("nan"), source="bounds")


#: Per-stride arm crossover bounds, summarised beside the value only where they add to it.
CROSSOVER_BOUNDS = ("arm_crossover_at_least_shoulder_widths",
                    "arm_crossover_at_most_shoulder_widths")


def tidy_crossover_bounds(summary: dict) -> None:
    """The arm crossover bounds' summaries, as a coach should read them (in place).

    Where every stride had a value (the wrist seen at its innermost, as from the front)
    they would repeat it, and are removed. Otherwise a bound has no left-right asymmetry
    (the difference of two bounds says nothing about the arms), and one finding gives
    the range (on the upper bound's summary; the lower bound's finding is left empty so
    that the two do not fill the report's findings)."""
    value = summary.get("arm_crossover_shoulder_widths")
    for name in CROSSOVER_BOUNDS:
        bound = summary.get(name)
        if bound is not None and value is not None and all(
                _same_stats(getattr(bound, side), getattr(value, side))
                for side in ("left", "right", "both")):
            del summary[name]
    least, most = (summary.get(n) for n in CROSSOVER_BOUNDS)
    for bound in (least, most):
        if bound is not None:
            bound.asymmetry = None
    if least is not None:
        least.finding = ""
        if most is not None:  # keep what the finding says first (e.g. too few strides)
            own = (most.finding or "").find(most.label or "\0")
            most.finding = (most.finding[:own] if own > 0 else "") + _range_finding(least, most)


def _range_finding(least, most) -> str:
    def mean(st):
        return f"{st.mean:+.2f}" if st is not None and np.isfinite(st.mean) else "?"

    sides = ", ".join(f"{side} {mean(getattr(least, side))} to {mean(getattr(most, side))}"
                      for side in ("left", "right")
                      if getattr(least, side) is not None or getattr(most, side) is not None)
    return (f"Arm crossover between {mean(least.both)} and {mean(most.both)} shoulder widths "
            f"past the midline ({sides}): the wrist was hidden behind the torso at its "
            "innermost point, so only this range can be seen from behind; film from the "
            "front to measure it.")


def _same_stats(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return a.n == b.n and np.isclose(a.mean, b.mean, equal_nan=True)


def _innermost(best_seen: float, hidden: np.ndarray) -> float:
    """Farthest in of the seen wrist and hidden wrists' positions: +inf where some hidden
    wrist's position is unknown (NaN)."""
    if (~np.isfinite(hidden)).any():
        return np.inf
    return max(best_seen, float(np.max(hidden)))


def forearm_offsets(bf: BodyFrame, series: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per arm, the crossover of the hidden wrist placed from the elbow and the forearm
    (NaN where the wrist is seen or cannot be placed); computed once and kept in
    ``series`` as ``wrist_offset_forearm_sw``, with ``elbow_offset_sw`` (the elbow's)
    and ``wrist_offset_most_sw`` (the farthest in a wrist can be, ``L`` from the seen
    elbow; NaN where the elbow is unseen)."""
    if "wrist_offset_forearm_sw.left" not in series:
        from gaitvision.evidence.forearm import ForearmReach

        ev = ForearmReach(seen=SEEN).estimate(bf.p, bf.vis, leg=1.0)  # bf is in leg lengths
        for arm in ("left", "right"):
            e = bf.point(ELBOW[arm])
            e = np.where((bf.vis[:, ELBOW[arm]] >= SEEN)[:, None], e, np.nan)
            series[f"wrist_offset_forearm_sw.{arm}"] = midline_offset(bf, ev.wrist_xy[arm], arm)
            series[f"elbow_offset_sw.{arm}"] = midline_offset(bf, bf.point(ELBOW[arm]), arm)
            series[f"wrist_offset_most_sw.{arm}"] = farthest_in(bf, e, ev.length_px[arm], arm)
    return {arm: series[f"wrist_offset_forearm_sw.{arm}"] for arm in ("left", "right")}


def hand_backed_wrists(bf: BodyFrame, series: dict[str, np.ndarray]) -> None:
    """Front view: each wrist's midline offset from the hand-backed wrist (in place).

    ``wrist_offset_sw`` becomes the offset of the wrist placed back from the hand's
    knuckles (:class:`gaitvision.evidence.forearm.HandBackedWrist`); the pose model's own
    stays as ``wrist_offset_keypoints_sw``.
    """
    from gaitvision.evidence.forearm import HandBackedWrist

    kp = {arm: series[f"wrist_offset_sw.{arm}"] for arm in ("left", "right")}
    wrists = HandBackedWrist().estimate(bf.p, kp)
    for arm in ("left", "right"):
        series[f"wrist_offset_keypoints_sw.{arm}"] = kp[arm].copy()
        series[f"wrist_offset_sw.{arm}"] = midline_offset(bf, wrists[arm], arm)


def farthest_in(bf: BodyFrame, centre: np.ndarray, radius: float, arm: str,
                n_dirs: int = 72) -> np.ndarray:
    """Per frame, the largest midline offset (shoulder widths) of a point within
    ``radius`` of ``centre`` (T, 2, body frame): the farthest in a wrist ``radius`` from
    its elbow can be in the image. NaN where ``centre`` or ``radius`` is unknown."""
    if not np.isfinite(radius):
        return np.full(len(centre), np.nan)
    ang = np.linspace(0.0, 2 * np.pi, n_dirs, endpoint=False)
    ring = [midline_offset(bf, centre + radius * np.array([np.cos(a), np.sin(a)]), arm)
            for a in ang]
    return np.max(ring, axis=0)


def midline_offset(bf: BodyFrame, point: np.ndarray, arm: str) -> np.ndarray:
    """How far ``point`` (T, 2, body frame) lies past the body midline toward the other
    side, in shoulder widths: the definition of ``wrist_offset_sw``
    (:func:`gaitvision.kinematics.geometry.rear_series`)."""
    hip = bf.mid(HIP["left"], HIP["right"])
    axis = bf.mid(SHOULDER["left"], SHOULDER["right"]) - hip
    width = np.abs(bf.point(SHOULDER["left"])[:, 0] - bf.point(SHOULDER["right"])[:, 0])
    sw = float(np.nanmedian(width)) if np.isfinite(width).any() else float("nan")
    with np.errstate(invalid="ignore", divide="ignore"):
        f = (point[:, 1] - hip[:, 1]) / axis[:, 1]
    mid_x = hip[:, 0] + f * axis[:, 0]
    sgn = 1.0 if arm == "left" else -1.0
    return -sgn * (point[:, 0] - mid_x) / sw


def drop_series(series: dict[str, np.ndarray], stance_side: str) -> np.ndarray:
    """Pelvic obliquity signed as drop for one stance side (+ = the other side lower)."""
    ob = series["pelvic_obliquity_deg"]  # + = right hip lower
    return ob if stance_side == "left" else -ob


def shoulder_width_ll(bf: BodyFrame) -> float:
    """Median shoulder width in leg lengths."""
    w = np.abs(bf.p[:, SHOULDER["left"], 0] - bf.p[:, SHOULDER["right"], 0])
    return float(np.nanmedian(w)) if np.isfinite(w).any() else float("nan")


REAR_CURVES = {"pelvic_obliquity_deg": "deg", "wrist_offset_sw": "shoulder widths",
               "foot_offset_ll": "leg lengths"}


def flip_averaged_feet(track, series: dict[str, np.ndarray], strides: list[Stride],
                       frame_of) -> str:
    """Foot placement from the midline, from the mean of two readings (in place).

    One reading of BlazePose leans the whole skeleton a little to one side (its trunk
    axis 0.6-1.0 deg on level cameras), and the camera roll taken from that axis turns
    the body frame with it, which moves both feet sideways against the mid-hip: on
    rendered rear runners of known truth (feet 0.03-0.045 leg lengths either side of the
    midline, the same on both) it read 0.036-0.075 on the left against 0.029-0.062 on the
    right, a left-right difference that is not the runner's. The mirrored frames' reading
    leans the other way; the mean of the two skeletons, with the roll taken from the mean's
    own trunk axis (:mod:`gaitvision.evidence.mirrored`; flip test, Xiao et al. 2018),
    gives the foot offsets. ``frame_of(xy, roll)`` builds the body frame of pixel points as
    the analysis did. Returns the quality note.
    """
    from gaitvision.evidence.mirrored import aligned_rows, mirrored_reading
    from gaitvision.kinematics.geometry import rear_series
    from gaitvision.pose.cleaning import clean_track
    from gaitvision.pose.tracking import label_track

    path = Path(track.video.path)
    raw = mirrored_reading(path, track.model) if path.exists() else None
    if raw is None:
        return ("foot placement from the midline: from one reading of the pose model, which "
                "leans the skeleton a little to one side: take the left-right difference with "
                "care")
    other = aligned_rows(track.frame_index, clean_track(label_track(raw, view=track.view.view)))
    mean_xy = np.where(np.isfinite(other), 0.5 * (track.xy + other), track.xy)
    roll = camera_roll(track.times, mean_xy, strides)
    feet = rear_series(frame_of(mean_xy, roll if np.isfinite(roll) else 0.0))
    for s in ("left", "right"):
        series[f"foot_offset_ll.{s}"] = feet[f"foot_offset_ll.{s}"]
    return ("foot placement from the midline: from the mean of the pose model's readings of "
            "the frames and of their mirror images, which lean the skeleton to opposite "
            "sides (flip test)")


def image_pelvis(track, series: dict[str, np.ndarray], stride_s: float,
                 tracker=None, periodic=None) -> str:
    """Pelvic obliquity from the image, anchored by the keypoints (in place).

    ``series["pelvic_obliquity_deg"]`` (hip keypoints, levelled) keeps its level over
    each stride, and takes its motion within the stride from the waist regions tracked
    in the video (:mod:`gaitvision.evidence.pelvis`): the stride-periodic part of their
    frame-to-frame motion (:class:`~gaitvision.evidence.pelvis.StridePeriodicFit`). The
    keypoints' own series stays as ``pelvic_obliquity_keypoints_deg``. Where the video
    cannot be re-read, too few frame steps are measured, the waist shows no
    stride-locked motion (nothing to track, e.g. shirt and shorts of one dark colour),
    or the clip is a front view, the keypoint series is kept. Returns the quality note
    saying which was used.
    """
    from gaitvision.evidence.pelvis import PelvisRegionTracker, StridePeriodicFit, fuse_periodic

    kp = series["pelvic_obliquity_deg"]
    series["pelvic_obliquity_keypoints_deg"] = kp.copy()
    lower_bound = "they under-read the tilt: take pelvic drop as a lower bound"
    if track.view is not None and track.view.view == "front":
        # Measured on held-apart front renders (docs/pelvis-arms-front.md): the hands
        # swinging across the waist spoil the waist's image motion, worse than the
        # keypoints alone.
        return ("pelvic obliquity (front view): from the hip keypoints only; they under-read "
                "the tilt (about half of it on rendered runners): take pelvic drop as a lower "
                "bound")
    path = Path(track.video.path)
    if not np.isfinite(stride_s) or not path.exists():
        return ("pelvic obliquity: from the hip keypoints only (the video was not available "
                f"to measure the waist's motion); {lower_bound}")
    tracker = tracker or PelvisRegionTracker()
    motion = tracker.track(path, track.times, track.frame_index, track.xy, track.frame_size)
    if motion.coverage < MIN_IMAGE_COVERAGE:
        return (f"pelvic obliquity: from the hip keypoints only (the waist's motion was "
                f"measured in only {100 * motion.coverage:.0f} % of frames); {lower_bound}")
    per = (periodic or StridePeriodicFit()).fit(track.times, motion, stride_s)
    if not per.supported:
        return ("pelvic obliquity: from the hip keypoints only (the waist's image motion has "
                f"no stride rhythm, F-test p = {per.p_value:.2g}: too little texture to "
                f"track, e.g. shirt and shorts of one colour); {lower_bound}")
    series["pelvic_obliquity_deg"] = fuse_periodic(kp, per, track.times, stride_s)
    shift = per.level_shift_deg
    level = ("level from the hip keypoints" if not shift else
             f"level from the hip keypoints, corrected by {shift:+.1f} deg for the pose "
             "model's own left-right lean (measured on the mirrored frames)")
    return (f"pelvic obliquity: {level}, motion within each stride from "
            f"the waist's image motion ({tracker.method} optical flow either side of the "
            f"midline, {100 * motion.coverage:.0f} % of frames, stride harmonics explain "
            f"{100 * per.explained:.0f} % of it); it follows the visible waist edge (the "
            "top of the shorts), whose tilt a loose top can soften")

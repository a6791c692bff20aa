"""Rear-view (frontal) metrics of each stride, and the camera's roll.

Definitions follow ``docs/metrics.md`` ("Rear and front view (frontal)"):

- contralateral pelvic drop: the hip line vs horizontal at its deepest in each stance,
  + when the swing side is lower, keyed by the stance side (Bramah 2018; 2D
  reliability and smallest detectable difference, Dingenen 2018);
- arm crossover: how far each wrist passes the body midline (the mid-hip ->
  mid-shoulder line), peak per stride, in shoulder widths, + when it crosses, keyed
  by arm; and whether it crossed at all (no validated norm: descriptive);
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

from pathlib import Path

import numpy as np

from gaitvision.kinematics.geometry import BodyFrame
from gaitvision.kinematics.sequence import Stride
from gaitvision.kinematics.side import timing
from gaitvision.landmarks import HIP, SHOULDER, WRIST
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


def stride_metrics(bf: BodyFrame, series: dict[str, np.ndarray], s: Stride) -> dict[str, float]:
    """Every rear-view metric of one stride (keyed by its foot, which is also the arm)."""
    t, f = bf.t, s.foot
    ic, to = s.stance.ic, s.stance.to
    out = timing(s)
    drop = drop_series(series, f)
    out["pelvic_drop_peak_deg"] = peak(t, drop, ic, to)
    cross, seen = innermost_wrist(bf, series, s)
    if not seen:
        cross = float("nan")
    out["arm_crossover_shoulder_widths"] = cross
    out["arm_crossover_strides_pct"] = 100.0 * (cross > 0) if np.isfinite(cross) else np.nan
    out["step_width_leg_lengths"] = at(t, series[f"foot_offset_ll.{f}"], ic)
    return out


def innermost_wrist(bf: BodyFrame, series: dict[str, np.ndarray], s: Stride) -> tuple[float, bool]:
    """The stride's arm at its innermost: crossover (shoulder widths) and whether it was seen.

    A wrist that crosses the midline from behind passes in front of the torso, where the
    camera cannot see it and the pose model guesses (on the rendered rear clip it put
    crossing wrists beside the torso, visibility about 0.2). Such a stride cannot say
    whether the arm crossed.
    """
    t, y = bf.t, series[f"wrist_offset_sw.{s.foot}"]
    sel = np.flatnonzero((t >= s.stance.ic) & (t <= s.end) & np.isfinite(y))
    if not sel.size:
        return float("nan"), True
    k = int(sel[np.argmax(y[sel])])
    return peak(t, y, s.stance.ic, s.end), bool(bf.vis[k, WRIST[s.foot]] >= SEEN)


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


def image_pelvis(track, series: dict[str, np.ndarray], stride_s: float,
                 tracker=None) -> str:
    """Pelvic obliquity from the image, anchored by the keypoints (in place).

    ``series["pelvic_obliquity_deg"]`` (hip keypoints, levelled) keeps its level over
    each stride, and takes its motion within the stride from the waist regions tracked
    in the video (:mod:`gaitvision.evidence.pelvis`); the keypoints' own series stays as
    ``pelvic_obliquity_keypoints_deg``. Where the video cannot be re-read, too few
    frame steps are measured, or the clip is a front view, the keypoint series is kept.
    Returns the quality note saying which was used.
    """
    from gaitvision.evidence.pelvis import PelvisRegionTracker, fuse

    kp = series["pelvic_obliquity_deg"]
    series["pelvic_obliquity_keypoints_deg"] = kp.copy()
    if track.view is not None and track.view.view == "front":
        # Measured on held-apart front renders (docs/pelvis-arms-front.md): the hands
        # swinging across the waist spoil the waist's image motion (r 0.38 against the
        # skin over the ASIS, errors up to 9 deg), worse than the keypoints alone.
        return ("pelvic obliquity (front view): from the hip keypoints only; they under-read "
                "the tilt (about half of it on rendered runners): take pelvic drop as a lower "
                "bound")
    path = Path(track.video.path)
    if not np.isfinite(stride_s) or not path.exists():
        return ("pelvic obliquity: from the hip keypoints only (the video was not available "
                "to measure the waist's motion); they under-read the tilt: take pelvic drop "
                "as a lower bound")
    tracker = tracker or PelvisRegionTracker()
    motion = tracker.track(path, track.times, track.frame_index, track.xy, track.frame_size)
    if motion.coverage < MIN_IMAGE_COVERAGE:
        return (f"pelvic obliquity: from the hip keypoints only (the waist's motion was "
                f"measured in only {100 * motion.coverage:.0f} % of frames); they under-read "
                "the tilt: take pelvic drop as a lower bound")
    series["pelvic_obliquity_deg"] = fuse(kp, motion.motion_deg, track.times, stride_s)
    return ("pelvic obliquity: level from the hip keypoints, motion within each stride from "
            f"the waist's image motion ({tracker.method} optical flow either side of the "
            f"midline, {100 * motion.coverage:.0f} % of frames); it follows the visible waist, "
            "whose tilt a loose top or shorts can soften")

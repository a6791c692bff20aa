"""What the results can support: quality statements, excluded strides and summaries.

Every number a coach reads comes with what limits it: how many strides, how well each
leg was seen, whether the camera looked tilted, which values the view cannot give. The
summaries hold a finding per metric, against the reference values of
``running-metrics.md`` (:mod:`.reference`) where the literature gives them.
"""

from __future__ import annotations

import numpy as np

from gaitvision.kinematics.analysis import Quality, StrideRecord
from gaitvision.kinematics.rear import TILT_DEG, innermost_wrist
from gaitvision.kinematics.reference import (
    MIN_STRIDES,
    REAR_METRICS,
    SIDE_METRICS,
    strike_class,
    summarize,
)
from gaitvision.kinematics.sequence import Sequence
from gaitvision.landmarks import SIDES
from gaitvision.pose.track import PoseTrack

#: A leg is hidden when its mean keypoint visibility is below this and this much
#: below the other leg's.
HIDDEN_BELOW, HIDDEN_GAP = 0.8, 0.15
#: Side view: belt-line tilt in the image above which the user is told (deg).
SIDE_TILT_NOTE = 3.0


def hidden_leg(vis: dict[str, float]) -> str | None:
    """The leg seen clearly less well than the other (side view: the far leg), if any."""
    lo, hi = sorted(vis.values())
    if lo < HIDDEN_BELOW and hi - lo > HIDDEN_GAP:
        return min(vis, key=vis.get)
    return None


def assess_quality(track: PoseTrack, seq: Sequence, vis: dict, roll: float, view: str) -> Quality:
    n = {f: sum(1 for s in seq.strides if s.foot == f) for f in SIDES}
    rear = view == "rear"
    q = Quality(
        strides_left=n["left"], strides_right=n["right"], confidence_left=vis["left"],
        confidence_right=vis["right"],
        inferred_events=sum(s.ic_inferred + s.to_inferred for s in seq.stances),
        camera_roll_deg=round(float(roll), 2) if rear and np.isfinite(roll) else None,
        tilt_suspected=bool(rear and np.isfinite(roll) and abs(roll) > TILT_DEG),
        too_few_strides=min(n.values()) < MIN_STRIDES, walking_detected=seq.walking,
        detection_rate=track.detection_rate, fps=track.fps, notes=list(seq.notes))
    if view == "side" and hidden_leg(vis):
        q.hidden_leg = hidden_leg(vis)
        lo, hi = sorted(vis.values())
        q.notes.append(f"the {q.hidden_leg} leg was partly hidden (keypoint confidence "
                       f"{lo:.2f} vs {hi:.2f}): its contacts were timed from the other foot "
                       "and its angles are the pose model's estimate, less certain")
    if q.too_few_strides:
        q.notes.append(f"fewer than {MIN_STRIDES} strides on a side: averages are indicative "
                       "(Dingenen 2018)")
    if q.tilt_suspected:
        q.notes.append(f"camera roll about {roll:.1f} deg was estimated and undone; level the "
                       "camera for the next recording")
    if seq.walking:
        q.notes.append("no running metrics are reported")
    if not rear and np.isfinite(roll) and abs(roll) > SIDE_TILT_NOTE:
        q.notes.append(f"the belt runs {roll:.1f} deg off horizontal in the image: the camera "
                       "is tilted or not square to the belt; angles against vertical (trunk, "
                       "thigh, shank) may be off by up to that much")
    if rear:
        # Measured on the synthetic rear clip with exact truth (sample_videos/): the pose
        # model places the toe poorly from behind, and its hip points follow the pelvis's
        # tilt with about a third of its amplitude.
        q.notes.append("rear view: contact time, flight time and duty factor are not summarised "
                       "(from behind the toe's lift-off is hard to see: on a rendered runner "
                       "contacts came out about 110 ms short); cadence is not affected; film "
                       "from the side for timing")
        q.notes.append("rear view: the pose model's hip points under-read pelvic tilt (on a "
                       "rendered runner with a true 5 deg drop they read 1.6-2.8 deg): take "
                       "pelvic drop as a lower bound")
    if track.fps < 50:
        q.notes.append(f"{track.fps:.0f} fps: one frame is {1000 / track.fps:.0f} ms, so single "
                       "contact times are uncertain by about that; 60-240 fps is better")
    return q


def exclude_irregular(strides: list[StrideRecord], q: Quality,
                       stride_tol: float = 0.1, contact_tol: float = 0.3) -> None:
    """Leave out strides whose timing is far from the side's median (a missed event)."""
    for side in SIDES:
        recs = [r for r in strides if r.side == side]
        if len(recs) < 3:
            continue
        d = np.median([r.duration_s for r in recs])
        c = np.median([r.metrics["contact_time_ms"] for r in recs])
        for r in recs:
            if abs(r.duration_s / d - 1) > stride_tol:
                r.excluded = f"stride time {1000 * r.duration_s:.0f} ms vs median {1000 * d:.0f}"
            elif abs(r.metrics["contact_time_ms"] / c - 1) > contact_tol:
                r.excluded = (f"contact time {r.metrics['contact_time_ms']:.0f} ms vs median "
                              f"{c:.0f}")
    n_ex = sum(r.excluded is not None for r in strides)
    q.excluded_strides = n_ex
    q.strides_left = sum(r.side == "left" and r.excluded is None for r in strides)
    q.strides_right = sum(r.side == "right" and r.excluded is None for r in strides)
    q.too_few_strides = min(q.strides_left, q.strides_right) < MIN_STRIDES
    if n_ex:
        q.notes.append(f"{n_ex} strides with irregular timing (likely a missed or misplaced "
                       "event) were left out of the averages")


def note_hidden_wrists(bf, series: dict, seq: Sequence, q: Quality) -> None:
    hidden = {f: sum(not innermost_wrist(bf, series, s)[1] for s in seq.strides if s.foot == f)
              for f in SIDES}
    if sum(hidden.values()):
        q.notes.append(f"arm crossover: in {sum(hidden.values())} of {len(seq.strides)} strides "
                       f"(left arm {hidden['left']}, right arm {hidden['right']}) the wrist was "
                       "hidden behind the torso at its innermost point, so whether it crossed the "
                       "midline cannot be seen from behind; those strides give no value")


def summaries(strides: list[StrideRecord], view: str, q: Quality, roll: float,
               cadence: dict[str, float]) -> dict:
    names = SIDE_METRICS if view == "side" else REAR_METRICS
    n = {"left": q.strides_left, "right": q.strides_right}
    out = {}
    for name in names:
        vals = {f: [s.metrics.get(name, np.nan) for s in strides
                    if s.side == f and s.excluded is None] for f in SIDES}
        if not any(np.isfinite(v).any() for v in vals.values() if v):
            continue
        extra = ""
        if name == "foot_strike_angle_deg":
            classes = [strike_class(v) for f in SIDES for v in vals[f] if np.isfinite(v)]
            if classes:
                top = max(set(classes), key=classes.count)
                extra = f"mostly {top} strikes ({classes.count(top)} of {len(classes)} strides)"
        if name == "tibia_angle_ic_deg":
            allv = [v for f in SIDES for v in vals[f] if np.isfinite(v)]
            if allv:
                lean = np.mean(allv)
                extra = ("the shank leans forward at landing, the ankle ahead of the knee"
                         if lean > 3 else "the shank lands about vertical" if lean > -3
                         else "the ankle lands behind the knee")
        if name == "step_time_ms" and q.hidden_leg:
            extra = (f"the {q.hidden_leg} foot's contacts were placed half a stride after the "
                     "other's, so the left-right difference is assumed, not measured")
        if name == "pelvic_drop_peak_deg":
            extra = ("a lower bound: the pose model's hip points under-read pelvic tilt "
                     "(1.6-2.8 deg for a true 5 deg drop in our rendered test)")
        if name == "arm_crossover_shoulder_widths":
            extra = ("from the strides where the wrist was seen at its innermost point (from "
                     "behind, a wrist crossing in front of the torso is hidden)")
        if name == "step_width_leg_lengths":
            allv = [v for f in SIDES for v in vals[f] if np.isfinite(v)]
            if allv:
                k = sum(v < 0 for v in allv)
                extra = f"the foot landed across the midline in {k} of {len(allv)} strides"
        out[name] = summarize(name, vals, n, extra, harmonic=(name == "cadence_spm"),
                              means=cadence if name == "cadence_spm" else None)
    if view == "rear" and np.isfinite(roll):
        out["camera_roll_deg"] = summarize("camera_roll_deg", {"both": [roll]}, {})
    return out



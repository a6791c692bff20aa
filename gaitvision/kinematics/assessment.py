"""What the results can support: quality statements, excluded strides and summaries.

Every number a coach reads comes with what limits it: how many strides, how well each
leg was seen, whether the camera looked tilted, which values the view cannot give. The
summaries hold a finding per metric, against the reference values of the project's
metric reference (``docs/metrics.md``, :mod:`.reference`) where the literature gives
them. A summary whose strides disagree more than runners' strides do, or that rests on
too few strides that passed the plausibility checks (:mod:`.plausibility`), is flagged
``unreliable`` (:class:`Reliability`): no verdict, no finding, and the reason said.
"""

from __future__ import annotations

import numpy as np

from gaitvision.kinematics.analysis import MetricSummary, Quality, StrideRecord
from gaitvision.kinematics.rear import TILT_DEG, arm_crossover, tidy_crossover_bounds
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
    rear = view != "side"  # rear or front: the frontal plane
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
        q.notes.append(f"{view} view: contact time, flight time and duty factor are not "
                       "summarised (from behind or in front the toe's lift-off is hard to "
                       "see: on a rendered rear-view runner "
                       "contacts came out about 110 ms short); cadence is not affected; film "
                       "from the side for timing")
        # How the pelvis was measured (image motion or the hip keypoints alone, which
        # under-read it) is said by kinematics.rear.image_pelvis's note.
    if track.fps < 50:
        q.notes.append(f"{track.fps:.0f} fps: one frame is {1000 / track.fps:.0f} ms, so single "
                       "contact times are uncertain by about that; 60-240 fps is better")
    return q


def exclude_irregular(strides: list[StrideRecord], q: Quality,
                       stride_tol: float = 0.1, contact_tol: float = 0.3) -> None:
    """Leave out strides whose timing is far from the side's median (a missed event).

    Strides already excluded (by a plausibility gate) keep their reason and do not
    count in the medians.
    """
    n_before = sum(r.excluded is not None for r in strides)
    for side in SIDES:
        recs = [r for r in strides if r.side == side and r.excluded is None]
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
    q.excluded_strides = sum(r.excluded is not None for r in strides)
    n_ex = q.excluded_strides - n_before
    q.strides_left = sum(r.side == "left" and r.excluded is None for r in strides)
    q.strides_right = sum(r.side == "right" and r.excluded is None for r in strides)
    q.too_few_strides = min(q.strides_left, q.strides_right) < MIN_STRIDES
    if n_ex:
        q.notes.append(f"{n_ex} strides with irregular timing (likely a missed or misplaced "
                       "event) were left out of the averages")


def note_hidden_wrists(bf, series: dict, seq: Sequence, q: Quality) -> None:
    """Say how many strides' arm crossover is only bounded (the wrist hidden behind the
    torso at its innermost point), and the bounds' range."""
    got = [(s.foot, arm_crossover(bf, series, s)) for s in seq.strides]
    bounded = [(f, a) for f, a in got if a.source == "bounds"]
    if not bounded:
        return
    n = {f: sum(g == f for g, _ in bounded) for f in SIDES}
    least = [a.at_least for _, a in bounded]
    upper = [a.at_most for _, a in bounded if np.isfinite(a.at_most)]
    most = [a.reach for _, a in bounded if np.isfinite(a.reach)]
    reach = (f", and at most {min(upper):+.2f} to {max(upper):+.2f} ({len(upper)} strides: "
             "one forearm length in from the elbow)") if upper else ""
    reach += (f"; the forearm's full reach along the pose model's direction gives "
              f"{min(most):+.2f} to {max(most):+.2f}, where the wrist would be if the "
              "forearm lay across the body, too far in if it points forward") if most else ""
    q.notes.append(f"arm crossover: in {len(bounded)} of {len(seq.strides)} strides (left arm "
                   f"{n['left']}, right arm {n['right']}) the wrist was hidden behind the "
                   "torso at its innermost point, so how far it crossed cannot be seen from "
                   "behind; those strides give a bound, not a value: at least "
                   f"{min(least):+.2f} to {max(least):+.2f} shoulder widths past the midline "
                   f"(as far in as the elbow){reach}; film from the front to measure it")


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
        extra = _extra_words(name, vals, q)
        out[name] = summarize(name, vals, n, extra, harmonic=(name == "cadence_spm"),
                              means=cadence if name == "cadence_spm" else None)
        Reliability().judge(out[name], vals, q)
    if view != "side" and np.isfinite(roll):
        out["camera_roll_deg"] = summarize("camera_roll_deg", {"both": [roll]}, {})
    _flag_biased_contacts(out, q)
    tidy_crossover_bounds(out)
    return out


def _extra_words(name: str, vals: dict[str, list[float]], q: Quality) -> str:
    """What a metric's finding adds in words (strike classes, shank at landing, ...)."""
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
        extra = ("level from the hip keypoints, motion from the waist's image motion (it "
                 "follows the visible waist; see the notes)"
                 if any("from the waist's image motion" in n for n in q.notes) else
                 "a lower bound: the pose model's hip points under-read pelvic tilt "
                 "(1.6-2.8 deg for a true 5 deg drop on a rendered runner of known truth)")
    if name == "arm_crossover_shoulder_widths":
        extra = ("from the strides where the wrist was seen at its innermost point (from "
                 "behind, a wrist crossing in front of the torso is hidden: those strides "
                 "give bounds, see the notes)")
    if name == "step_width_leg_lengths":
        allv = [v for f in SIDES for v in vals[f] if np.isfinite(v)]
        if allv:
            k = sum(v < 0 for v in allv)
            extra = f"the foot landed across the midline in {k} of {len(allv)} strides"
    return extra


#: Metrics that rest on the contacts' exact timing.
CONTACT_TIMING = ("contact_time_ms", "flight_time_ms", "duty_factor_pct")


def _flag_biased_contacts(out: dict, q: Quality) -> None:
    """A clip kept as a run although its contacts cover half the stride or more (the
    body's motion showed a run, :class:`~.gating.PelvisPhase`): the contacts' timing is
    biased, so the metrics resting on it are unreliable."""
    duty = out.get("duty_factor_pct")
    if duty is None or duty.both is None or duty.both.median < 50.0:
        return
    why = (f"contacts cover {duty.both.median:.0f} % of the stride, a walk's share, in a clip "
           "whose body motion is a run's: the feet's contacts could not be timed within a "
           "frame (small or blurred feet)")
    for name in CONTACT_TIMING:
        if name in out and out[name].flag != "unreliable":
            mark_unreliable(out[name], why, q)




class Reliability:
    """Flags a summary ``unreliable`` when its strides cannot support a verdict.

    Two reasons: the stride-to-stride spread (SD over both sides' included strides) is
    beyond what runners show on a treadmill, or fewer than ``min_strides`` strides
    passed the plausibility checks. Within-runner stride-to-stride variability of
    treadmill running is small: a few degrees for joint angles at an event, well under
    10 ms for contact time at a steady speed (see ``docs/metrics.md``); the limits below
    are about twice to three times that plus a frame of timing at 30 fps, so that only
    a measurement that cannot be trusted is caught (e.g. knee flexion at contact SD
    above 8 deg, issue 11). An unreliable summary keeps its numbers, loses its
    within/outside flag and its finding, and the quality notes say why.

    Parameters
    ----------
    spread_limits : dict of str to float, optional
        Largest SD per metric NAME (metric units); default :attr:`SPREAD_LIMITS`.
    min_strides : int
        Fewest included strides (both sides together) for a verdict.
    """

    SPREAD_LIMITS = {
        "cadence_spm": 12.0, "step_time_ms": 40.0, "contact_time_ms": 45.0,
        "flight_time_ms": 45.0, "duty_factor_pct": 7.0, "knee_flexion_ic_deg": 8.0,
        "knee_flexion_stance_peak_deg": 8.0, "hip_extension_peak_deg": 8.0,
        "hip_extension_vs_trunk_peak_deg": 8.0, "tibia_angle_ic_deg": 8.0,
        "overstride_leg_lengths": 0.08, "overstride_cm": 7.0, "foot_strike_angle_deg": 10.0,
        "trunk_lean_deg": 5.0, "vertical_oscillation_leg_lengths": 0.04,
        "vertical_oscillation_cm": 3.5, "pelvic_drop_peak_deg": 5.0,
        "arm_crossover_shoulder_widths": 0.25, "step_width_leg_lengths": 0.1,
    }

    def __init__(self, spread_limits: dict[str, float] | None = None,
                 min_strides: int = 5) -> None:
        self.spread_limits = dict(self.SPREAD_LIMITS if spread_limits is None else spread_limits)
        self.min_strides = min_strides

    def reason(self, name: str, unit: str, values: list[float]) -> str | None:
        """Why a summary of these per-stride values is unreliable, or None."""
        v = np.asarray([x for x in values if x is not None], float)
        v = v[np.isfinite(v)]
        if v.size < self.min_strides:
            return (f"only {v.size} strides passed the plausibility checks "
                    f"({self.min_strides} needed for a verdict)")
        limit = self.spread_limits.get(name)
        sd = float(np.std(v, ddof=1))
        if limit is not None and sd > limit:
            return (f"it varies by SD {sd:.3g} {unit} from stride to stride, more than a "
                    f"runner's strides do (over {limit:g} {unit}): the keypoints are not "
                    "reliable enough here")
        return None

    def judge(self, summary: MetricSummary, values: dict[str, list[float]],
              q: Quality) -> None:
        """Flag ``summary`` unreliable (in place) when :meth:`reason` finds a reason."""
        if summary.name == "camera_roll_deg":
            return
        pooled = [x for k in ("left", "right", "both") for x in values.get(k, [])]
        why = self.reason(summary.name, summary.unit, pooled)
        if why is None:
            return
        mark_unreliable(summary, why, q)


def mark_unreliable(summary: MetricSummary, why: str, q: Quality) -> None:
    """Set ``summary`` to ``unreliable`` with ``why`` as its finding and a quality note."""
    summary.flag = "unreliable"
    summary.flags = {k: "unreliable" for k in summary.flags}
    summary.finding = f"{summary.label}: not reliable in this clip, no verdict: {why}."
    q.notes.append(f"{summary.label.lower()}: not reliable in this clip ({why}); no verdict "
                   "is given")

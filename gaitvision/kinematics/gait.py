"""``analyze_gait``: from the pose stage's product to a :class:`GaitAnalysis`.

One straight sequence for every view: body-centred coordinates -> foot contacts (the
view's detector, :mod:`.detectors`) -> a consistent left/right sequence
(:mod:`.sequence`; a walk stops here) -> camera roll -> angle series -> per-stride
metrics -> quality and summaries with findings (:mod:`.assessment`), curves. What
differs between views is in the view classes (:mod:`.views`).
"""

from __future__ import annotations

import numpy as np

from gaitvision.errors import NoRunnerError, NotRunningError
from gaitvision.evidence.hip_centre import HipCentre
from gaitvision.kinematics.analysis import (
    Curves,
    GaitAnalysis,
    GaitEvent,
    GaitEvents,
    Quality,
    StrideRecord,
)
from gaitvision.kinematics.assessment import (
    SIDE_TILT_NOTE,
    assess_quality,
    exclude_irregular,
    summaries,
)
from gaitvision.kinematics.camera import SideOnCheck
from gaitvision.kinematics.curves import normalised_curves
from gaitvision.kinematics.events import ContactParams
from gaitvision.kinematics.gating import (
    DEFAULT_LEG_M,
    froude_number,
    not_running_reason,
    on_treadmill,
)
from gaitvision.kinematics.geometry import LEG_POINTS, body_frame
from gaitvision.kinematics.plausibility import StrideGates
from gaitvision.kinematics.rear import flip_averaged_feet, image_pelvis
from gaitvision.kinematics.sequence import (
    Sequence,
    SequenceParams,
    Stride,
    build_sequence,
    stride_period,
)
from gaitvision.kinematics.side import LEG_PER_HEIGHT
from gaitvision.kinematics.views import SideView, view_for
from gaitvision.landmarks import SIDES
from gaitvision.pose.cleaning import CleaningSettings
from gaitvision.pose.product import ANGLE_CUTOFF_HZ, PoseProduct, PoseStageSettings
from gaitvision.pose.track import PoseTrack
from gaitvision.pose.tracking import make_product
from gaitvision.progress import ProgressCallback, report


def analyze_gait(pose: PoseProduct | PoseTrack, *, raw: PoseTrack | None = None,
                 view: str | None = None, height_cm: float | None = None,
                 speed_kmh: float | None = None, progress: ProgressCallback | None = None,
                 on_walking: str = "raise", contact_params: ContactParams | None = None,
                 sequence_params: SequenceParams | None = None,
                 angle_cutoff_hz: float = ANGLE_CUTOFF_HZ,
                 hip_centre: HipCentre | None = None) -> GaitAnalysis:
    """Gait events and running metrics of one clip.

    Parameters
    ----------
    pose : PoseProduct or PoseTrack
        The pose stage's product: events are timed on its labelled track, angles
        measured on its cleaned track. A bare labelled ``PoseTrack`` is taken as it is
        for both (final labels are set first, nothing is low-passed: exact keypoints);
        with ``raw`` given (the same track before cleaning), a product is made from
        ``raw`` (the pipeline's way, :func:`gaitvision.pose.tracking.make_product`).
    raw : PoseTrack, optional
        See ``pose``; cleaned with a cut-off of ``angle_cutoff_hz``.
    view : {"side", "rear", "front"}, optional
        Overrides the product's view; "front" measures the rear view's metrics, mirrored.
    height_cm : float, optional
        Runner's height: adds the metrics in cm.
    speed_kmh : float, optional
        Treadmill speed, recorded with the result.
    progress : callable, optional
        ``progress("kinematics", fraction)``.
    on_walking : {"raise", "flag"}
        What to do with a walk (or no steady run at all): raise
        :class:`NotRunningError`, or return an analysis with
        ``quality.walking_detected`` set, the reason in ``quality.notes`` and no running
        metrics.
    contact_params, sequence_params : optional
        Parameters of contact detection and of the left/right sequence.
    angle_cutoff_hz : float
        Low-pass cut-off (Hz) of the cleaned track when it is made here from ``raw``.
    hip_centre : HipCentre, optional
        Side view: the clip's hip joint centre; hip extension, trunk lean and overstride
        are measured on it, and a quality note says which hip each metric used
        (:meth:`.views.SideView.use_hip_centre`). Default: the knee-circle estimate from
        the cleaned track (:class:`~gaitvision.evidence.hip_centre.KneeCircleHip`);
        ``HipCentre("blazepose")`` keeps BlazePose's hip keypoint.

    Returns
    -------
    GaitAnalysis

    Raises
    ------
    NotRunningError
        The clip shows walking, or no steady gait at all.
    """
    product = _as_product(pose, raw, view, angle_cutoff_hz)
    report(progress, "kinematics", 0.0)
    labelled, track = product.labelled, product.cleaned
    est = labelled.view
    v = view_for(est.view, contact_params)
    if not track.detected.any():
        raise NoRunnerError("no runner was found in the clip; film the whole body, side-on "
                            "or from behind.")
    bf0 = body_frame(labelled.times, labelled.xy, labelled.visibility, labelled.frame_size,
                     est.view, est.direction)
    treadmill = on_treadmill(bf0)
    leg_m = LEG_PER_HEIGHT * height_cm / 100 if height_cm else DEFAULT_LEG_M
    stride_s = stride_period(bf0.t, v.periodic(bf0))
    contacts = v.detector(treadmill).detect(bf0, labelled.visibility, stride_s)
    vis = {f: _leg_visibility(track, f) for f in SIDES}
    seq = build_sequence(contacts, vis, sequence_params, hidden=v.hidden_leg(vis),
                         stride_s=stride_s)
    report(progress, "kinematics", 0.4)
    _gate_walking(seq, None if treadmill else froude_number(bf0, leg_m), leg_m, track, on_walking,
                  bf0)
    roll, use_roll = v.camera_roll(labelled, track, seq)
    bf = body_frame(track.times, track.xy, track.visibility, track.frame_size, est.view,
                    est.direction, use_roll)
    series = v.series(bf)
    v.use_hip_centre(bf, series, track, hip_centre)
    quality = _quality(track, seq, vis, roll, v, treadmill)
    if v.name != "side" and not seq.walking:  # the pelvis from the image (docs/pelvis-arms-front.md)
        quality.notes.append(image_pelvis(track, series, seq.stride_s))
        quality.notes.append(flip_averaged_feet(
            track, series, seq.strides,
            lambda xy, r: body_frame(track.times, xy, track.visibility, track.frame_size,
                                     est.view, est.direction, r)))
    strides = [] if seq.walking else _strides(v, bf, series, seq, track, height_cm, quality,
                                              treadmill)
    report(progress, "kinematics", 0.8)
    summary = {} if seq.walking else summaries(strides, v.name, quality, roll, v.cadence(seq))
    if v.name == "side":
        SideOnCheck().apply(track.xy, track.visibility, roll, quality, summary)
    kept = [s for s, r in zip(seq.strides, strides) if r.excluded is None]
    curves = Curves() if seq.walking else normalised_curves(bf, series, kept, v.name)
    v.finish_series(series)
    report(progress, "kinematics", 1.0)
    return GaitAnalysis(
        view=v.name, direction=est.direction if v.name == "side" else None,
        video=track.video.to_dict(), events=_events(track, seq), strides=strides,
        summary=summary, curves=curves, quality=quality, times=np.asarray(track.times, float),
        frame_index=np.asarray(track.frame_index), series=series, height_cm=height_cm,
        speed_kmh=speed_kmh, leg_length_px=bf.leg_px)


# ------------------------------------------------------------------ steps
def _as_product(pose: PoseProduct | PoseTrack, raw: PoseTrack | None, view: str | None,
                angle_cutoff_hz: float) -> PoseProduct:
    """The pose product to analyse (see :func:`analyze_gait`)."""
    if isinstance(pose, PoseProduct):
        if view is None or (pose.view is not None and pose.view.view == view):
            return pose
        return make_product(pose.labelled, pose.settings, view=view)
    if raw is not None:
        settings = PoseStageSettings(cleaning=CleaningSettings(cutoff_hz=angle_cutoff_hz))
        return make_product(raw, settings, view=view)
    return make_product(pose, PoseStageSettings(cleaning=None), view=view)


def _gate_walking(seq: Sequence, froude: float | None, leg_m: float, track: PoseTrack,
                  on_walking: str, bf0=None) -> None:
    """Mark (or refuse) a walk, or a clip with no steady gait (``bf0``: the body frame
    whose pelvis motion can overrule a walk's duty factor, :class:`~.gating.PelvisPhase`)."""
    seen_s = float(np.sum(np.diff(track.times)[track.detected[1:]]))
    reason = not_running_reason(seq, froude, leg_m, seen_s, bf0)
    if reason is None:
        return
    seq.walking = True
    if on_walking == "raise":
        raise NotRunningError(
            f"this does not look like running ({reason}); film at least 10 s of treadmill "
            "running, side-on or from behind, with the whole body in view.")
    seq.notes.append(f"not a steady run: {reason}")


def _leg_identity_notes(report_, track: PoseTrack) -> list[str]:
    """Where left and right came from when the pose model's labels could not say."""
    if report_.leg_identity_unknown:
        return ["left and right may be exchanged: the pose model's leg labels followed the "
                "legs' order in the image, not the legs, and the near thigh's size did not "
                "settle which leg is which; take per-side values with care"]
    if report_.leg_identity_from_size_pct is None:
        return []
    direction = track.view.direction if track.view is not None else None
    near = direction if direction in ("left", "right") else "camera-side"
    return [f"left and right were named from the image: the pose model's leg labels "
            f"followed the legs' order in the image, so the leg nearer the camera (its thigh "
            f"drawn {report_.leg_identity_from_size_pct:.1f} % larger) was taken as the "
            f"runner's {near} leg (a mirrored video would exchange the sides)"]


def _quality(track: PoseTrack, seq: Sequence, vis: dict, roll: float, view: SideView,
             treadmill: bool) -> Quality:
    """Quality flags and notes common to every view, and what labelling did."""
    quality = assess_quality(track, seq, vis, roll, view.name)
    if view.name == "side" and np.isfinite(roll) and abs(roll) > SIDE_TILT_NOTE:
        quality.tilt_suspected = True  # agrees with the belt-tilt note
    report_ = track.cleaning
    if report_ is not None and report_.legs_relabelled:
        quality.notes.append(f"leg labels were exchanged back in {report_.legs_relabelled} frames "
                             "where the pose model had swapped the legs")
    if report_ is not None:
        quality.notes += _leg_identity_notes(report_, track)
    if report_ is not None and report_.glitches_bridged:
        quality.notes.append(f"{report_.glitches_bridged} leg keypoints that jumped off their own "
                             "path for a frame or a few (e.g. onto the other foot) were "
                             "interpolated over")
    if not treadmill:
        quality.notes.append("the runner moves across the frame: not a treadmill run; events "
                             "were timed from foot height alone")
    return quality


def _strides(view: SideView, bf, series: dict, seq: Sequence, track: PoseTrack,
             height_cm: float | None, quality: Quality,
             treadmill: bool = True) -> list[StrideRecord]:
    """Per-stride records with every metric of the view; implausible strides
    (:mod:`.plausibility`) and irregular ones excluded."""
    leg_cm = LEG_PER_HEIGHT * height_cm if height_cm else None
    strides, count = [], {f: 0 for f in SIDES}
    for s in seq.strides:
        rec = _record(track, s, view.stride_metrics(bf, series, s, leg_cm), count[s.foot])
        rec.mid_s = view.midstance(bf, s)
        count[s.foot] += 1
        strides.append(rec)
    StrideGates().apply(strides, bf, quality, view.name, treadmill)
    exclude_irregular(strides, quality)
    view.quality_notes(bf, series, seq, quality)
    return strides


def _leg_visibility(track: PoseTrack, foot: str) -> float:
    v = track.visibility[track.detected][:, LEG_POINTS[foot]]
    return float(np.mean(v)) if v.size else 0.0


def _record(track: PoseTrack, s: Stride, m: dict, index: int) -> StrideRecord:
    return StrideRecord(
        side=s.foot, index=index, start_s=s.stance.ic, end_s=s.end, to_s=s.stance.to,
        start_frame=_frame_at(track, s.stance.ic), end_frame=_frame_at(track, s.end),
        inferred=s.inferred, metrics=m)


def _frame_at(track: PoseTrack, t: float) -> float:
    return float(np.interp(t, track.times, track.frame_index.astype(float)))


def _events(track: PoseTrack, seq: Sequence) -> GaitEvents:
    ev = []
    for st in seq.stances:
        ev.append(GaitEvent(st.foot, "IC", st.ic, _frame_at(track, st.ic), st.ic_inferred))
        ev.append(GaitEvent(st.foot, "TO", st.to, _frame_at(track, st.to), st.to_inferred))
    return GaitEvents(ev)

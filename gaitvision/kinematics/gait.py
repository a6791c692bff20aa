"""``analyze_gait``: from a pose track to a :class:`GaitAnalysis`.

Steps: view and direction -> body-centred coordinates -> foot contacts per foot
(:mod:`.events`) -> a consistent left/right sequence (:mod:`.sequence`; a walk stops
here) -> camera roll -> angle series -> per-stride metrics (:mod:`.side`,
:mod:`.rear`) -> quality and summaries with findings (:mod:`.assessment`), curves.
"""

from __future__ import annotations

import numpy as np

from gaitvision.errors import NoRunnerError, NotRunningError
from gaitvision.kinematics.analysis import (
    Curves,
    GaitAnalysis,
    GaitEvent,
    GaitEvents,
    StrideRecord,
)
from gaitvision.kinematics.assessment import (
    SIDE_TILT_NOTE,
    assess_quality,
    exclude_irregular,
    hidden_leg,
    note_hidden_wrists,
    summaries,
)
from gaitvision.kinematics.camera import SideOnCheck
from gaitvision.kinematics.curves import normalised_curves
from gaitvision.kinematics.events import ContactParams, detect_contacts
from gaitvision.kinematics.gating import (
    DEFAULT_LEG_M,
    froude_number,
    not_running_reason,
    on_treadmill,
)
from gaitvision.kinematics.geometry import LEG_POINTS, body_frame, rear_series, side_series
from gaitvision.kinematics.midstance import midstances, symmetric_contacts
from gaitvision.kinematics.plausibility import StrideGates
from gaitvision.kinematics.rear import camera_roll, drop_series
from gaitvision.kinematics.rear import stride_metrics as rear_metrics
from gaitvision.kinematics.sequence import (
    Sequence,
    SequenceParams,
    Stride,
    build_sequence,
    cadence_fit,
    stride_period,
)
from gaitvision.kinematics.side import LEG_PER_HEIGHT, midstance
from gaitvision.kinematics.side import stride_metrics as side_metrics
from gaitvision.landmarks import HEEL, SIDES, TOE
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
                 angle_cutoff_hz: float = ANGLE_CUTOFF_HZ) -> GaitAnalysis:
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
        Overrides the product's view; "front" is analysed like "rear".
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
    ev_track, track = product.labelled, product.cleaned
    est = ev_track.view
    vname = "side" if est.view == "side" else "rear"
    if not track.detected.any():
        raise NoRunnerError("no runner was found in the clip; film the whole body, side-on "
                            "or from behind.")
    n_unswapped = ev_track.cleaning.legs_relabelled if ev_track.cleaning else 0
    n_glitches = ev_track.cleaning.glitches_bridged if ev_track.cleaning else 0
    bf0 = body_frame(ev_track.times, ev_track.xy, ev_track.visibility, ev_track.frame_size,
                     est.view, est.direction)
    treadmill = on_treadmill(bf0)
    leg_m = LEG_PER_HEIGHT * height_cm / 100 if height_cm else DEFAULT_LEG_M
    froude = None if treadmill else froude_number(bf0, leg_m)
    periodic = [bf0.p[:, HEEL[f], 0 if vname == "side" else 1] for f in SIDES]
    stride_s = stride_period(bf0.t, periodic)
    mids = midstances(bf0.t, bf0.p, stride_s, contact_params) if vname == "rear" else []
    contacts = {f: detect_contacts(bf0.t, bf0.p, ev_track.visibility, f, contact_params,
                                   side_view=(vname == "side" and treadmill),
                                   windows=[m.window for m in mids if m.foot == f] or None)
                for f in SIDES}
    if mids:
        contacts = {f: symmetric_contacts(c, mids) for f, c in contacts.items()}
    vis = {f: _leg_visibility(track, f) for f in SIDES}
    hidden = hidden_leg(vis) if vname == "side" else None
    seq = build_sequence(contacts, vis, sequence_params, hidden=hidden, stride_s=stride_s)
    report(progress, "kinematics", 0.4)
    seen_s = float(np.sum(np.diff(track.times)[track.detected[1:]]))
    reason = not_running_reason(seq, froude, leg_m, seen_s, bf0)
    if reason is not None:
        seq.walking = True
        if on_walking == "raise":
            raise NotRunningError(
                f"this does not look like running ({reason}); film at least 10 s of treadmill "
                "running, side-on or from behind, with the whole body in view.")
        seq.notes.append(f"not a steady run: {reason}")
    # camera roll, then the angle series in the levelled frame
    if vname == "side":
        # The stance foot's path gives the belt's line in the image, but a camera not
        # quite perpendicular to the belt tilts it too (the foot sinks in the image as it
        # nears the camera), so it is reported, not undone.
        roll, use_roll = _belt_roll(bf0, ev_track, seq), 0.0
    else:
        roll = camera_roll(track.times, track.xy, seq.strides)
        use_roll = roll if np.isfinite(roll) else 0.0
    bf = body_frame(track.times, track.xy, track.visibility, track.frame_size, est.view,
                    est.direction, use_roll)
    series = side_series(bf) if vname == "side" else rear_series(bf)
    leg_cm = LEG_PER_HEIGHT * height_cm if height_cm else None
    quality = assess_quality(track, seq, vis, roll, vname)
    if vname == "side" and np.isfinite(roll) and abs(roll) > SIDE_TILT_NOTE:
        quality.tilt_suspected = True  # agrees with the belt-tilt note
    if n_unswapped:
        quality.notes.append(f"leg labels were exchanged back in {n_unswapped} frames where the "
                             "pose model had swapped the legs")
    if n_glitches:
        quality.notes.append(f"{n_glitches} leg keypoints that jumped off their own path for a "
                             "frame or a few (e.g. onto the other foot) were interpolated over")
    if not treadmill:
        quality.notes.append("the runner moves across the frame: not a treadmill run; events "
                             "were timed from foot height alone")
    strides, per_side = [], {"left": [], "right": []}
    if not seq.walking:
        for s in seq.strides:
            m = (side_metrics(bf, series, s, leg_cm) if vname == "side"
                 else rear_metrics(bf, series, s))
            rec = _record(track, s, m, len(per_side[s.foot]))
            rec.mid_s = midstance(bf, s)
            per_side[s.foot].append(rec)
            strides.append(rec)
        StrideGates().apply(strides, bf, quality, vname, treadmill)
        exclude_irregular(strides, quality)
        if vname == "rear":
            note_hidden_wrists(bf, series, seq, quality)
    report(progress, "kinematics", 0.8)
    cadence = cadence_fit(seq)
    if vname == "rear" and np.isfinite(seq.stride_s):
        # From behind, contact times are uncertain (see the quality note); the period of
        # the feet's motion gives the pooled cadence without depending on them.
        cadence["both"] = 120.0 / seq.stride_s
    summary = {} if seq.walking else summaries(strides, vname, quality, roll, cadence)
    if vname == "side":
        SideOnCheck().apply(track.xy, track.visibility, roll, quality, summary)
    kept = [s for s, r in zip(seq.strides, strides) if r.excluded is None]
    curves = Curves() if seq.walking else normalised_curves(bf, series, kept, vname)
    if vname == "rear":
        for s in SIDES:
            series[f"pelvic_drop_deg.{s}"] = drop_series(series, s)
    events = _events(track, seq)
    report(progress, "kinematics", 1.0)
    return GaitAnalysis(
        view=vname, direction=est.direction if vname == "side" else None,
        video=track.video.to_dict(), events=events, strides=strides, summary=summary,
        curves=curves, quality=quality, times=np.asarray(track.times, float),
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


def _leg_visibility(track: PoseTrack, foot: str) -> float:
    v = track.visibility[track.detected][:, LEG_POINTS[foot]]
    return float(np.mean(v)) if v.size else 0.0


def _belt_roll(bf, track: PoseTrack, seq: Sequence) -> float:
    """Side view: direction of the stance toe's path in the image = the belt's tilt."""
    angles = []
    for st in seq.stances:
        if st.ic_inferred:
            continue
        sel = (track.times > st.ic + 0.2 * (st.to - st.ic)) & \
            (track.times < st.to - 0.2 * (st.to - st.ic))
        pts = track.xy[sel, TOE[st.foot]]
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts) < 2:
            continue
        dx, dy = pts[-1] - pts[0]
        a = np.degrees(np.arctan2(-dy, dx))  # up = -y
        a = (a + 90) % 180 - 90
        angles.append(a)
    return float(np.median(angles)) if angles else float("nan")


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

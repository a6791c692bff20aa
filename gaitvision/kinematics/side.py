"""Side-view (sagittal) metrics of each stride.

Definitions and sources are those of ``docs/metrics.md`` ("Side view (sagittal)") and are
repeated in :mod:`gaitvision.kinematics.reference`; sign conventions are those of
:mod:`gaitvision.kinematics.geometry`. Values at an event are taken at the event's
sub-frame time, interpolated between the frames either side (a line along the approach
would avoid mixing in the impact, but overshoots where the knee and foot turn around
at the end of the swing, as they do at contact in real footage);
peaks are refined with a parabola through the highest sample and its neighbours, so
30 and 240 fps give nearly the same numbers for smooth curves.
"""

from __future__ import annotations

import numpy as np

from gaitvision.kinematics.geometry import BodyFrame, segment_angle
from gaitvision.kinematics.sequence import Stride
from gaitvision.landmarks import ANKLE, HEEL, HIP, INDEX, KNEE, SHOULDER, SIDES
from gaitvision.signal import at, peak, span_mean

#: Leg length as a share of body height: thigh 0.245 + leg 0.246 (Winter's anthropometry).
LEG_PER_HEIGHT = 0.491


def midstance(bf: BodyFrame, s: Stride) -> float:
    """When the stance ankle passes under the mid-hip (forward), else mid-contact."""
    f = s.foot
    d = bf.p[:, ANKLE[f], 0] - bf.mid(HIP["left"], HIP["right"])[:, 0]
    sel = np.flatnonzero((bf.t >= s.stance.ic) & (bf.t <= s.stance.to))
    for i in sel[:-1]:
        if np.isfinite(d[i]) and np.isfinite(d[i + 1]) and d[i] >= 0 > d[i + 1]:
            return float(bf.t[i] + d[i] / (d[i] - d[i + 1]) * (bf.t[i + 1] - bf.t[i]))
    return (s.stance.ic + s.stance.to) / 2


def pelvis_height(bf: BodyFrame, hip_offset: float = 0.0) -> np.ndarray:
    """The pelvis's height (leg lengths, up) as the head carries it, for vertical oscillation.

    BlazePose's hip keypoints rise and fall with the thighs and its shoulder keypoints
    with the arms (the near shoulder reads one step's range 1-3 cm high on the rendered
    runners), but nothing rides on the head. Head and trunk are taken as one rigid
    segment from the mid-ear to the hip joint centre: the pelvis lies that segment's
    length (the clip's median) below the ears along the line to the hips, so its height
    is the ears' height minus ``length * cos(angle from vertical)``. The hips give only
    the line's direction, whose cosine barely moves with their fore-aft errors (a 5 px
    error in 180 px, at 8 deg lean, moves the pelvis 0.7 px); the term follows the
    trunk's lean oscillation within the stride, which raises the shoulders' and the
    head's range above the pelvis's (by 5-8 % on the rendered runners).
    """
    hips = bf.mid(HIP["left"], HIP["right"]) + np.array([hip_offset, 0.0])
    d = bf.mid(INDEX["left_ear"], INDEX["right_ear"]) - hips
    length = np.hypot(d[:, 0], d[:, 1])
    if not np.isfinite(length).any():
        return np.full(len(bf.t), np.nan)
    return hips[:, 1] + d[:, 1] * (1.0 - np.nanmedian(length) / length)


def timing(s: Stride) -> dict[str, float]:
    """Cadence, step, contact, flight time and duty factor of one stride."""
    contact = s.stance.to - s.stance.ic
    return {
        "cadence_spm": 120.0 / s.duration,
        "step_time_ms": 1000 * (s.other_ic - s.stance.ic),
        "contact_time_ms": 1000 * contact,
        "flight_time_ms": 1000 * (s.other_ic - s.stance.to),
        "duty_factor_pct": 100 * contact / s.duration,
    }


def hip_centre_series(bf: BodyFrame, series: dict[str, np.ndarray],
                      offsets_fwd: dict[str, float]) -> None:
    """Re-measure the angles that use the hip on the hip joint centres, in place.

    ``offsets_fwd`` (leg lengths, + forward, per leg) moves each hip keypoint to its
    joint centre (:meth:`gaitvision.evidence.hip_centre.HipCentre.leg_offsets_px`: one
    offset shared by both hips, plus the far hip's own extra). Hip extension (vs
    vertical and vs the trunk) is taken from each leg's centre, trunk lean from their
    midpoint. Knee flexion is kept on the keypoint hip (``knee_flexion_deg``, used at IC
    and for the curves) and also measured from the joint centre
    (``knee_flexion_hip_centre_deg``, used for its peak in stance): on the build renders
    the keypoint hip reads the stance peak 3-7 deg low (BlazePose's knee sits behind the
    bent knee's centre, which straightens the angle) and the joint-centre hip within 0-2
    deg, while at IC the joint-centre hip reads 5-11 deg high and the keypoint hip 0-8
    (docs/hip-centre.md).
    """
    hips = {s: bf.point(HIP[s]) + np.array([offsets_fwd[s], 0.0]) for s in SIDES}
    shoulders = bf.mid(SHOULDER["left"], SHOULDER["right"])
    trunk = shoulders - (hips["left"] + hips["right"]) / 2
    lean = np.degrees(np.arctan2(trunk[:, 0], trunk[:, 1]))
    series["trunk_lean_deg"] = lean
    for s in SIDES:
        thigh = segment_angle(hips[s], bf.point(KNEE[s]))
        series[f"hip_extension_deg.{s}"] = -thigh
        series[f"hip_extension_vs_trunk_deg.{s}"] = -thigh - lean
        series[f"knee_flexion_hip_centre_deg.{s}"] = \
            thigh - segment_angle(bf.point(KNEE[s]), bf.point(ANKLE[s]))


def stride_metrics(bf: BodyFrame, series: dict[str, np.ndarray], s: Stride,
                   leg_cm: float | None, hip_offset: float = 0.0) -> dict[str, float]:
    """Every side-view metric of one stride (NaN where it cannot be measured).

    - knee flexion at IC (keypoint hip) and its stance peak (hip joint centre; see
      :func:`hip_centre_series`) (Bramah 2018); peak hip extension, thigh
      vs vertical and vs trunk, over the stride (Souza; Moore 2016); tibia angle at IC
      (Lieberman 2015);
    - overstride: heel ahead of the mid-hip at IC, in leg lengths and cm (Lieberman 2015);
      the hip is moved by ``hip_offset`` (leg lengths, + forward) to the hip joint centre
      when one was found (:func:`hip_centre_series`);
    - foot-strike angle: sole vs belt at IC minus its angle over 25-50 % of stance,
      where the foot is flat (Mo et al. 2021);
    - trunk lean: mean over the stride (Teng & Powers 2014);
    - vertical oscillation: the pelvis's vertical range over the step from this IC to
      the other foot's IC, read below the ears along the head-trunk line
      (:func:`pelvis_height`): BlazePose's hip keypoints ride on the thighs (the
      sample clip's right steps read 4.6 cm against a true 7.4 from them) and its
      shoulders on the arms.
    """
    t, f = bf.t, s.foot
    ic, to, end = s.stance.ic, s.stance.to, s.end
    out = timing(s)
    out["knee_flexion_ic_deg"] = at(t, series[f"knee_flexion_deg.{f}"], ic)
    knee_jc = series.get(f"knee_flexion_hip_centre_deg.{f}", series[f"knee_flexion_deg.{f}"])
    out["knee_flexion_stance_peak_deg"] = peak(t, knee_jc, ic, to)
    out["hip_extension_peak_deg"] = peak(t, series[f"hip_extension_deg.{f}"], ic, end)
    out["hip_extension_vs_trunk_peak_deg"] = peak(
        t, series[f"hip_extension_vs_trunk_deg.{f}"], ic, end)
    out["tibia_angle_ic_deg"] = at(t, series[f"tibia_angle_deg.{f}"], ic)
    hip_fwd = bf.mid(HIP["left"], HIP["right"])[:, 0] + hip_offset
    over = at(t, bf.p[:, HEEL[f], 0] - hip_fwd, ic)
    out["overstride_leg_lengths"] = over
    foot = series[f"foot_angle_deg.{f}"]
    c = to - ic
    sel = (t >= ic + 0.25 * c) & (t <= ic + 0.5 * c)
    flat = float(np.nanmedian(foot[sel])) if np.isfinite(foot[sel]).any() \
        else at(t, foot, ic + 0.375 * c)
    out["foot_strike_angle_deg"] = at(t, foot, ic) - flat
    out["trunk_lean_deg"] = span_mean(t, series["trunk_lean_deg"], ic, end)
    pelvis_up = pelvis_height(bf, hip_offset)
    vo = peak(t, pelvis_up, ic, s.other_ic) - peak(t, pelvis_up, ic, s.other_ic, sign=-1.0)
    out["vertical_oscillation_leg_lengths"] = vo
    if leg_cm:
        out["overstride_cm"] = over * leg_cm
        out["vertical_oscillation_cm"] = vo * leg_cm
    return out


SIDE_CURVES = {"knee_flexion_deg": "deg", "hip_extension_deg": "deg",
               "hip_extension_vs_trunk_deg": "deg", "tibia_angle_deg": "deg",
               "foot_angle_deg": "deg"}


def hip_note(hip_centre, offset_ll: float, leg_cm: float | None) -> str:
    """Quality note naming the hip definition each side-view metric uses."""
    rest = ("knee flexion at contact uses BlazePose's hip point; vertical oscillation is "
            "the pelvis's height read below the ears")

    def size(px: float) -> str:  # px -> text, at the clip's scale (offset_ll / offset_px)
        ll = offset_ll * px / hip_centre.offset_px
        return f"{abs(ll) * leg_cm:.1f} cm" if leg_cm else f"{abs(ll):.3f} leg lengths"

    if hip_centre is not None and hip_centre.used:
        where = "behind" if offset_ll < 0 else "in front of"
        text = (f"hip joint centre ({hip_centre.method.replace('_', ' ')} method: "
                f"{size(hip_centre.offset_px)} {where} BlazePose's hip point")
        if hip_centre.far_extra_px:
            way = "back" if hip_centre.far_extra_px < 0 else "forward"
            text += (f"; the far ({hip_centre.far_side}) hip's own keypoint bias: a further "
                     f"{size(hip_centre.far_extra_px)} {way}")
        return (f"{text}) used for peak hip extension (vs vertical and vs the trunk), "
                f"trunk lean and peak knee flexion in stance; overstride uses the offset "
                f"shared by both hips; {rest}")
    why = f" ({hip_centre.note})" if hip_centre is not None and hip_centre.note else ""
    return (f"BlazePose's hip point (a surface point, typically 3-5 cm in front of the hip "
            f"joint centre){why} used for peak hip extension (vs vertical and vs the trunk), "
            f"trunk lean, overstride and knee flexion; vertical oscillation is the pelvis's "
            f"height read below the ears")

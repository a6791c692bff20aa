"""Ground truth of a synthetic clip, measured on the generated joint centres.

Every value is given in up to three ways, named in the JSON:
- ``"3d"``: from the 3D joint centres (only for knee flexion, a true 3D angle);
- ``"plane"``: from the 3D joint centres projected orthographically onto the
  anatomical plane the metric is defined in (sagittal X-Z for the side metrics,
  frontal Y-Z seen from behind for the rear metrics);
- ``"image"``: from the joint centres' pixel projections in this clip's camera, i.e.
  what a perfect 2D keypoint detector would give (perspective included). Only for the
  metrics of the clip's own view (side metrics in a side clip, rear ones in a rear clip).

Definitions follow the project's metric reference (docs/metrics.md); see
``DEFINITIONS`` below, which is also written into every truth file.
"""

from __future__ import annotations

import math

import numpy as np

from gaitvision.synth.camera import Camera
from gaitvision.synth.kinematics import LANDMARKS, SIDES, RunModel, crossover_2d

SCHEMA = "gaitvision.synth_truth/1"

DEFINITIONS = {
    "time": "clip time in seconds: frame k is shown at k / fps; event frames are "
            "fractional (time * fps), e.g. 12.4 lies between frames 12 and 13",
    "ic": "initial contact: the first instant the foot touches the belt (heel, for "
          "this rearfoot strike); exact model time",
    "to": "toe-off: the last instant the foot touches the belt; exact model time",
    "cadence_spm": "steps per minute (both feet) = 120 / stride time",
    "knee_flexion_deg": "180 - the hip-knee-ankle angle (joint centres); 0 = straight",
    "knee_flexion_ic_deg": "knee flexion at the IC instant",
    "thigh_extension_deg": "thigh segment (hip -> knee) vs vertical, positive when the "
                           "knee is behind the hip (the 2D 'hip extension'); thigh vs "
                           "vertical, not thigh vs pelvis",
    "peak_hip_extension_deg": "largest thigh_extension_deg from IC to the next IC of the "
                              "same leg (it occurs at or just after TO)",
    "pelvic_obliquity_deg": "angle of the line between the two hip joint centres vs "
                            "horizontal, positive when the left hip is higher",
    "pelvic_drop_deg": "per stance: the largest obliquity with the swing side lower, "
                       "between IC and TO of the stance leg (positive: swing side lower)",
    "arm_crossover": "horizontal distance by which the wrist passes the body midline "
                     "(the line through mid-shoulder and mid-hip, taken at the wrist's "
                     "height), divided by the horizontal distance between the shoulders "
                     "in the same view and instant; positive when the wrist is past the "
                     "midline; per stride: the largest value from IC to the next IC of "
                     "the same-side leg",
    "trunk_lean_deg": "trunk (mid-hip -> mid-shoulder) vs vertical, positive forward",
    "shank_angle_ic_deg": "shank (knee -> ankle) vs vertical at IC, positive when the "
                          "ankle is ahead of the knee",
    "foot_strike_angle_deg": "sole line heel -> foot_index vs the belt at IC minus the "
                             "same angle standing (positive: toes up, rearfoot strike)",
    "overstride_m": "horizontal distance ankle ahead of hip at IC, same leg",
    "vertical_oscillation_m": "vertical range of the mid-hip point within each step, mean",
    "contact_time_s": "TO - IC of the same foot",
    "flight_time_s": "stride time / 2 - contact time (both feet off the belt)",
    "duty_factor": "contact time / stride time",
    "joint_centres": "hip = femoral head centre, knee/ankle/shoulder/elbow/wrist = the "
                     "rig's joint centres; heel = back of the heel near the sole; "
                     "foot_index = tip of the shoe (BlazePose names)",
}


def _deg(x: float) -> float:
    return math.degrees(x)


def knee_flexion(h, k, a) -> float:
    u, v = h - k, a - k
    c = np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v))
    return 180.0 - _deg(math.acos(max(-1.0, min(1.0, c))))


def _sag(q):
    """3D point -> sagittal (forward, up)."""
    return np.array([q[0], q[2]])


def _front(q):
    """3D point -> frontal plane seen from behind (right, up)."""
    return np.array([-q[1], q[2]])


def _metrics_side(p2: dict, fwd_sign: float, y_up: bool) -> dict:
    """Side metrics from 2D points (horizontal, vertical); fwd_sign: +1 if forward is +h;
    y_up: True if vertical grows upward."""
    up = 1.0 if y_up else -1.0
    out = {}
    for s in SIDES:
        h, k, a = p2[f"{s}_hip"], p2[f"{s}_knee"], p2[f"{s}_ankle"]
        out[f"{s}_knee_flexion_deg"] = knee_flexion(h, k, a)
        out[f"{s}_thigh_extension_deg"] = _deg(math.atan2((h[0] - k[0]) * fwd_sign,
                                                          (h[1] - k[1]) * up))
        out[f"{s}_shank_angle_deg"] = _deg(math.atan2((a[0] - k[0]) * fwd_sign,
                                                      (k[1] - a[1]) * up))
        he, to = p2[f"{s}_heel"], p2[f"{s}_foot_index"]
        out[f"{s}_sole_angle_deg"] = _deg(math.atan2((to[1] - he[1]) * up,
                                                     (to[0] - he[0]) * fwd_sign))
        out[f"{s}_ankle_ahead_of_hip"] = (a[0] - h[0]) * fwd_sign
    ms = 0.5 * (p2["left_shoulder"] + p2["right_shoulder"])
    mh = 0.5 * (p2["left_hip"] + p2["right_hip"])
    out["trunk_lean_deg"] = _deg(math.atan2((ms[0] - mh[0]) * fwd_sign, (ms[1] - mh[1]) * up))
    return out


def _metrics_rear(p2: dict, y_up: bool) -> dict:
    """Frontal-plane metrics from 2D points seen from behind or from the front (both
    definitions are mirror-symmetric)."""
    up = 1.0 if y_up else -1.0
    hl, hr = p2["left_hip"], p2["right_hip"]
    out = {"pelvic_obliquity_deg": _deg(math.atan2((hl[1] - hr[1]) * up, abs(hr[0] - hl[0])))}
    for s in SIDES:
        out[f"{s}_arm_crossover"] = crossover_2d(p2, s)
    return out


def _frame_metrics(lms: dict, cam: Camera | None, view: str) -> dict:
    sag = {n: _sag(q) for n, q in lms.items()}
    front = {n: _front(q) for n, q in lms.items()}
    m = {"plane": {**_metrics_side(sag, 1.0, True), **_metrics_rear(front, True)}}
    m["3d"] = {f"{s}_knee_flexion_deg": knee_flexion(lms[f"{s}_hip"], lms[f"{s}_knee"],
                                                     lms[f"{s}_ankle"]) for s in SIDES}
    if cam is not None:
        px = {n: cam.project(q) for n, q in lms.items()}
        if view.startswith("side"):
            m["image"] = _metrics_side(px, 1.0 if view == "side_right" else -1.0, False)
        else:
            m["image"] = _metrics_rear(px, False)
    return m


def _r(x, nd):
    if x is None or isinstance(x, (str, bool, int)):
        return x
    if isinstance(x, dict):
        return {k: _r(v, nd) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_r(v, nd) for v in x]
    return round(float(x), nd)


def build_truth(model: RunModel, cam: Camera, view: str, fps: float, n_frames: int,
                t_start: float, clip_file: str, extra: dict | None = None,
                dense_hz: float = 1000.0) -> dict:
    """The truth JSON (as a dict) of one clip: frame k shows model time t_start + k/fps."""
    times = t_start + np.arange(n_frames) / fps
    duration = n_frames / fps
    poses = [model.pose(float(t)) for t in times]
    names = list(LANDMARKS)
    j3 = {n: np.array([p.landmarks[n] for p in poses]) for n in names}
    jpx = {n: cam.project(j3[n]) for n in names}
    fm = [_frame_metrics(p.landmarks, cam, view) for p in poses]
    side_view = view.startswith("side")

    def series(kind, key):
        return [f[kind][key] if kind in f and key in f[kind] else None for f in fm]

    angles = {}
    for s in SIDES:
        angles[f"{s}_knee_flexion_deg"] = {"3d": series("3d", f"{s}_knee_flexion_deg"),
                                           "plane": series("plane", f"{s}_knee_flexion_deg")}
        angles[f"{s}_thigh_extension_deg"] = {"plane": series("plane",
                                                              f"{s}_thigh_extension_deg")}
        angles[f"{s}_arm_crossover"] = {"plane": series("plane", f"{s}_arm_crossover")}
        if side_view:
            angles[f"{s}_knee_flexion_deg"]["image"] = series("image", f"{s}_knee_flexion_deg")
            angles[f"{s}_thigh_extension_deg"]["image"] = series(
                "image", f"{s}_thigh_extension_deg")
        else:
            angles[f"{s}_arm_crossover"]["image"] = series("image", f"{s}_arm_crossover")
    angles["pelvic_obliquity_deg"] = {"plane": series("plane", "pelvic_obliquity_deg")}
    angles["trunk_lean_deg"] = {"plane": series("plane", "trunk_lean_deg")}
    if side_view:
        angles["trunk_lean_deg"]["image"] = series("image", "trunk_lean_deg")
    else:
        angles["pelvic_obliquity_deg"]["image"] = series("image", "pelvic_obliquity_deg")

    # Dense sampling for peaks between frames.
    dense_t = t_start + np.arange(int(duration * dense_hz) + 1) / dense_hz
    dense_lms = [model.pose(float(t)).landmarks for t in dense_t]
    dense_m = [_frame_metrics(q, cam, view) for q in dense_lms]
    kinds = ["plane", "image"]

    def peak(key, t0, t1, sign=1.0):
        sel = np.nonzero((dense_t >= t0) & (dense_t < t1))[0]
        out = {}
        for kind in kinds:
            vals = [dense_m[i].get(kind, {}).get(key) for i in sel]
            if not vals or vals[0] is None:
                out[kind] = None
                continue
            arr = sign * np.array(vals)
            j = int(np.argmax(arr))
            out[kind] = float(arr[j])
            out[f"{kind}_time_s"] = float(dense_t[sel[j]] - t_start)
        return out

    strides = []
    events = model.events(t_start - model.T, t_start + duration)
    for ev in events:
        s = ev["side"]
        ic, to = ev["ic_s"], ev["to_s"]
        nxt = ic + model.T
        in_clip = ic >= t_start and to < t_start + duration
        if not in_clip:
            continue
        complete = nxt <= t_start + duration
        at_ic = _frame_metrics(model.pose(ic).landmarks, cam, view)
        rec = {
            "side": s,
            "ic_s": ic - t_start, "ic_frame": (ic - t_start) * fps,
            "to_s": to - t_start, "to_frame": (to - t_start) * fps,
            "next_ic_s": nxt - t_start if complete else None,
            "contact_time_s": to - ic,
            "complete_stride": complete,
            "knee_flexion_ic_deg": {"3d": at_ic["3d"][f"{s}_knee_flexion_deg"],
                                    "plane": at_ic["plane"][f"{s}_knee_flexion_deg"],
                                    "image": at_ic.get("image", {}).get(
                                        f"{s}_knee_flexion_deg")},
            "shank_angle_ic_deg": {k: at_ic.get(k, {}).get(f"{s}_shank_angle_deg")
                                   for k in kinds},
            "overstride_m": at_ic["plane"][f"{s}_ankle_ahead_of_hip"],
            "pelvic_drop_deg": peak("pelvic_obliquity_deg", ic, to,
                                    1.0 if s == "left" else -1.0),
        }
        stand = _standing_sole_angle(model, s)
        rec["foot_strike_angle_deg"] = {
            k: (at_ic[k][f"{s}_sole_angle_deg"] - stand) if at_ic.get(k, {}).get(
                f"{s}_sole_angle_deg") is not None else None for k in kinds}
        if complete:
            rec["peak_hip_extension_deg"] = peak(f"{s}_thigh_extension_deg", ic, nxt)
            rec["arm_crossover"] = peak(f"{s}_arm_crossover", ic, nxt)
        else:
            rec["peak_hip_extension_deg"] = None
            rec["arm_crossover"] = None
        strides.append(rec)

    summary = _summarise(model, strides, dense_t, dense_lms, t_start)
    truth = {
        "schema": SCHEMA,
        "clip": {"file": clip_file, "view": view, "fps": fps, "n_frames": n_frames,
                 "width": cam.width, "height": cam.height, "duration_s": duration,
                 "model_time_of_frame0_s": t_start,
                 "runner_faces": {"side_right": "image right", "side_left": "image left",
                                  "rear": "away from the camera",
                                  "front": "towards the camera"}[view],
                 "near_side": {"side_right": "right", "side_left": "left",
                               "rear": None, "front": None}[view]},
        "camera": cam.to_json(),
        "world": "metres; X forward (running direction), Y runner's left, Z up; belt top "
                 "at Z=0, moving towards -X at the belt speed",
        "definitions": DEFINITIONS,
        "value_kinds": {
            "3d": "from 3D joint centres",
            "plane": "3D joint centres projected onto the metric's anatomical plane "
                     "(sagittal for side metrics, frontal from behind for rear metrics)",
            "image": "from the joint centres' pixel projections in this clip (a perfect "
                     "2D keypoint detector); null for metrics of the other view"},
        "generator": {**(extra or {}), **_r(model.describe(), 6)},
        "summary": summary,
        "strides": _r(strides, 6),
        "frames": {
            "time_s": _r((times - t_start).tolist(), 6),
            "landmarks": names,
            "joints_3d_m": {n: _r(j3[n].tolist(), 5) for n in names},
            "joints_px": {n: _r(jpx[n].tolist(), 2) for n in names},
            "contact": {s: [bool(p.contact[s]) for p in poses] for s in SIDES},
            "angles": _r(angles, 3),
        },
    }
    return truth


def _standing_sole_angle(model: RunModel, side: str) -> float:
    """Heel -> foot_index angle of the rest (standing) foot, sagittal."""
    f = model.sk.feet[side]
    d = f["toe"] - f["heel"]
    # Standing flat: the rest foot turned so that its sole pivots sit on the belt.
    from gaitvision.synth.rotations import ry
    d = ry(model.beta0[side]) @ d
    return _deg(math.atan2(d[2], d[0]))


def _mean(vals):
    vals = [v for v in vals if v is not None]
    return float(np.mean(vals)) if vals else None


def _summarise(model: RunModel, strides: list[dict], dense_t, dense_lms, t_start) -> dict:
    p = model.p
    out: dict = {
        "cadence_spm": 120.0 / model.T,
        "stride_time_s": model.T,
        "step_time_s": model.T / 2,
        "contact_time_s": model.Tc,
        "flight_time_s": model.T / 2 - model.Tc,
        "duty_factor": p.duty_factor,
        "belt_speed_m_s": model.v,
        "belt_speed_kmh": p.speed_kmh,
        "n_ic": {s: sum(1 for r in strides if r["side"] == s) for s in SIDES},
        "n_complete_strides": {s: sum(1 for r in strides if r["side"] == s
                                      and r["complete_stride"]) for s in SIDES},
    }

    def per_side(key, kind, sub=None):
        res = {}
        for s in SIDES:
            vals = []
            for r in strides:
                if r["side"] != s or r.get(key) is None:
                    continue
                v = r[key] if sub is None else r[key].get(sub)
                if isinstance(v, dict):
                    v = v.get(kind)
                vals.append(v)
            res[s] = _mean(vals)
        res["mean"] = _mean([res[s] for s in SIDES])
        return res

    for key in ("knee_flexion_ic_deg", "peak_hip_extension_deg", "pelvic_drop_deg",
                "arm_crossover", "shank_angle_ic_deg", "foot_strike_angle_deg"):
        kinds = ("3d", "plane", "image") if key == "knee_flexion_ic_deg" else ("plane", "image")
        out[key] = {kind: per_side(key, kind) for kind in kinds}
    out["overstride_m"] = {s: _mean([r["overstride_m"] for r in strides if r["side"] == s])
                           for s in SIDES}
    # Vertical oscillation of mid-hip per step, and trunk lean mean.
    mid_z = np.array([0.5 * (q["left_hip"][2] + q["right_hip"][2]) for q in dense_lms])
    steps = sorted(r["ic_s"] + t_start for r in strides)
    ranges = []
    for a, b in zip(steps[:-1], steps[1:]):
        sel = (dense_t >= a) & (dense_t < b)
        if sel.any():
            ranges.append(float(np.ptp(mid_z[sel])))
    out["vertical_oscillation_m"] = _mean(ranges)
    lean = []
    for q in dense_lms:
        ms = 0.5 * (q["left_shoulder"] + q["right_shoulder"])
        mh = 0.5 * (q["left_hip"] + q["right_hip"])
        lean.append(_deg(math.atan2(ms[0] - mh[0], ms[2] - mh[2])))
    out["trunk_lean_deg"] = {"plane": float(np.mean(lean))}
    out["targets"] = {"knee_flexion_ic_deg": p.knee_flexion_ic_deg,
                      "peak_hip_extension_deg (thigh at TO)": p.peak_hip_extension_deg,
                      "pelvic_drop_deg": p.pelvic_drop_deg, "arm_crossover": p.arm_crossover,
                      "asymmetry": p.asymmetry,
                      "note": "generator inputs; the measured values above are the truth"}
    return _r(out, 4)

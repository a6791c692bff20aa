"""Synthetic runner for report tests: a stick-figure clip, its PoseTrack and a GaitAnalysis.

Small and fast (default 320x576, 30 fps, 3 s). The geometry follows a simple periodic
running pattern so the skeleton, arcs, events and loops have something real to show.
"""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

from gaitvision.kinematics.analysis import (
    N_CURVE,
    Curves,
    GaitAnalysis,
    GaitEvent,
    GaitEvents,
    MetricSummary,
    Quality,
    Reference,
    Stats,
    StrideRecord,
)
from gaitvision.landmarks import (
    ANKLE,
    ELBOW,
    HEEL,
    HIP,
    KNEE,
    N_LANDMARKS,
    SHOULDER,
    TOE,
    WRIST,
)
from gaitvision.pose.track import PoseTrack, ViewEstimate
from gaitvision.report.encode import H264Writer
from gaitvision.video import VideoInfo

STRIDE_S = 0.7
TO_PHASE = 0.38


def _knee(phi):
    knots = [0, 0.2, 0.38, 0.7, 1.0]
    vals = [20, 40, 12, 100, 20]
    return np.interp(phi % 1.0, knots, vals)


def _thigh(phi):  # + = forward of vertical
    return 10 + 25 * np.cos(2 * np.pi * phi)


def make_track(view: str = "side", width: int = 320, height: int = 576, fps: float = 30.0,
               duration: float = 3.0, video_path: str = "synthetic.mp4") -> PoseTrack:
    n = int(round(duration * fps))
    t = np.arange(n) / fps
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    vis = np.full((n, N_LANDMARKS), 0.95)
    z = np.zeros((n, N_LANDMARKS))
    L1 = L2 = 0.13 * height
    fwd = -1.0  # facing image-left
    for i, ti in enumerate(t):
        for side, off in (("left", 0.0), ("right", 0.5)):
            phi = (ti / STRIDE_S + off) % 1.0
            if view == "side":
                hip = np.array([0.5 * width + (3 if side == "right" else 0),
                                0.45 * height + 4 * np.cos(4 * np.pi * phi)])
                th = math.radians(_thigh(phi))
                kf = math.radians(_knee(phi))
                knee = hip + L1 * np.array([fwd * math.sin(th), math.cos(th)])
                sh = th - kf
                ankle = knee + L2 * np.array([fwd * math.sin(sh), math.cos(sh)])
                heel = ankle + np.array([-fwd * 0.02 * height, 0.012 * height])
                toe = ankle + np.array([fwd * 0.05 * height, 0.02 * height])
                lean = math.radians(7)
                shoulder = hip + 0.28 * height * np.array([fwd * math.sin(lean), -math.cos(lean)])
                arm = math.radians(-30 * math.cos(2 * np.pi * phi))
                elbow = shoulder + 0.1 * height * np.array([fwd * math.sin(arm), math.cos(arm)])
                wrist = elbow + 0.08 * height * np.array([fwd * math.cos(arm), -0.3])
            else:
                s = -1 if side == "left" else 1  # seen from behind: left on image-left
                tilt = 4 * math.sin(2 * np.pi * phi)  # deg
                hip = np.array([0.5 * width + s * 0.05 * width,
                                0.45 * height + s * 0.05 * width * math.tan(math.radians(tilt))])
                lift = max(0.0, math.sin(2 * np.pi * (phi - 0.45))) * 0.06 * height
                knee = hip + np.array([0.0, L1])
                ankle = knee + np.array([-s * 0.01 * width, L2 - lift])
                heel = ankle + np.array([0, 0.015 * height])
                toe = ankle + np.array([0, 0.01 * height])
                shoulder = np.array([0.5 * width + s * 0.09 * width, 0.45 * height - 0.27 * height])
                elbow = shoulder + np.array([s * 0.02 * width, 0.1 * height])
                swing = math.sin(2 * np.pi * phi)
                wrist = elbow + np.array([-s * (0.05 + 0.06 * swing) * width, 0.05 * height])
            for idx, p in ((HIP, hip), (KNEE, knee), (ANKLE, ankle), (HEEL, heel), (TOE, toe),
                           (SHOULDER, shoulder), (ELBOW, elbow), (WRIST, wrist)):
                xy[i, idx[side]] = p
            if view == "side" and side == "right":
                z[i, [HIP[side], KNEE[side], ANKLE[side]]] = 50
                vis[i, [KNEE[side], ANKLE[side], HEEL[side], TOE[side]]] = (
                    0.3 if 0.1 < phi < 0.3 else 0.7)
        mid_s = (xy[i, 11] + xy[i, 12]) / 2
        xy[i, 0] = mid_s + np.array([(-0.03 * width) if view == "side" else 0, -0.07 * height])
    info = VideoInfo(path=str(video_path), sha256="", codec="h264", width=width, height=height,
                     rotation=0, n_frames=n, duration_s=n / fps, fps=fps, fps_nominal=fps,
                     variable_frame_rate=False)
    return PoseTrack(times=t, frame_index=np.arange(n), xy=xy, z=z, visibility=vis,
                     world=np.full((n, N_LANDMARKS, 3), np.nan), detected=np.ones(n, bool),
                     frame_size=(width, height), video=info, model="synthetic",
                     view=ViewEstimate(view, "left" if view == "side" else None, 1.0, "user"))


def write_video(track: PoseTrack, path: Path) -> Path:
    """A clip of the stick figure (grey limbs on a dark gradient) matching the track."""
    w, h = track.frame_size
    bg = np.zeros((h, w, 3), np.uint8)
    bg[:] = np.linspace(30, 80, h, dtype=np.uint8)[:, None, None]
    with H264Writer(path, w, h, track.fps) as wr:
        for i in range(track.n_frames):
            img = bg.copy()
            for a, b in ((11, 23), (12, 24), (23, 25), (25, 27), (24, 26), (26, 28), (11, 13),
                         (13, 15), (12, 14), (14, 16), (27, 29), (29, 31), (28, 30), (30, 32)):
                pa, pb = track.xy[i, a], track.xy[i, b]
                cv2.line(img, tuple(int(v) for v in pa), tuple(int(v) for v in pb),
                         (200, 190, 170), 9)
            cv2.circle(img, tuple(int(v) for v in track.xy[i, 0]), 14, (200, 190, 170), -1)
            cv2.rectangle(img, (0, int(0.75 * h)), (w, h), (60, 60, 70), -1)
            wr.write(img, float(track.times[i]))
    return path


REFS = {
    "cadence_spm": ("steps/min", (155.0, 203.0), "about 170 spm optimal at 3.0 m/s",
                    "Lieberman 2015"),
    "contact_time_ms": ("ms", (240.0, 250.0), "about 0.24-0.25 s recreational",
                        "running-metrics.md"),
    "knee_flexion_ic_deg": ("deg", (15.0, 25.0), "about 21 deg at IC", "Bramah 2018"),
    "hip_extension_peak_deg": ("deg", None, "no validated cut-off", "Moore 2016"),
    "trunk_lean_deg": ("deg", None, "7.3 +- 3.6 deg self-selected", "Teng & Powers 2014"),
    "pelvic_drop_peak_deg": ("deg", None, "no validated cut-off", "Bramah 2018"),
    "arm_crossover_shoulder_widths": ("shoulder_widths", None, "descriptive", "none"),
    "step_width_leg_lengths": ("leg_lengths", None, "descriptive", "Iskandar 2023"),
}


def make_analysis(track: PoseTrack, seed: int = 0) -> GaitAnalysis:
    """A GaitAnalysis consistent with :func:`make_track` (events from the synthetic phase)."""
    rng = np.random.default_rng(seed)
    view = track.view.view
    dur = track.times[-1]
    events, strides = [], []
    for side, off in (("left", 0.0), ("right", 0.5)):
        t0 = (1.0 - off) * STRIDE_S % STRIDE_S
        ics = np.arange(t0, dur, STRIDE_S)
        for k, ic in enumerate(ics):
            fps = track.fps
            events.append(GaitEvent(side, "IC", float(ic), float(ic * fps), k == 1))
            to = ic + TO_PHASE * STRIDE_S
            if to < dur:
                events.append(GaitEvent(side, "TO", float(to), float(to * fps)))
            if k + 1 < len(ics):
                end = ics[k + 1]
                if view == "side":
                    m = {"knee_flexion_ic_deg": 20 + rng.normal(0, 1.5),
                         "contact_time_ms": TO_PHASE * STRIDE_S * 1000 + rng.normal(0, 5),
                         "hip_extension_peak_deg": 15 + rng.normal(0, 1),
                         "trunk_lean_deg": 7 + rng.normal(0, 0.5),
                         "cadence_spm": 120 / STRIDE_S + rng.normal(0, 1)}
                else:
                    m = {"pelvic_drop_peak_deg": 4 + rng.normal(0, 0.5),
                         "contact_time_ms": TO_PHASE * STRIDE_S * 1000 + rng.normal(0, 5),
                         "arm_crossover_shoulder_widths": 0.1 + rng.normal(0, 0.02),
                         "step_width_leg_lengths": 0.05 + rng.normal(0, 0.01),
                         "cadence_spm": 120 / STRIDE_S + rng.normal(0, 1)}
                m = {kk: round(float(v), 1 if kk.endswith(("deg", "spm")) else
                               0 if kk.endswith("ms") else 3) for kk, v in m.items()}
                strides.append(StrideRecord(side, k, float(ic), float(end), float(to),
                                            float(ic * fps), float(end * fps), metrics=m))
    summary = {}
    names = sorted({k for s in strides for k in s.metrics})
    for name in names:
        unit, rng_, text, src = REFS[name]
        st = {sd: Stats.of([s.metrics[name] for s in strides if s.side == sd])
              for sd in ("left", "right")}
        both = Stats.of([s.metrics[name] for s in strides])

        def r(x, name=name):
            if x is None:
                return None
            d = 1 if name.endswith(("deg", "spm")) else 0 if name.endswith("ms") else 3
            return Stats(round(x.mean, d), round(x.sd, d), round(x.median, d), x.n)

        lm, rm = r(st["left"]), r(st["right"])
        flag = "no_norm" if rng_ is None else (
            "within" if rng_[0] <= both.mean <= rng_[1] else "outside")
        summary[name] = MetricSummary(
            name=name, label=name.replace("_", " "), unit=unit, left=lm, right=rm, both=r(both),
            reference=Reference(rng_, text, src),
            finding=f"{name.replace('_', ' ')} {round(both.mean, 1)}: {text} ({src}).",
            flag=flag, flags={"left": flag, "right": flag},
            asymmetry={"diff": round(lm.mean - rm.mean, 2),
                       "pct": round(100 * (lm.mean - rm.mean) / ((abs(lm.mean) + abs(rm.mean)) / 2),
                                    1)},
        )
    pct = np.linspace(0, 1, N_CURVE)
    per_stride: dict = {}
    units: dict = {}
    if view == "side":
        per_stride["knee_flexion_deg"] = {}
        per_stride["hip_extension_deg"] = {}
        units.update(knee_flexion_deg="deg", hip_extension_deg="deg")
    else:
        per_stride["pelvic_obliquity_deg"] = {}
        per_stride["wrist_offset_sw"] = {}
        units.update(pelvic_obliquity_deg="deg", wrist_offset_sw="shoulder_widths")
    for side in ("left", "right"):
        n = sum(1 for s in strides if s.side == side)
        noise = rng.normal(0, 1, (n, 1))
        if view == "side":
            per_stride["knee_flexion_deg"][side] = _knee(pct)[None, :] + noise * 2
            per_stride["hip_extension_deg"][side] = -_thigh(pct)[None, :] + noise
        else:
            per_stride["pelvic_obliquity_deg"][side] = (
                4 * np.sin(2 * np.pi * pct)[None, :] + noise * 0.5)
            per_stride["wrist_offset_sw"][side] = (
                -0.2 + 0.3 * np.sin(2 * np.pi * pct)[None, :] + noise * 0.03)
    curves = Curves(per_stride, units, {"left": TO_PHASE * 100, "right": TO_PHASE * 100 + 1})
    nl = sum(1 for s in strides if s.side == "left")
    quality = Quality(strides_left=nl, strides_right=len(strides) - nl, confidence_left=0.95,
                      confidence_right=0.62, inferred_events=sum(e.inferred for e in events),
                      hidden_leg=None, camera_roll_deg=0.4 if view == "rear" else None,
                      too_few_strides=True, excluded_strides=0, detection_rate=1.0,
                      fps=track.fps, notes=["synthetic clip"])
    series = {}
    if view == "side":
        for side, off in (("left", 0.0), ("right", 0.5)):
            phi = (track.times / STRIDE_S + off) % 1.0
            series[f"knee_flexion_deg.{side}"] = _knee(phi)
            series[f"hip_extension_deg.{side}"] = -_thigh(phi)
    return GaitAnalysis(
        view=view, direction="left" if view == "side" else None, video=track.video.to_dict(),
        events=GaitEvents(events), strides=strides, summary=summary, curves=curves,
        quality=quality, times=track.times.copy(), frame_index=track.frame_index.copy(),
        series=series, height_cm=178.0, speed_kmh=11.0, leg_length_px=0.26 * track.frame_size[1],
    )


def make_view(tmp: Path, view: str = "side", **kw) -> tuple[GaitAnalysis, PoseTrack, Path]:
    """Write a synthetic clip into ``tmp`` and return (analysis, track, video path)."""
    tmp.mkdir(parents=True, exist_ok=True)
    video = tmp / f"synthetic_{view}.mp4"
    track = make_track(view, video_path=str(video), **kw)
    write_video(track, video)
    return make_analysis(track), track, video

"""Score the pelvic-obliquity candidates of gaitvision.evidence.pelvis on rendered clips.

    .venv/bin/python tools/pelvis_eval.py .renders/build1/synthetic_rear_30fps.mp4 ... [--json OUT]

Each clip needs its ``.truth.json`` beside it with a ``visible_pelvis`` block (renders of
``python -m gaitvision.synth``). For every candidate (keypoints alone, then each image
method fused with the keypoints' level) it prints, per clip: the per-side mean of the
per-stance peak drop against the visible truth (skin over the PSIS from behind, ASIS
from the front) and the bone's, and the slope and correlation over frames against the
visible truth. Stances are the truth's (this scores the pelvis measurement, not the
event detection). Nothing here feeds back into the method: it only reports.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from gaitvision.evidence.pelvis import (
    MirroredLevel,
    PelvisRegionTracker,
    StridePeriodicFit,
    fuse,
    fuse_periodic,
)
from gaitvision.landmarks import HIP

#: Candidate name -> PelvisRegionTracker parameters. "psis": regions centred on the
#: posterior superior iliac spines' place relative to the hip joints (0.28 inter-hip
#: widths from the midline, 0.58 above the hip line; Bell et al. 1990, as in
#: gaitvision/synth/pelvis_truth.py), 0.15 hip widths either way.
CANDIDATES = {
    "dis": {"method": "dis", "fit": "regions"},
    "lk": {"method": "lk"},
    "ecc": {"method": "ecc"},
    "dis_tilt": {"method": "dis", "fit": "tilt"},
    "dis_psis": {"method": "dis", "fit": "regions", "inner": 0.13, "outer": 0.43,
                 "bottom": 0.43, "top": 0.73},
    "lk_psis": {"method": "lk", "inner": 0.13, "outer": 0.43, "bottom": 0.43, "top": 0.73},
    "dis_tilt_psis": {"method": "dis", "fit": "tilt", "inner": 0.13, "outer": 0.43,
                      "bottom": 0.43, "top": 0.73},
    "dis_tilt_hi": {"method": "dis", "fit": "tilt", "bottom": 0.2, "top": 0.8},
    "dis_tilt_lo": {"method": "dis", "fit": "tilt", "bottom": 0.0, "top": 0.45},
    "dis_tilt_fb": {"method": "dis", "fit": "tilt", "fb_px": 0.5},
    "dis_tilt_med": {"method": "dis", "fit": "tilt", "outer": 0.3},
    "dis_tilt_hand5": {"method": "dis", "fit": "tilt", "hand_radius": 0.5},
    "dis_tilt_at_psis": {"method": "dis", "fit": "tilt", "bottom": 0.05, "top": 0.8,
                         "tilt_height": 0.58},
}
#: Candidates fused by the stride-periodic model (StridePeriodicFit) instead of the
#: one-stride high-pass: name -> (base candidate, StridePeriodicFit parameters).
PERIODIC = {
    "dis_tilt_h2": ("dis_tilt", {"harmonics": 2}),
    "dis_tilt_h4": ("dis_tilt", {"harmonics": 4}),
    "dis_tilt_h6": ("dis_tilt", {"harmonics": 6}),
    "dis_h4": ("dis", {"harmonics": 4}),
    "dis_tilt_hi_h4": ("dis_tilt_hi", {"harmonics": 4}),
    "dis_tilt_hand5_h4": ("dis_tilt_hand5", {"harmonics": 4}),
    "dis_tilt_med_h4": ("dis_tilt_med", {"harmonics": 4}),
    "dis_tilt_fb_h4": ("dis_tilt_fb", {"harmonics": 4}),
    "dis_tilt_lo_h4": ("dis_tilt_lo", {"harmonics": 4}),
    "dis_tilt_at_psis_h4": ("dis_tilt_at_psis", {"harmonics": 4}),
    "lk_h4": ("lk", {"harmonics": 4}),
}
#: Candidates whose level is corrected by the keypoints' handedness bias measured on the
#: mirrored frames (gaitvision.evidence.pelvis.MirroredLevel): name -> the candidate
#: corrected. Scored here with the true roll, so only the hip line's part of the
#: correction applies (the trunk's part corrects the pipeline's roll estimate; see
#: tools/pelvis_eval_e2e.py for the whole).
MIRRORED = {"keypoints_mirror": "keypoints", "dis_tilt_h4_mirror": "dis_tilt_h4"}
METHODS = ("dis", "lk", "ecc")


def keypoint_obliquity(xy: np.ndarray) -> np.ndarray:
    """Image obliquity of the hip keypoints (deg, + = right hip lower; y down)."""
    lh, rh = xy[:, HIP["left"]], xy[:, HIP["right"]]
    return np.degrees(np.arctan2(rh[:, 1] - lh[:, 1], np.abs(lh[:, 0] - rh[:, 0])))


def _track(path: Path):
    from gaitvision.pose.cleaning import clean_track
    from gaitvision.pose.estimate import estimate_pose
    from gaitvision.pose.tracking import label_track

    raw = estimate_pose(path, workers=1)
    view = "front" if "front" in path.name else "rear"
    return clean_track(label_track(raw, view=view))


def _drops(times, series, strides) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"left": [], "right": []}
    for s in strides:
        sel = (times >= s["ic_s"]) & (times <= s["to_s"]) & np.isfinite(series)
        if sel.any():
            sign = 1.0 if s["side"] == "left" else -1.0
            out[s["side"]].append(float(np.max(sign * series[sel])))
    return out


def _fit(measured, truth) -> tuple[float, float]:
    ok = np.isfinite(measured) & np.isfinite(truth)
    x, y = truth[ok] - truth[ok].mean(), measured[ok] - measured[ok].mean()
    return float(np.dot(x, y) / np.dot(x, x)), float(np.corrcoef(x, y)[0, 1])


def evaluate(path: Path, methods=METHODS) -> dict:
    truth = json.loads(path.with_name(path.stem + ".truth.json").read_text())
    vp = truth["visible_pelvis"]
    lm = "asis" if truth["clip"]["view"] == "front" else "psis"
    kind = "plane" if truth["camera"].get("roll_deg") else "image"
    track = _track(path)
    t = track.times
    band = "waistband_front" if lm == "asis" else "waistband_back"
    truths = {name: np.asarray(vp["frames"][name]["image"], float)[track.frame_index]
              for name in (lm, band, "bone")}
    kp = keypoint_obliquity(track.xy)
    stride_s = truth["summary"]["stride_time_s"]
    cands = {"keypoints": kp}
    quality = {}
    motions = {}
    for m in [m for m in methods if m not in MIRRORED]:
        base, fit_kw = PERIODIC.get(m, (m, None))
        if base not in motions:
            motions[base] = PelvisRegionTracker(**{"mirror_level": False, **CANDIDATES[base]}).track(
                path, t, track.frame_index, track.xy, track.frame_size)
        motion = motions[base]
        if fit_kw is None:
            cands[m] = fuse(kp, motion.motion_deg, t, stride_s)
            continue
        per = StridePeriodicFit(**fit_kw).fit(t, motion, stride_s)
        quality[m] = {"p_value": per.p_value, "explained": per.explained,
                      "coverage": per.coverage, "supported": per.supported}
        # As the pipeline: no stride-locked image motion -> the keypoints alone.
        cands[m] = fuse_periodic(kp, per, t, stride_s) if per.supported else kp
    if any(m in MIRRORED for m in methods):
        shift = MirroredLevel().shift(path, track.frame_index, track.xy, track.frame_size)
        sign = 1.0 if np.nanmedian(track.xy[:, HIP["right"], 0] - track.xy[:, HIP["left"], 0]) > 0 \
            else -1.0
        quality["mirror"] = {"shift_deg": shift.shift_deg, "hips_deg": shift.hips_deg,
                             "trunk_deg": shift.trunk_deg, "frames": shift.frames}
        for m in methods:
            if m in MIRRORED and MIRRORED[m] in cands and np.isfinite(shift.hips_deg):
                cands[m] = cands[MIRRORED[m]] + sign * shift.hips_deg
                if MIRRORED[m] in quality:
                    quality[m] = quality[MIRRORED[m]]
    # truth per-stance drops (visible and bone) from the truth file
    roll = truth["camera"].get("roll_deg", 0.0)
    res = {"clip": str(path), "landmark": lm, "waistband": band, "kind": kind,
           "truth_drop": {name: {s: float(np.mean([r[name][kind] for r in vp["strides"]
                                                   if r["side"] == s])) for s in ("left", "right")}
                          for name in truths},
           "gain_skin_vs_bone": {name: vp["gain_vs_bone"][name]["image"] for name in (lm, band)},
           "quality": quality, "candidates": {}}
    for name, series in cands.items():
        # Drops are levelled with the true roll here (front: the left side rises with
        # the roll, from behind it sinks): scoring the pelvis, not the roll estimate.
        level = series + (-roll if truth["clip"]["view"] == "front" else roll)
        d = _drops(t, level if kind == "plane" else series, vp["strides"])
        res["candidates"][name] = {"drop": {s: float(np.mean(v)) for s, v in d.items()},
                                   "fit": {k: _fit(series, v) for k, v in truths.items()}}
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--methods", default=",".join(METHODS))
    args = ap.parse_args(argv)
    results = []
    for clip in args.clips:
        r = evaluate(clip, args.methods.split(","))
        results.append(r)
        print(f"{clip}: truth drop L / R " + "; ".join(
            f"{k} {v['left']:.2f} / {v['right']:.2f}" for k, v in r["truth_drop"].items())
            + "; skin gain vs bone " + ", ".join(
                f"{k} {g['slope']:.2f} (r {g['r']:.2f})" for k, g in r["gain_skin_vs_bone"].items()))
        for name, c in r["candidates"].items():
            fits = "  ".join(f"vs {k}: slope {a:.2f} r {b:.2f}" for k, (a, b) in c["fit"].items())
            q = r["quality"].get(name)
            if name in MIRRORED:
                mq = r["quality"]["mirror"]
                print(f"    (level shift from the mirrored frames: hips {mq['hips_deg']:+.2f}, "
                      f"trunk {mq['trunk_deg']:+.2f}, whole {mq['shift_deg']:+.2f} deg)")
            qs = (f"  [p {q['p_value']:.1e}, explained {q['explained']:.2f}, "
                  f"steps measured {q['coverage']:.2f}"
                  f"{'' if q['supported'] else ', NOT SUPPORTED: keypoints'}]" if q else "")
            print(f"  {name:11s} L {c['drop']['left']:6.2f} R {c['drop']['right']:6.2f}  {fits}{qs}")
        sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

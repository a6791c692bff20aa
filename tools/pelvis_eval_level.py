"""Where the pelvic level (the obliquity's mean over a stride) goes wrong, on rendered rear clips.

    .venv/bin/python tools/pelvis_eval_level.py CLIP.mp4 [...] [--e2e E2E.json --json OUT.json]

The pipeline's pelvic obliquity takes its level from the hip keypoints' mean over a stride,
levelled by the camera roll it estimates from the trunk's mean axis
(``kinematics.rear.camera_roll``). Per clip, over its whole strides (truth's left ICs), this
prints the image-plane means (deg, + = right side lower) of: the truth (PSIS skin, back
waistband, bone, and the hip joint centres' pixel projections), BlazePose's hip line, and
BlazePose's trunk axis beside the truth's; the true roll, the trunk-axis roll and the
background roll (:class:`gaitvision.kinematics.camera.BackgroundLevel`); and the level's
error in the frontal plane with either roll. With ``--e2e`` (a ``tools/pelvis_eval_e2e.py``
JSON of the same clips) it also writes the end-to-end result as it would be with the
background roll in place of the trunk's (a roll changes the levelled obliquity by the same
angle at every frame: drops shift by +/- the difference, frame slope and r stay), as the
candidate ``end_to_end_background_roll``. Nothing here feeds back into the method.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from pathlib import Path

import numpy as np

from gaitvision.landmarks import HIP, SHOULDER
from tools.pelvis_eval import _track, keypoint_obliquity


def _line_tilt(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Tilt of the left -> right line (deg, + = right end lower; image y down)."""
    return np.degrees(np.arctan2(right[:, 1] - left[:, 1], np.abs(left[:, 0] - right[:, 0])))


def _trunk_tilt(lh, rh, ls, rs) -> np.ndarray:
    """Mid-hip -> mid-shoulder direction vs image vertical (deg, + = top to the right)."""
    d = (ls + rs) / 2 - (lh + rh) / 2
    return np.degrees(np.arctan2(d[:, 0], -d[:, 1]))


def level(path: Path) -> dict:
    """The level's parts on one clip (see the module docstring)."""
    from gaitvision.kinematics.camera import BackgroundLevel

    truth = json.loads(path.with_name(path.stem + ".truth.json").read_text())
    track = _track(path)
    t, rows = track.times, track.frame_index
    vp = truth["visible_pelvis"]["frames"]
    jp = {k: np.asarray(v, float)[rows] for k, v in truth["frames"]["joints_px"].items()}
    ics = sorted(s["ic_s"] for s in truth["visible_pelvis"]["strides"] if s["side"] == "left")
    sel = (t >= ics[0]) & (t < ics[-1])
    xy = track.xy
    means = {name: float(np.nanmean(np.asarray(vp[name]["image"], float)[rows][sel]))
             for name in ("psis", "waistband_back", "bone")}
    means["hip_joints_px"] = float(np.nanmean(_line_tilt(jp["left_hip"], jp["right_hip"])[sel]))
    means["keypoint_hips"] = float(np.nanmean(keypoint_obliquity(xy)[sel]))
    trunk_kp = float(np.nanmean(_trunk_tilt(xy[:, HIP["left"]], xy[:, HIP["right"]],
                                            xy[:, SHOULDER["left"]], xy[:, SHOULDER["right"]])[sel]))
    trunk_truth = float(np.nanmean(_trunk_tilt(jp["left_hip"], jp["right_hip"],
                                               jp["left_shoulder"], jp["right_shoulder"])[sel]))
    bg = BackgroundLevel().from_video(path, rows, xy, track.frame_size)
    roll_true = float(truth["camera"].get("roll_deg") or 0.0)
    # From behind a counter-clockwise roll lowers the image-left (runner's left) side:
    # the frontal-plane obliquity is the image one plus the roll.
    plane_truth = means["psis"] + roll_true
    out = {"clip": str(path), "means": means, "trunk_tilt": {"keypoints": trunk_kp,
                                                             "truth": trunk_truth},
           "roll": {"true": roll_true, "trunk": -trunk_kp, "background": bg.roll_deg,
                    "background_lines": bg.n_lines},
           "level_error_vs_psis": {
               "true roll": means["keypoint_hips"] + roll_true - plane_truth,
               "trunk roll": means["keypoint_hips"] - trunk_kp - plane_truth,
               "background roll": means["keypoint_hips"] + bg.roll_deg - plane_truth}}
    return out


def background_roll_candidate(e2e: dict, roll_bg: float) -> dict:
    """The end-to-end result with the background roll in place of the trunk's."""
    r = copy.deepcopy(e2e)
    c = r["candidates"]["end_to_end"]
    delta = roll_bg - float(r["camera_roll_deg"]["estimated"])
    c["drop"] = {"left": c["drop"]["left"] + delta, "right": c["drop"]["right"] - delta}
    r["candidates"] = {"end_to_end_background_roll": c}
    return r


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--e2e", type=Path, help="tools/pelvis_eval_e2e.py JSON of these clips")
    ap.add_argument("--json", type=Path, help="write the background-roll candidate here")
    args = ap.parse_args(argv)
    e2e = {Path(r["clip"]).name: r for r in json.loads(args.e2e.read_text())} if args.e2e else {}
    out = []
    for clip in args.clips:
        r = level(clip)
        m, roll, err = r["means"], r["roll"], r["level_error_vs_psis"]
        print(f"{clip.name}: image means psis {m['psis']:+.2f} waistband "
              f"{m['waistband_back']:+.2f} bone {m['bone']:+.2f} hip joints "
              f"{m['hip_joints_px']:+.2f} | keypoint hips {m['keypoint_hips']:+.2f}; trunk "
              f"tilt keypoints {r['trunk_tilt']['keypoints']:+.2f} truth "
              f"{r['trunk_tilt']['truth']:+.2f} | roll true {roll['true']:+.2f} trunk "
              f"{roll['trunk']:+.2f} background {roll['background']:+.2f} "
              f"({roll['background_lines']} lines) | level error vs PSIS with true / trunk / "
              f"background roll {err['true roll']:+.2f} / {err['trunk roll']:+.2f} / "
              f"{err['background roll']:+.2f}", flush=True)
        if clip.name in e2e and np.isfinite(roll["background"]):
            out.append(background_roll_candidate(e2e[clip.name], roll["background"]))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

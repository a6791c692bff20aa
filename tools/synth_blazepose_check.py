"""Run BlazePose on a synthetic clip and compare with its truth JSON.

    python tools/synth_blazepose_check.py sample_videos/synthetic_side_60fps.mp4 [--png DIR]

Reports the detection rate and, per joint, the mean and 90th-percentile pixel distance
between BlazePose's landmark and the true joint centre's projection. Nothing here is
fitted: it only measures. Needs mediapipe (the main venv).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import av
import numpy as np

JOINTS = ("shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index")
BP = {"left_shoulder": 11, "right_shoulder": 12, "left_elbow": 13, "right_elbow": 14,
      "left_wrist": 15, "right_wrist": 16, "left_hip": 23, "right_hip": 24, "left_knee": 25,
      "right_knee": 26, "left_ankle": 27, "right_ankle": 28, "left_heel": 29,
      "right_heel": 30, "left_foot_index": 31, "right_foot_index": 32}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("clip")
    ap.add_argument("--png", default=None, help="save a few annotated frames here")
    args = ap.parse_args()
    import mediapipe as mp

    clip = Path(args.clip)
    truth = json.loads(clip.with_suffix(".truth.json").read_text())
    px = {k: np.array(v) for k, v in truth["frames"]["joints_px"].items()}
    n = truth["clip"]["n_frames"]
    det = np.full((n, 33, 2), np.nan)
    vis = np.full((n, 33), np.nan)
    saved = []
    # the pose stage's settings: tracking mode, full model, mediapipe's causal smoothing off
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1,
                                smooth_landmarks=False) as pose:
        with av.open(str(clip)) as c:
            for i, frame in enumerate(c.decode(video=0)):
                img = frame.to_ndarray(format="rgb24")
                h, w = img.shape[:2]
                res = pose.process(img)
                if res.pose_landmarks:
                    for j, lm in enumerate(res.pose_landmarks.landmark):
                        det[i, j] = (lm.x * w, lm.y * h)
                        vis[i, j] = lm.visibility
                if args.png and i in (0, n // 4, n // 2, 3 * n // 4):
                    saved.append((i, img.copy()))
    found = ~np.isnan(det[:, 0, 0])
    print(f"{clip.name}: {n} frames, BlazePose detected {found.sum()} "
          f"({100 * found.mean():.1f}%)")
    # Left/right label swaps: per frame and limb (legs, arms), the labelling that fits
    # the truth better; errors are reported as labelled and after undoing swaps.
    limbs = {"legs": ("hip", "knee", "ankle", "heel", "foot_index"),
             "arms": ("shoulder", "elbow", "wrist")}
    swapped = {}
    for limb, joints in limbs.items():
        same = sum(np.linalg.norm(det[:, BP[f"{s}_{j}"]] - px[f"{s}_{j}"], axis=1)
                   for j in joints for s in ("left", "right"))
        cross = sum(np.linalg.norm(det[:, BP[f"{o}_{j}"]] - px[f"{s}_{j}"], axis=1)
                    for j in joints for s, o in (("left", "right"), ("right", "left")))
        swapped[limb] = cross < same
        print(f"{limb}: left/right labels swapped in {100 * np.mean(swapped[limb][found]):.1f}%"
              " of detected frames")
    rows = {}
    for name, j in BP.items():
        err = np.linalg.norm(det[:n, j] - px[name][:n], axis=1)
        other = name.replace("left", "@").replace("right", "left").replace("@", "right")
        err_sw = np.linalg.norm(det[:n, BP[other]] - px[name][:n], axis=1)
        limb = "arms" if name.split("_", 1)[1] in limbs["arms"] else "legs"
        fixed = np.where(swapped[limb], err_sw, err)
        rows[name] = (np.nanmean(err), np.nanmean(fixed), np.nanpercentile(fixed, 90),
                      np.nanmean(vis[:, j]))
    print(f"{'joint':18s} {'labelled':>9s} {'unswapped':>10s} {'p90':>6s} {'vis':>5s}"
          "   (mean px distance to the true joint centre)")
    for name, (m, mf, p90, v) in rows.items():
        print(f"{name:18s} {m:9.1f} {mf:10.1f} {p90:6.1f} {v:5.2f}")
    for group in ("hip", "knee", "ankle"):
        vals = [rows[f"{s}_{group}"][1] for s in ("left", "right")]
        print(f"mean {group} (unswapped): {np.mean(vals):.1f} px")
    if args.png:
        import PIL.Image
        import PIL.ImageDraw

        out = Path(args.png)
        out.mkdir(parents=True, exist_ok=True)
        for i, img in saved:
            im = PIL.Image.fromarray(img)
            d = PIL.ImageDraw.Draw(im)
            for name, j in BP.items():
                tx, ty = px[name][i]
                d.ellipse([tx - 4, ty - 4, tx + 4, ty + 4], outline=(0, 255, 0), width=2)
                if found[i]:
                    bx, by = det[i, j]
                    d.line([bx - 5, by - 5, bx + 5, by + 5], fill=(255, 0, 255), width=2)
                    d.line([bx - 5, by + 5, bx + 5, by - 5], fill=(255, 0, 255), width=2)
            im.save(out / f"{clip.stem}_{i:04d}.png")


if __name__ == "__main__":
    main()

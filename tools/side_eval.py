"""Side-view metrics of synthetic clips against their truth, per side.

    .venv/bin/python tools/side_eval.py CLIP.mp4 [CLIP2.mp4 ...] [--tracks DIR] [--json OUT]

For each clip (its ``.truth.json`` beside it) runs pose (or reloads a saved raw track
from ``--tracks``), the side-view pipeline with the runner's true stature as height,
and prints each side metric that has a truth: true, measured, error, per side. With
several clips it ends with the mean absolute error per metric and side. The truth is
read by ``tests/side_truth.py``; nothing here feeds back into the pipeline.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.side_truth import SIDES, load_side_truth  # noqa: E402

METRICS = ("cadence_spm", "step_time_ms", "contact_time_ms", "flight_time_ms",
           "duty_factor_pct", "knee_flexion_ic_deg", "knee_flexion_stance_peak_deg",
           "hip_extension_peak_deg", "hip_extension_vs_trunk_peak_deg",
           "tibia_angle_ic_deg", "foot_strike_angle_deg", "overstride_cm",
           "trunk_lean_deg", "vertical_oscillation_cm")


def raw_track(clip: Path, tracks: Path | None):
    """Raw BlazePose track of ``clip``, reloaded from ``tracks`` when saved there."""
    from gaitvision.pose.estimate import estimate_pose
    from gaitvision.pose.track import PoseTrack

    saved = tracks / f"{clip.parent.name}_{clip.stem}.track.npz" if tracks else None
    if saved is not None and saved.exists():
        return PoseTrack.load(saved)
    track = estimate_pose(clip, workers=1)
    if saved is not None:
        saved.parent.mkdir(parents=True, exist_ok=True)
        track.save(saved)
    return track


def analyse(clip: Path, height_cm: float | None, tracks: Path | None, hip: str | None = None):
    """The side-view analysis of ``clip`` (``hip``: a hip-centre method, or BlazePose's)."""
    from gaitvision.kinematics import analyze_gait
    from gaitvision.pose.cleaning import clean_track
    from gaitvision.pose.tracking import label_track

    labelled = label_track(raw_track(clip, tracks))
    hip_centre = None
    if hip:
        from gaitvision.evidence.hip_centre import estimate_hip_centre

        hip_centre = estimate_hip_centre(labelled, clip, method=hip)
        far = (f", far ({hip_centre.far_side}) hip extra {hip_centre.far_extra_px:+.1f} px "
               f"(se {hip_centre.far_extra_se_px:.1f})" if hip_centre.far_side else "")
        print(f"{clip.name}: hip {hip_centre.method} offset {hip_centre.offset_px:+.1f} px{far} "
              f"({hip_centre.n_frames} frames; {hip_centre.note})")
    return analyze_gait(clean_track(labelled), raw=labelled, height_cm=height_cm,
                        hip_centre=hip_centre)


def compare(clip: Path, tracks: Path | None, hip: str | None = None) -> dict:
    """``{metric: {side: (true, measured)}}`` for one clip."""
    truth = load_side_truth(clip.with_suffix(".truth.json"))
    a = analyse(clip, 100 * truth.stature_m, tracks, hip)
    out = {}
    for m in METRICS:
        out[m] = {s: (truth.get(m, s), a.value(m, s)) for s in SIDES}
    return out


def stability(clip: Path, tracks: Path | None, hip: str | None) -> None:
    """A clip without truth (real footage): per-stride hip extension, trunk lean and
    overstride, with their stride-to-stride SD, for a plausibility check."""
    a = analyse(clip, None, tracks, hip)
    print(f"\n{clip} (hip: {hip or 'default, knee circle'}); no truth: per-stride values")
    print("\n".join(n for n in a.quality.notes if "hip" in n))
    for m in ("hip_extension_peak_deg", "hip_extension_vs_trunk_peak_deg", "trunk_lean_deg",
              "overstride_leg_lengths", "vertical_oscillation_leg_lengths"):
        for side in SIDES:
            v = [s.metrics.get(m, np.nan) for s in a.included(side)]
            print(f"{m:24s} {side:5s} mean {np.nanmean(v):7.3f} sd {np.nanstd(v):6.3f}  "
                  + " ".join(f"{x:.2f}" for x in v))


def print_table(name: str, rows: dict) -> None:
    print(f"\n{name}")
    print(f"{'metric':28s} {'true L':>8s} {'meas L':>8s} {'err L':>7s}  "
          f"{'true R':>8s} {'meas R':>8s} {'err R':>7s}")
    for m, sides in rows.items():
        cells = []
        for s in SIDES:
            t, v = sides[s]
            cells.append(f"{t:8.2f} {v:8.2f} {v - t:+7.2f}")
        print(f"{m:28s} " + "  ".join(cells))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--tracks", type=Path, help="folder of saved raw tracks (read/written)")
    ap.add_argument("--hip", help="hip-centre method (default: BlazePose's hip keypoints)")
    ap.add_argument("--json", type=Path, help="write all numbers here")
    args = ap.parse_args(argv)
    results = {}
    for clip in args.clips:
        if not clip.with_suffix(".truth.json").exists():
            stability(clip, args.tracks, args.hip)
            continue
        results[str(clip)] = rows = compare(clip, args.tracks, args.hip)
        print_table(f"{clip} (hip: {args.hip or 'default, knee circle'})", rows)
    if len(results) > 1:
        print(f"\nmean |error| over {len(results)} clips")
        for m in METRICS:
            errs = {s: [abs(r[m][s][1] - r[m][s][0]) for r in results.values()] for s in SIDES}
            print(f"{m:28s} " + "  ".join(f"{s} {np.nanmean(e):6.2f}" for s, e in errs.items()))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

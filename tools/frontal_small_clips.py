"""Rear and front renders at 30 / 60 fps, landscape / portrait: analysed or refused? (issue 12)

    .venv/bin/python tools/frontal_small_clips.py CLIP.mp4 [CLIP.mp4 ...] [--json OUT]

Each clip is a ``gaitvision.synth`` render with its ``.truth.json`` beside it (render them
one at a time in the synth venv, e.g. ``python -m gaitvision.synth --views rear,front
--fps 60 --duration 5 --orientation portrait --size 360x640 --seed 223 --body-seed 20``).
Every clip goes through the pipeline's own path (pose, automatic view, labelling,
cleaning, events, gating: :func:`gaitvision.pipeline.analyze` without the report), and
one matrix row is printed per clip: view (truth / detected), fps, orientation, size,
analysed or refused (with the refusal's reason), strides kept of those found, and the
truth's complete strides (what a perfect event detector would give), and for front
clips the strides with an arm-crossover value.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path


def analyse(clip: Path) -> dict:
    """One matrix row: the pipeline's kinematics on ``clip``, against its truth."""
    from gaitvision.errors import GaitVisionError
    from gaitvision.kinematics import analyze_gait
    from gaitvision.pose.estimate import estimate_pose
    from gaitvision.pose.tracking import label_track, make_product
    from gaitvision.settings import AnalysisSettings

    truth = json.loads(clip.with_name(clip.stem + ".truth.json").read_text())
    info = truth["clip"]
    row = {"clip": clip.name, "view": info["view"], "fps": round(info["fps"]),
           "orientation": "portrait" if info["height"] > info["width"] else "landscape",
           "size": f"{info['width']}x{info['height']}",
           "expected": sum(truth["summary"]["n_complete_strides"].values())}
    settings = AnalysisSettings()
    raw = estimate_pose(clip, workers=1, settings=settings.pose_stage.pose)
    product = make_product(label_track(raw), settings.pose_stage)  # automatic view
    row["detected"] = product.view.view
    try:
        a = analyze_gait(product, contact_params=settings.contacts,
                         sequence_params=settings.sequence)
    except GaitVisionError as exc:
        return {**row, "result": "refused", "reason": str(exc), "found": 0, "kept": 0}
    kept = [s for s in a.strides if s.excluded is None]
    crossed = [s for s in kept
               if _finite(s.metrics.get("arm_crossover_shoulder_widths"))]
    why = Counter(" ".join(s.excluded.split(" ")[:2]) for s in a.strides if s.excluded is not None)
    return {**row, "result": "analysed", "reason": "", "found": len(a.strides),
            "kept": len(kept), "crossover_values": len(crossed), "excluded": dict(why)}


def _finite(x) -> bool:
    return x is not None and x == x and abs(x) != float("inf")


def line(r: dict) -> str:
    text = (f"{r['clip']:40s} {r['view']:5s} ({r['detected']:5s}) {r['fps']:2d} fps "
            f"{r['orientation']:9s} {r['size']:7s} {r['result']:8s} strides kept "
            f"{r['kept']:2d} of {r['found']:2d} found, {r['expected']:2d} expected")
    if r["view"] == "front" and r["result"] == "analysed":
        text += f"; crossover values {r['crossover_values']}/{r['kept']}"
    if r.get("excluded"):
        text += "; excluded: " + ", ".join(f"{n} {k}" for k, n in r["excluded"].items())
    return text + (f"  ({r['reason']})" if r["reason"] else "")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--json", type=Path, help="also write the rows here")
    args = ap.parse_args(argv)
    rows = []
    for clip in args.clips:
        rows.append(analyse(clip))
        print(line(rows[-1]), flush=True)
    refused = sum(r["result"] != "analysed" for r in rows)
    print(f"{len(rows) - refused} of {len(rows)} analysed; strides kept "
          f"{sum(r['kept'] for r in rows)} of {sum(r['expected'] for r in rows)} expected")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

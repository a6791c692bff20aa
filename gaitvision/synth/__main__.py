"""Render synthetic treadmill-running clips with exact ground truth.

    python -m gaitvision.synth --seed 7 --out sample_videos

Needs the [synth] extra (see sample_videos/README.md). Deterministic from the seed and
the options: the same command gives the same motion, truth and frames.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np

from gaitvision.synth.camera import SIZES, VIEWS, make_camera
from gaitvision.synth.kinematics import RunModel, RunParams

GENERATOR_VERSION = "1"


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m gaitvision.synth", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="sample_videos", help="output folder")
    ap.add_argument("--views", default="side_right,rear",
                    help=f"comma-separated, of {', '.join(VIEWS)}")
    ap.add_argument("--fps", type=int, default=60, choices=(30, 60, 120, 240))
    ap.add_argument("--duration", type=float, default=7.0, help="seconds")
    ap.add_argument("--orientation", default="landscape", choices=sorted(SIZES))
    ap.add_argument("--distance", type=float, default=4.0, help="camera distance, m")
    ap.add_argument("--camera-height", type=float, default=0.95,
                    help="camera height above the belt, m (hip height)")
    ap.add_argument("--crf", type=int, default=26)
    ap.add_argument("--prefix", default="synthetic", help="file name prefix")
    ap.add_argument("--phenotype", default=None,
                    help='Anny body shape as JSON, e.g. \'{"height": 0.5, "gender": 1}\'')
    ap.add_argument("--truth-only", action="store_true",
                    help="write the truth JSON only (no torch/anny/rendering needed)")
    for f in fields(RunParams):
        if f.name == "seed":
            continue
        ap.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=None,
                        help=f"default {f.default}")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overrides = {f.name: getattr(args, f.name) for f in fields(RunParams)
                 if f.name != "seed" and getattr(args, f.name) is not None}
    params = RunParams(seed=args.seed, **overrides)
    views = [v.strip() for v in args.views.split(",") if v.strip()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python -m gaitvision.synth " + " ".join(
        argv if argv is not None else sys.argv[1:])

    from gaitvision.synth.kinematics import Skeleton
    from gaitvision.synth.truth import build_truth

    body = None
    if args.truth_only and args.phenotype is None:
        skeleton = Skeleton.default()
    else:
        from gaitvision.synth.body import AnnyBody

        phen = json.loads(args.phenotype) if args.phenotype else None
        body = AnnyBody(phen)
        skeleton = body.skeleton()
    model = RunModel(params, skeleton)
    n = int(round(args.duration * args.fps))
    t_start = 0.0
    times = t_start + np.arange(n) / args.fps
    for view in views:
        cam = make_camera(view, args.orientation, args.distance, args.camera_height)
        name = f"{args.prefix}_{view.split('_')[0]}_{args.fps}fps"
        if len(views) > 1 and sum(v.startswith(view.split("_")[0]) for v in views) > 1:
            name = f"{args.prefix}_{view}_{args.fps}fps"
        clip = out / f"{name}.mp4"
        t0 = time.time()
        render_s = 0.0
        if not args.truth_only:
            from gaitvision.synth.encode import Mp4Writer
            from gaitvision.synth.render import Renderer

            renderer = Renderer(cam, body.faces, body.vertex_colours())
            writer = Mp4Writer(clip, args.fps, cam.width, cam.height, crf=args.crf)
            batch = 16
            for b0 in range(0, n, batch):
                ts = times[b0:b0 + batch]
                poses = [model.pose(float(t)) for t in ts]
                verts = body.vertices(np.stack([p.rotations for p in poses]),
                                      np.stack([p.root for p in poses]))
                for t, v in zip(ts, verts):
                    writer.write(renderer.render(v, model.v * float(t)))
                print(f"{name}: {min(b0 + batch, n)}/{n} frames", file=sys.stderr, flush=True)
            writer.close()
            renderer.close()
            render_s = time.time() - t0
        truth = build_truth(model, cam, view, float(args.fps), n, t_start, clip.name, extra={
            "generator_version": GENERATOR_VERSION, "command": command,
            "body": "Anny (NAVER, code Apache-2.0, MakeHuman-based assets CC0)",
            "phenotype": skeleton.phenotype, "stature_m": round(skeleton.stature_m, 3),
            "orientation": args.orientation, "camera_distance_m": args.distance,
            "render_seconds_per_frame": round(render_s / n, 4) if render_s else None,
        })
        path = out / f"{name}.truth.json"
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(truth, separators=(",", ":")))
        os.replace(tmp, path)
        print(f"wrote {clip if not args.truth_only else ''} {path} "
              f"({time.time() - t0:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

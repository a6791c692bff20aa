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

from gaitvision.synth.camera import SIZES, VIEWS, make_camera, parse_size
from gaitvision.synth.clothing import CLOTHING, clothing, random_phenotype
from gaitvision.synth.kinematics import RunModel, RunParams

GENERATOR_VERSION = "1"


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m gaitvision.synth", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", default="sample_videos", help="output folder")
    ap.add_argument("--views", default="side_right,rear",
                    help=f"comma-separated, of {', '.join(VIEWS)}")
    ap.add_argument("--fps", type=int, default=60, choices=(25, 30, 60, 120, 240))
    ap.add_argument("--duration", type=float, default=7.0, help="seconds")
    ap.add_argument("--orientation", default="landscape", choices=sorted(SIZES))
    ap.add_argument("--distance", type=float, default=4.0, help="camera distance, m")
    ap.add_argument("--camera-height", type=float, default=0.95,
                    help="camera height above the belt, m (hip height)")
    ap.add_argument("--size", default=None,
                    help="frame size WxH, e.g. 640x480 (default: 1280x720 / 720x1280 by "
                         "orientation; the orientation still sets the framing)")
    ap.add_argument("--yaw", type=float, default=0.0,
                    help="camera orbit (deg) about the runner: side views towards the "
                         "runner's front, rear/front views towards the runner's right")
    ap.add_argument("--pitch", type=float, default=0.0, help="camera tilt down (deg)")
    ap.add_argument("--roll", type=float, default=0.0,
                    help="camera roll (deg): the scene turns counter-clockwise on screen")
    ap.add_argument("--clothing", default="default", choices=sorted(CLOTHING),
                    help="outfit preset (gaitvision/synth/clothing.py)")
    ap.add_argument("--body-seed", type=int, default=None,
                    help="draw the body shape and skin tone from this seed "
                         "(instead of --phenotype or the default body)")
    ap.add_argument("--visible-pelvis", action="store_true",
                    help="with --truth-only: load the body anyway and add the visible-pelvis "
                         "truth; an existing truth file keeps its generator block")
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


def _body(args):
    """The Anny body (None for a truth-only run of the default body) and its skeleton."""
    from gaitvision.synth.kinematics import Skeleton

    needs_body = (not args.truth_only or args.phenotype is not None
                  or args.body_seed is not None or args.visible_pelvis)
    if not needs_body:
        return None, Skeleton.default()
    from gaitvision.synth.body import AnnyBody

    skin = None
    phen = json.loads(args.phenotype) if args.phenotype else None
    if args.body_seed is not None:
        phen, skin = random_phenotype(args.body_seed)
    body = AnnyBody(phen, clothing(args.clothing, skin))
    return body, body.skeleton()


def _render(args, body, model, cam, times, clip: Path, name: str) -> tuple[float, dict]:
    """Render and encode one clip; returns the seconds spent and the pelvic landmark
    centroids per frame (the visible-pelvis truth)."""
    if not args.truth_only:
        from gaitvision.synth.encode import Mp4Writer
        from gaitvision.synth.render import Renderer

        renderer = Renderer(cam, body.faces, body.vertex_colours(),
                            console=not cam_sees_console(cam))
        writer = Mp4Writer(clip, args.fps, cam.width, cam.height, crf=args.crf)
    t0 = time.time()
    cents: dict = {}
    n = len(times)
    for b0 in range(0, n, 16):
        ts = times[b0:b0 + 16]
        poses = [model.pose(float(t)) for t in ts]
        verts = body.vertices(np.stack([p.rotations for p in poses]),
                              np.stack([p.root for p in poses]))
        for lm, sides in body.pelvis_patches().items():
            for side, idx in sides.items():
                cents.setdefault(lm, {}).setdefault(side, []).append(verts[:, idx].mean(axis=1))
        if not args.truth_only:
            for t, v in zip(ts, verts):
                writer.write(renderer.render(v, model.v * float(t)))
        print(f"{name}: {min(b0 + 16, n)}/{n} frames", file=sys.stderr, flush=True)
    if not args.truth_only:
        writer.close()
        renderer.close()
    cents = {lm: {s: np.concatenate(v) for s, v in d.items()} for lm, d in cents.items()}
    return (time.time() - t0 if not args.truth_only else 0.0), cents


def cam_sees_console(cam) -> bool:
    """Whether the treadmill's console stands between this camera and the runner (a
    front camera): the console is then left out of the scene, as if the phone stood on it."""
    return cam.position[0] > 0.5


def _visible(model, cam, times, t_start, fps, cents) -> dict:
    from gaitvision.synth.pelvis_truth import visible_pelvis_truth
    from gaitvision.synth.truth import _r

    poses = [model.pose(float(t)) for t in times]
    hl = np.array([p.landmarks["left_hip"] for p in poses])
    hr = np.array([p.landmarks["right_hip"] for p in poses])
    duration = len(times) / fps
    stances = [{"side": e["side"], "ic_s": e["ic_s"] - t_start, "to_s": e["to_s"] - t_start}
               for e in model.events(t_start - model.T, t_start + duration)
               if e["ic_s"] >= t_start and e["to_s"] < t_start + duration]
    block = visible_pelvis_truth(times - t_start, cents, hl, hr, cam.project, stances)
    return _r(block, 4)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, separators=(",", ":")))
    os.replace(tmp, path)


def _clip_name(prefix: str, view: str, views: list[str], fps: int) -> str:
    name = f"{prefix}_{view.split('_')[0]}_{fps}fps"
    if len(views) > 1 and sum(v.startswith(view.split("_")[0]) for v in views) > 1:
        name = f"{prefix}_{view}_{fps}fps"
    return name


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overrides = {f.name: getattr(args, f.name) for f in fields(RunParams)
                 if f.name != "seed" and getattr(args, f.name) is not None}
    params = RunParams(seed=args.seed, **overrides)
    views = [v.strip() for v in args.views.split(",") if v.strip()]
    size = parse_size(args.size) if args.size else None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    command = "python -m gaitvision.synth " + " ".join(
        argv if argv is not None else sys.argv[1:])
    from gaitvision.synth.truth import build_truth

    body, skeleton = _body(args)
    model = RunModel(params, skeleton)
    n = int(round(args.duration * args.fps))
    t_start = 0.0
    times = t_start + np.arange(n) / args.fps
    for view in views:
        cam = make_camera(view, args.orientation, args.distance, args.camera_height,
                          yaw_deg=args.yaw, pitch_deg=args.pitch, roll_deg=args.roll, size=size)
        name = _clip_name(args.prefix, view, views, args.fps)
        clip = out / f"{name}.mp4"
        t0 = time.time()
        render_s, cents = (_render(args, body, model, cam, times, clip, name)
                           if body is not None else (0.0, {}))
        extra = {"generator_version": GENERATOR_VERSION, "command": command,
                 "body": "Anny (NAVER, code Apache-2.0, MakeHuman-based assets CC0)",
                 "phenotype": skeleton.phenotype, "stature_m": round(skeleton.stature_m, 3),
                 "orientation": args.orientation, "camera_distance_m": args.distance,
                 "render_seconds_per_frame": round(render_s / n, 4) if render_s else None}
        extra.update(_variant_info(args))
        truth = build_truth(model, cam, view, float(args.fps), n, t_start, clip.name, extra=extra)
        path = out / f"{name}.truth.json"
        if cents:
            truth["visible_pelvis"] = _visible(model, cam, times, t_start, args.fps, cents)
            if args.truth_only and path.exists():  # keep how the clip was rendered
                truth["generator"] = json.loads(path.read_text())["generator"]
        _write_json(path, truth)
        print(f"wrote {clip if not args.truth_only else ''} {path} "
              f"({time.time() - t0:.0f} s)", file=sys.stderr)
    return 0


def _variant_info(args) -> dict:
    """Generator options beyond the original ones, only where they differ from the default
    (the committed clips' truth files keep their keys)."""
    info = {"clothing": args.clothing if args.clothing != "default" else None,
            "body_seed": args.body_seed, "size": args.size,
            "camera_yaw_deg": args.yaw or None, "camera_pitch_deg": args.pitch or None,
            "camera_roll_deg": args.roll or None}
    return {k: v for k, v in info.items() if v is not None}


if __name__ == "__main__":
    raise SystemExit(main())

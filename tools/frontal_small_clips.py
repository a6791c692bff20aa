"""Small, short rear and front renders: analysed or refused? (issue 12)

Renders eight 5 s runners with ``gaitvision.synth`` (rear and front, 30 and 60 fps,
landscape 640x360 and portrait 360x640), one at a time, in the synth venv, then runs
pose and kinematics on each in this venv and prints the strides found per clip and
whether the clip was refused. Renders are kept (``--out``) and not redone.

    .venv/bin/python tools/frontal_small_clips.py --out /tmp/front_renders \\
        --synth-python /work/main/.venv-synth/bin/python
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CLIPS = [(view, fps, orient) for view in ("rear", "front") for fps in (30, 60)
         for orient in ("landscape", "portrait")]
SIZE = {"landscape": "640x360", "portrait": "360x640"}


def render(out: Path, synth_python: str, view: str, fps: int, orient: str, seed: int) -> Path:
    prefix = f"small_s{seed}_{orient}"
    clip = out / f"{prefix}_{view}_{fps}fps.mp4"
    if clip.exists():
        return clip
    cmd = ["nice", "-n", "10", synth_python, "-m", "gaitvision.synth", "--seed", str(seed),
           "--out", str(out), "--views", view, "--fps", str(fps), "--duration", "5",
           "--orientation", orient, "--size", SIZE[orient], "--prefix", prefix]
    subprocess.run(cmd, check=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    return clip


def analyse(clip: Path, view: str) -> str:
    from gaitvision.errors import GaitVisionError
    from gaitvision.kinematics import analyze_gait
    from gaitvision.pose.estimate import estimate_pose
    from gaitvision.pose.tracking import label_track, make_product
    from gaitvision.settings import AnalysisSettings

    settings = AnalysisSettings()
    raw = estimate_pose(clip, workers=1, settings=settings.pose_stage.pose)
    auto = label_track(raw).view.view  # what automatic view detection says
    product = make_product(label_track(raw, view=view), settings.pose_stage)
    try:
        a = analyze_gait(product, on_walking="flag")
    except GaitVisionError as exc:
        return f"auto view {auto:5s}  error: {exc}"
    used = sum(s.excluded is None for s in a.strides)
    verdict = "REFUSED: " + "; ".join(n for n in a.quality.notes if "steady" in n) \
        if a.quality.walking_detected else "analysed"
    return f"auto view {auto:5s}  strides {len(a.strides):2d} (used {used:2d})  {verdict}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/front_renders"))
    ap.add_argument("--synth-python", default=str(REPO / ".venv-synth" / "bin" / "python"))
    ap.add_argument("--seed", type=int, default=41)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for view, fps, orient in CLIPS:
        clip = render(args.out, args.synth_python, view, fps, orient, args.seed)
        print(f"{view:5s} {fps:2d} fps {orient:9s} {SIZE[orient]:7s}  {analyse(clip, view)}",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())

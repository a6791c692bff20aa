"""Pose-stage benchmark: decode and inference cost, worker scaling, peak memory.

Usage::

    python bench/bench_pose.py [VIDEO] [--upscale-1080p]

Prints, for the clip: decode cost and inference cost per frame on one core, the
machine's limit for the pose stage (cores / (decode + inference) frames/s), the
pose stage's end-to-end frames/s with 1 and 2 workers (no cache), and peak RSS.
``--upscale-1080p`` first re-encodes the clip at 1080x1920 (or 1920x1080) to measure
memory and the effect of down-scaling before inference on a large frame; ``--repeat N``
makes the clip N times longer (to show that memory stays flat with video length).
"""

from __future__ import annotations

import argparse
import fractions
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "videos" / "treadmill_side_male_30fps.mp4"


def measure_costs(path: Path, max_side: int, n_max: int = 90) -> tuple[float, float]:
    """Seconds per frame for decode(+scale+convert) and for inference, on one core."""
    import mediapipe as mp

    from gaitvision.video import iter_frames

    frames = []
    t0 = time.perf_counter()
    for f in iter_frames(path, max_side=max_side):
        frames.append(f.image)
        if len(frames) >= n_max:
            break
    decode = (time.perf_counter() - t0) / len(frames)
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
        pose.process(frames[0])
        t0 = time.perf_counter()
        for img in frames[1:]:
            pose.process(img)
    infer = (time.perf_counter() - t0) / (len(frames) - 1)
    return decode, infer


def concurrent_ceiling(path: Path, max_side: int, copies: int) -> float:
    """Frames/s of ``copies`` independent decode+inference loops run at the same time.

    On a shared virtual machine two busy cores do not each run as fast as one busy
    core, so this, not ``cores / (decode + inference)``, is what parallel pose can reach.
    """
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"
        "from bench_pose import measure_costs\n"
        f"d, i = measure_costs(__import__('pathlib').Path({str(path)!r}), {max_side}, 240)\n"
        "print(d + i)\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True) for _ in range(copies)]
    per_frame = [float(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    return sum(1 / c for c in per_frame)


def run_stage(path: Path, workers: int) -> tuple[float, float]:
    """End-to-end frames/s of the pose stage in a fresh process (no cache), and the
    peak RSS (MB) of its largest process (the parent or one worker)."""
    code = (
        "import resource,time\n"
        "from gaitvision.pose.estimate import estimate_pose\n"
        "if __name__ == '__main__':\n"
        "    t=time.perf_counter()\n"
        f"    tr=estimate_pose({str(path)!r}, workers={workers}, use_cache=False)\n"
        "    fps=tr.n_frames/(time.perf_counter()-t)\n"
        "    rss=max(resource.getrusage(r).ru_maxrss for r in\n"
        "            (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))/1024\n"
        "    print(fps, rss)\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(code)
    out = subprocess.run([sys.executable, fh.name], capture_output=True, text=True, check=True)
    os.unlink(fh.name)
    fps, rss = out.stdout.strip().splitlines()[-1].split()
    return float(fps), float(rss)


def upscale(path: Path, out: Path, repeat: int = 1) -> Path:
    """Re-encode ``path`` with its longer side at 1920 px (H.264), ``repeat`` times over."""
    import av

    from gaitvision.video import iter_frames, probe_video

    info = probe_video(path)
    scale = 1920 / max(info.width, info.height)
    w, h = int(info.width * scale) // 2 * 2, int(info.height * scale) // 2 * 2
    with av.open(str(out), "w") as dst:
        s = dst.add_stream("libx264", rate=fractions.Fraction(info.fps).limit_denominator(1001))
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"crf": "18", "preset": "veryfast"}
        import cv2

        for _ in range(repeat):
            for f in iter_frames(path):
                img = cv2.resize(f.image, (w, h), interpolation=cv2.INTER_CUBIC)
                dst.mux(s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        dst.mux(s.encode(None))
    return out


def scaling_error(path: Path) -> float:
    """Mean landmark distance (px, full frame) between max_side=1280 and full size."""
    from gaitvision.pose.blazepose import PoseSettings
    from gaitvision.pose.estimate import estimate_pose

    a = estimate_pose(path, workers=1, use_cache=False, settings=PoseSettings(max_side=1280))
    b = estimate_pose(path, workers=1, use_cache=False, settings=PoseSettings(max_side=4096))
    return float(np.nanmean(np.linalg.norm(a.xy - b.xy, axis=2)))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("video", nargs="?", default=str(DEFAULT))
    p.add_argument("--upscale-1080p", action="store_true")
    p.add_argument("--repeat", type=int, default=1, help="with --upscale-1080p: loop the clip N times")
    args = p.parse_args()
    path = Path(args.video)
    if not path.exists():
        sys.exit(f"bench: {path} not found; give a clip (the 12 s treadmill clip lives in ../shared/videos)")
    tmp = None
    if args.upscale_1080p:
        tmp = Path(tempfile.mkdtemp()) / "upscaled_1080p.mp4"
        path = upscale(path, tmp, args.repeat)
        print(f"clip                     {path} (1080p re-encode, {args.repeat}x)")
    else:
        print(f"clip                     {path}")
    from gaitvision.pose.blazepose import DEFAULT_MAX_SIDE
    from gaitvision.video import probe_video

    info = probe_video(path)
    print(f"frames                   {info.n_frames} at {info.fps:g} fps, {info.width}x{info.height}")
    cores = os.cpu_count() or 1
    decode, infer = measure_costs(path, DEFAULT_MAX_SIDE)
    limit = cores / (decode + infer)
    print(f"decode (+scale, RGB)     {1000 * decode:.1f} ms/frame (one core, max side {DEFAULT_MAX_SIDE})")
    print(f"inference                {1000 * infer:.1f} ms/frame (one core)")
    print(f"machine limit            {limit:.1f} frames/s ({cores} cores x one idle core's speed)")
    ceiling = concurrent_ceiling(path, DEFAULT_MAX_SIDE, cores)
    print(f"concurrent ceiling       {ceiling:.1f} frames/s ({cores} independent loops at once)")
    fps1, rss1 = run_stage(path, 1)
    fps2, rss2 = run_stage(path, 2)
    print(f"pose stage, 1 worker     {fps1:.1f} frames/s (peak RSS {rss1:.0f} MB)")
    print(f"pose stage, 2 workers    {fps2:.1f} frames/s = {100 * fps2 / limit:.0f}% of limit, "
          f"{100 * fps2 / ceiling:.0f}% of the concurrent ceiling, {fps2 / fps1:.2f}x one worker "
          f"(peak RSS {rss2:.0f} MB per process)")
    if args.upscale_1080p and args.repeat == 1:
        print(f"scale-down error         {scaling_error(path):.2f} px mean landmark shift "
              f"(max side {DEFAULT_MAX_SIDE} vs full size)")


if __name__ == "__main__":
    main()

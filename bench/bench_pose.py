"""Pose-stage benchmark: decode and inference cost, worker scaling, peak memory.

Usage::

    python bench/bench_pose.py [VIDEO] [--upscale-1080p]

Prints, for the clip: decode cost and inference cost per frame on one core, the
machine's limit for the pose stage (cores / (decode + inference) frames/s), the
pose stage's end-to-end frames/s with 1 and 2 workers (no cache), and peak RSS.
``--upscale-1080p`` first re-encodes the clip at 1080x1920 (or 1920x1080) to measure
memory and the effect of down-scaling before inference on a large frame.
"""

from __future__ import annotations

import argparse
import fractions
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "videos" / "treadmill_side_male_30fps.mp4"


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def measure_costs(path: Path, max_side: int, n_max: int = 150) -> tuple[float, float]:
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


def run_stage(path: Path, workers: int) -> float:
    """End-to-end frames/s of the pose stage in a fresh process (no cache)."""
    code = (
        "import sys,time\n"
        "from gaitvision.pose.estimate import estimate_pose\n"
        "if __name__ == '__main__':\n"
        "    t=time.perf_counter()\n"
        f"    tr=estimate_pose({str(path)!r}, workers={workers}, use_cache=False)\n"
        "    print(tr.n_frames/(time.perf_counter()-t))\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(code)
    out = subprocess.run([sys.executable, fh.name], capture_output=True, text=True, check=True)
    os.unlink(fh.name)
    return float(out.stdout.strip().splitlines()[-1])


def upscale(path: Path, out: Path) -> Path:
    """Re-encode ``path`` with its longer side at 1920 px (H.264)."""
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
    args = p.parse_args()
    path = Path(args.video)
    if not path.exists():
        sys.exit(f"bench: {path} not found; give a clip (the 12 s treadmill clip lives in ../shared/videos)")
    tmp = None
    if args.upscale_1080p:
        tmp = Path(tempfile.mkdtemp()) / "upscaled_1080p.mp4"
        path = upscale(path, tmp)
        print(f"clip                     {path} (1080p re-encode)")
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
    print(f"machine limit            {limit:.1f} frames/s ({cores} cores)")
    fps1 = run_stage(path, 1)
    fps2 = run_stage(path, 2)
    print(f"pose stage, 1 worker     {fps1:.1f} frames/s")
    print(f"pose stage, 2 workers    {fps2:.1f} frames/s = {100 * fps2 / limit:.0f}% of limit, "
          f"{fps2 / fps1:.2f}x one worker")
    if args.upscale_1080p:
        print(f"scale-down error         {scaling_error(path):.2f} px mean landmark shift "
              f"(max side {DEFAULT_MAX_SIDE} vs full size)")
    print(f"peak RSS                 {_peak_rss_mb():.0f} MB (largest single process)")


if __name__ == "__main__":
    main()

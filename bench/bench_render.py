"""Render benchmark: the whole ``analyze`` against ``gaitvision pose``, and each output's cost.

Usage::

    python bench/bench_render.py [VIDEO] [--src DIR] [--repeat N]

1. ``gaitvision pose VIDEO`` and ``gaitvision analyze VIDEO`` as commands, each with an
   empty pose cache (``GAITVISION_CACHE`` = a fresh temp folder), wall time and peak RSS
   of the whole process tree (``/usr/bin/time`` where present); their ratio is the
   figure of merit (goal: analyze <= 1.6x pose).
2. The render of that result, output by output, in this process: the video pass
   (annotated.mp4 + slowmo.mp4 + loops), key frames, charts (PNG + the PDF's vector
   pages), the PDF; and ``render_view`` as the pipeline runs it (charts in parallel).

With ``--repeat N`` the ratio is the median of the N back-to-back pairs' ratios.
``--src DIR`` runs the commands from another checkout (e.g. ``git worktree add`` of an
older commit) with this interpreter, for before/after numbers; ``--repeat N`` takes the
median of N runs of step 1. The machine's load matters: run it on an idle machine and
say how loaded it was (the script prints the 1-minute load average).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = REPO.parent / "shared" / "videos" / "treadmill_side_male_30fps.mp4"


def timed_command(args: list[str], src: Path, cache: Path) -> tuple[float, float | None]:
    """(wall seconds, peak RSS MB or None) of ``python -m gaitvision ARGS`` with an empty cache."""
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, GAITVISION_CACHE=str(cache), PYTHONPATH=str(src))
    cmd = [sys.executable, "-m", "gaitvision", "--quiet", *args]
    timer = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    if timer:
        cmd = [timer, "-f", "MAXRSS %M", *cmd]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=str(src), capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-2000:]}")
    match = re.search(r"MAXRSS (\d+)", proc.stderr)
    return wall, (int(match.group(1)) / 1024 if match else None)


def per_output(result_dir: Path) -> list[tuple[str, float]]:
    """Seconds for each output of the render, from a saved result."""
    from gaitvision.pipeline import load_result
    from gaitvision.report import charts, keyframes, render_pdf
    from gaitvision.report.pdf import as_saved
    from gaitvision.report.videos import render_videos
    from gaitvision.report.view import render_view

    result = load_result(result_dir)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in result.views:
            vdir = Path(tmp) / r.view
            t0 = time.perf_counter()
            res = render_videos(r.analysis, r.track, r.video_path, vdir)
            rows.append((f"{r.view}: video pass (annotated, slowmo, loops)", time.perf_counter() - t0))
            t0 = time.perf_counter()
            keyframes.write_keyframes(res.annotator, res.shots, vdir / "keyframes")
            rows.append((f"{r.view}: key frames", time.perf_counter() - t0))
            t0 = time.perf_counter()
            charts.write_charts(as_saved(r.analysis), vdir / "charts")
            rows.append((f"{r.view}: charts (PNG + vector page, drawn once)", time.perf_counter() - t0))
        t0 = time.perf_counter()
        render_pdf([(r.analysis, Path(tmp) / r.view) for r in result.views], Path(tmp) / "report.pdf")
        rows.append(("PDF report (charts stamped)", time.perf_counter() - t0))
        for r in result.views:
            t0 = time.perf_counter()
            render_view(r.analysis, r.track, r.video_path, Path(tmp) / f"again_{r.view}")
            rows.append((f"{r.view}: render_view as the pipeline runs it (charts in parallel)",
                         time.perf_counter() - t0))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", nargs="?", default=str(DEFAULT))
    ap.add_argument("--src", default=str(REPO), help="checkout to run the commands from")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--skip-outputs", action="store_true", help="only the pose/analyze ratio")
    args = ap.parse_args()
    video = Path(args.video).resolve()
    if not video.exists():
        raise SystemExit(f"{video} not found (the shared 12 s clip lives in ../shared/videos)")
    src = Path(args.src).resolve()
    print(f"clip {video.name}; code from {src}; cores {os.cpu_count()}; "
          f"load average (1 min) at start {os.getloadavg()[0]:.1f}")
    work = Path(tempfile.mkdtemp(prefix="bench-render-"))
    try:
        poses, analyses = [], []
        for _ in range(args.repeat):
            poses.append(timed_command(["pose", str(video), "--out", str(work / "pose")], src,
                                       work / "cache"))
            analyses.append(timed_command(["analyze", str(video), "--out", str(work / "result")], src,
                                          work / "cache"))
        pose_s = statistics.median(p[0] for p in poses)
        analyze_s = statistics.median(a[0] for a in analyses)
        rss = [x[1] for x in analyses if x[1] is not None]
        print(f"gaitvision pose     {pose_s:6.1f} s  (empty pose cache; runs: "
              f"{', '.join(f'{p[0]:.1f}' for p in poses)})")
        print(f"gaitvision analyze  {analyze_s:6.1f} s  (empty pose cache; runs: "
              f"{', '.join(f'{a[0]:.1f}' for a in analyses)})"
              + (f"; peak RSS {max(rss):.0f} MB" if rss else ""))
        # each run pair back to back: a ratio per pair cancels the machine's slow drifts
        ratios = sorted(a[0] / p[0] for p, a in zip(poses, analyses, strict=True))
        print(f"analyze / pose      {statistics.median(ratios):6.2f}x  (goal <= 1.6x; median of "
              f"the pairs' ratios: {', '.join(f'{r:.2f}' for r in ratios)})")
        if not args.skip_outputs:
            sys.path.insert(0, str(src))
            print("render, output by output (from the saved result, this process):")
            for name, seconds in per_output(work / "result"):
                print(f"  {name:<66} {seconds:6.2f} s")
        print(f"load average (1 min) at end {os.getloadavg()[0]:.1f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Batch throughput: clips per minute on the local backend and on Celery with 1 and 2 workers.

Usage::

    python bench/bench_batch.py [--copies K] [--full]

Analyses ``2 K`` clips (K copies each of the committed side and rear sample clips)
with ``gaitvision batch``: locally (one analysis at a time, then two), and through
Celery over a private ``redis-server`` with one and then two ``gaitvision worker``
processes on this machine (concurrency 1 each). Prints clips/minute and the overhead
per job of the Celery path against the local one (publish, claim, clip download,
result upload and copy-back; the workers start before the clock does).

By default the analyses are data only (``--no-render``) on pose tracks cached
beforehand, so the numbers show the queueing overhead rather than pose and rendering;
``--full`` runs whole analyses (pose cached, rendering on). On one 2-core machine two
workers share the same cores: the Celery numbers show overhead, not the gain of adding
machines (that gain is linear in machines while the broker is idle: one task is a few
Redis round trips).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_videos"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(workdir: Path) -> tuple[subprocess.Popen, str]:
    exe = shutil.which("redis-server")
    if exe is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(workdir)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    import redis

    for _ in range(100):
        try:
            redis.Redis(port=port).ping()
            return proc, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("redis-server did not start")


def start_workers(n: int, broker: str, workdir: Path) -> list[subprocess.Popen]:
    procs = []
    for k in range(n):
        log = workdir / f"worker{k}.log"
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "gaitvision", "worker", "--broker", broker, "--hostname",
             f"bench{k}@%h"], stdout=open(log, "wb"), stderr=subprocess.STDOUT,  # noqa: SIM115
            start_new_session=True, cwd=str(REPO)))
    for k in range(n):
        log = workdir / f"worker{k}.log"
        deadline = time.monotonic() + 120
        while b" ready." not in log.read_bytes():
            if time.monotonic() > deadline:
                raise SystemExit(f"worker {k} did not start: {log.read_text()[-1000:]}")
            time.sleep(0.2)
    return procs


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def timed_batch(clips: Path, out: Path, render: bool, **kw) -> float:
    from gaitvision.batch import run_batch

    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    outcome = run_batch([clips], out, render=render, show_progress=False, **kw)
    seconds = time.perf_counter() - t0
    if outcome.failed:
        raise SystemExit(f"batch failed: {[o.error for _, o in outcome.failed]}")
    return seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=2, help="copies of each sample clip (default 2)")
    ap.add_argument("--full", action="store_true", help="render videos, charts and PDF too")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    os.environ["GAITVISION_CACHE"] = str(work / "cache")
    clips = work / "clips"
    clips.mkdir()
    for k in range(args.copies):
        for view in ("side", "rear"):
            shutil.copy(SAMPLES / f"synthetic_{view}_60fps.mp4", clips / f"{view}{k}.mp4")
    n = 2 * args.copies
    render = args.full
    print(f"{n} clips (sample side/rear x {args.copies}); {'full analyses' if render else 'data only'}"
          f", pose cached; cores {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    from gaitvision.pose.estimate import estimate_pose

    for view in ("side", "rear"):
        estimate_pose(SAMPLES / f"synthetic_{view}_60fps.mp4")  # same content: one cache entry each
    rows = []
    for jobs in (1, 2):
        s = timed_batch(clips, work / f"local{jobs}", render, jobs=jobs)
        rows.append((f"local, {jobs} at a time", s))
    redis_proc, broker = start_redis(work)
    try:
        for workers in (1, 2):
            procs = start_workers(workers, broker, work)
            try:
                s = timed_batch(clips, work / f"celery{workers}", render, jobs=2 * workers,
                                broker=broker)
            finally:
                stop(procs)
            rows.append((f"celery, {workers} worker(s)", s))
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
    for name, s in rows:
        print(f"{name:<24} {s:7.1f} s  {60 * n / s:6.1f} clips/min  {s / n:5.1f} s per clip")
    local1, celery1 = rows[0][1] / n, rows[2][1] / n
    print(f"overhead per job, celery 1 worker vs local 1 at a time: {celery1 - local1:+.1f} s")
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""``python -m gaitvision.web.analysis_child``: one analysis in a process of its own.

A Celery worker (or ``gaitvision batch``) starts this in a new process group, so a
cancel can kill the analysis together with every pose process it started, and the
worker's own process survives. The job comes as JSON on stdin; progress and the
outcome go to stdout as JSON lines::

    {"progress": ["pose", 0.42]}
    {"error": "one line", "user": true}      (a GaitVisionError: the user can fix it)
    {"error": "Type: detail", "user": false} (a crash)
    {"done": true}

Input on stdin: ``{"analyze": "module:function", "workdir": DIR, "videos": [...],
"out": "result.partial", "kwargs": {...}}``; the process works in ``workdir`` so the
paths the result records are relative to it (as in the local backend).
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def _emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _watch_parent(parent_pid: int) -> None:
    """Kill our group (the analysis and its pose processes) when the worker is gone."""
    while True:
        time.sleep(0.5)
        if os.getppid() != parent_pid:
            try:
                os.killpg(0, signal.SIGKILL)
            finally:
                os._exit(3)


def run(job: dict) -> int:
    """Run the job described by ``job``; returns the process exit code."""
    from gaitvision.errors import GaitVisionError
    from gaitvision.web.worker import resolve_callable

    last = {"t": 0.0, "stage": None}

    def progress(stage: str, fraction: float) -> None:
        now = time.monotonic()
        if stage == last["stage"] and fraction < 1.0 and now - last["t"] < 0.3:
            return
        last["t"], last["stage"] = now, stage
        _emit({"progress": [stage, float(fraction)]})

    try:
        fn = resolve_callable(job["analyze"])
        os.chdir(job["workdir"])
        videos = [Path(v) for v in job["videos"]]
        fn(videos, Path(job.get("out", "result.partial")), progress=progress, **job.get("kwargs", {}))
    except GaitVisionError as exc:
        _emit({"error": str(exc), "user": True})
        return 2
    except Exception as exc:  # noqa: BLE001 - reported to the worker as a crash
        traceback.print_exc(file=sys.stderr)
        _emit({"error": f"{type(exc).__name__}: {exc}", "user": False})
        return 1
    _emit({"done": True})
    return 0


@dataclass
class Outcome:
    """How a child analysis ended: ``status`` is done, failed, cancelled or crashed."""

    status: str
    error: str = ""
    user_error: bool = False


def _reader(stream, out: queue.Queue) -> None:
    for line in stream:
        try:
            out.put(json.loads(line))
        except ValueError:
            continue
    out.put(None)


def kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the child's whole process group (the analysis and its pose processes)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(10)


def run_child(job: dict, *, on_progress: Callable[[str, float], None] | None = None,
              tick: Callable[[], bool] | None = None, tick_s: float = 1.0,
              timeout_s: float | None = None, env: dict | None = None) -> Outcome:
    """Run ``job`` (see the module docstring) in a child process group and supervise it.

    ``tick()`` is called about every ``tick_s`` seconds while the child runs (heartbeats,
    cancel checks); when it returns False the child's group is killed ("cancelled").
    A child running longer than ``timeout_s`` is killed too ("failed").
    """
    job = dict(job, parent_pid=os.getpid())
    proc = subprocess.Popen([sys.executable, "-m", "gaitvision.web.analysis_child"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)
    proc.stdin.write(json.dumps(job))
    proc.stdin.close()
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
    started = last_tick = time.monotonic()
    outcome: Outcome | None = None
    try:
        while True:
            try:
                msg = lines.get(timeout=tick_s)
            except queue.Empty:
                msg = {}
            if msg is None:
                break
            if "progress" in msg and on_progress is not None:
                on_progress(str(msg["progress"][0]), float(msg["progress"][1]))
            elif "error" in msg:
                outcome = Outcome("failed", str(msg["error"]), bool(msg.get("user")))
            elif msg.get("done"):
                outcome = Outcome("done")
            now = time.monotonic()
            if tick is not None and now - last_tick >= tick_s:
                last_tick = now
                if not tick():
                    kill_group(proc)
                    return Outcome("cancelled", "cancelled")
            if timeout_s is not None and now - started > timeout_s:
                kill_group(proc)
                return Outcome("failed", f"the analysis took longer than {timeout_s:.0f} s and was stopped")
        code = proc.wait()
    except BaseException:
        kill_group(proc)
        raise
    if outcome is None or (outcome.status == "done" and code != 0):
        return Outcome("crashed", f"the analysis process stopped unexpectedly (exit code {code})")
    return outcome


def main() -> int:
    job = json.loads(sys.stdin.read())
    threading.Thread(target=_watch_parent, args=(int(job["parent_pid"]),), daemon=True).start()
    return run(job)


if __name__ == "__main__":
    sys.exit(main())

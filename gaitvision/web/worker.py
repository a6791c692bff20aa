"""Run one analysis job: the code a worker process executes.

Everything a local worker needs is in the job row and the job folder. Remote workers
(:mod:`gaitvision.web.celery_queue`) get the job in the task message instead and never
touch the job table; they share :func:`headline_metrics`, :func:`resolve_callable` and
the error scrubbing with this module.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import math
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from gaitvision.errors import GaitVisionError
from gaitvision.kinematics import reference
from gaitvision.web.results import VIEWS
from gaitvision.web.store import JobStore, remove_tree

log = logging.getLogger("gaitvision.web")

#: The analysis entry point, as ``module:function`` so worker processes can import it.
DEFAULT_ANALYZE = "gaitvision.pipeline:analyze"

#: Metrics shown in the history list, in order (the metric registry's).
HEADLINE_METRICS = reference.HEADLINE_METRICS


def callable_spec(fn: Callable | str | None) -> str:
    """``module:qualname`` for a function (or the spec itself when given a string)."""
    if fn is None:
        return DEFAULT_ANALYZE
    if isinstance(fn, str):
        return fn
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if not module or "<" in qualname:
        raise ValueError("the analysis callable must be a module-level function")
    return f"{module}:{qualname}"


def resolve_callable(spec: str) -> Callable:
    """Import ``module:qualname``."""
    module_name, _, qualname = spec.partition(":")
    obj = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def _finite(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def headline_metrics(result_dir: Path) -> dict:
    """A few headline numbers for the history list, read from the result folder."""
    out: dict = {}
    try:
        manifest = json.loads((result_dir / "manifest.json").read_text())
    except (OSError, ValueError):
        return out
    for view in manifest.get("views") or []:
        if view not in VIEWS:
            continue
        try:
            metrics = json.loads((result_dir / view / "metrics.json").read_text())
        except (OSError, ValueError):
            continue
        summary = metrics.get("summary") or {}
        for name in HEADLINE_METRICS:
            if name in out or not isinstance(summary.get(name), dict):
                continue
            entry = summary[name]
            sides = {}
            for key in ("left", "right", "both"):
                stats = entry.get(key)
                if isinstance(stats, dict) and _finite(stats.get("mean")) is not None:
                    sides[key] = _finite(stats.get("mean"))
            if sides:
                out[name] = {"unit": entry.get("unit", ""), "view": view, **sides}
    return out


def _scrub(message: str, inputs: list[dict], job_dir: Path) -> str:
    """Replace server storage paths in an error message with the uploaded file names."""
    for item in inputs:
        for path in (str(job_dir / "uploads" / item["file"]), f"uploads/{item['file']}"):
            message = message.replace(path, item.get("name") or item["view"])
    message = message.replace(str(job_dir), "<job>")
    return " ".join(message.split())


def _watch_parent(parent_pid: int) -> None:
    """Exit (with the whole process group) when the server that started us is gone."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            log.warning("server process %s is gone; stopping the analysis", parent_pid)
            try:
                if os.getpgrp() == os.getpid():  # only our own group (see process_main)
                    os.killpg(0, signal.SIGKILL)
            finally:
                os._exit(3)


def process_main(data_dir: str, job_id: str, run_id: str, analyze: str, parent_pid: int) -> None:
    """Entry point of a local worker process (one per job)."""
    # our own process group, so cancelling kills the pipeline's helpers too (where allowed)
    with contextlib.suppress(OSError):
        os.setpgrp()
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
    run_job(data_dir, job_id, run_id, analyze)


def analysis_kwargs(job) -> dict:
    """The analysis's keyword arguments from a job row (every backend passes the same)."""
    kwargs = dict(views=[item["view"] for item in job.inputs], height_cm=job.height_cm,
                  speed_kmh=job.speed_kmh, runner_name=job.runner_name, notes=job.notes)
    names = [item.get("name") for item in job.inputs]
    if any(names):
        kwargs["clip_names"] = names
    scales = {item["time_scale"] for item in job.inputs if item.get("time_scale")}
    if scales:  # the upload form's slow-motion factor (coach, issue 15)
        kwargs["time_scale"] = scales.pop()
    return kwargs


def run_job(data_dir: str | os.PathLike, job_id: str, run_id: str, analyze: str = DEFAULT_ANALYZE,
            *, workers: int | None = None) -> str:
    """Analyse one claimed job; records progress, the result or a one-line error.

    Returns the final status ("done", "failed" or "lost" when the job was taken away).
    """
    store = JobStore(data_dir)
    job = store.get(job_id)
    if job is None:
        return "lost"
    job_dir = store.job_dir(job_id)
    partial, final = store.partial_dir(job_id), store.result_dir(job_id)
    # Left over from a run that died: our partial folder, the pipeline's own temp folders.
    for leftover in job_dir.iterdir():
        if leftover.name.startswith((".result", "result")):
            remove_tree(leftover, job_dir)

    last = {"t": 0.0, "stage": None}
    owned = {"ok": True}

    def progress(stage: str, fraction: float) -> None:
        now = time.monotonic()
        if stage == last["stage"] and fraction < 1.0 and now - last["t"] < 0.5:
            return
        last["t"], last["stage"] = now, stage
        if not store.set_progress(job_id, run_id, stage, fraction):
            owned["ok"] = False

    # Paths relative to the job folder (we chdir there below): what the result files
    # record about the clip (metrics.json "video.path") then does not reveal the data folder.
    videos = [Path("uploads") / item["file"] for item in job.inputs]
    kwargs = dict(analysis_kwargs(job), progress=progress)
    if workers is not None:
        kwargs["workers"] = workers
    started = time.monotonic()
    cwd = os.getcwd()
    try:
        fn = resolve_callable(analyze)
        os.chdir(job_dir)
        try:
            fn(videos, partial, **kwargs)
        finally:
            os.chdir(cwd)
        if not (partial / "manifest.json").is_file():
            raise RuntimeError("the analysis finished without writing manifest.json")
        os.replace(partial, final)
    except GaitVisionError as exc:
        remove_tree(partial, job_dir)
        store.fail(job_id, _scrub(str(exc), job.inputs, job_dir), run_id)
        log.info("job %s failed: %s", job_id, exc)
        return "failed"
    except Exception as exc:  # noqa: BLE001 - any crash becomes a job error, not a dead worker
        remove_tree(partial, job_dir)
        log.error("job %s crashed:\n%s", job_id, traceback.format_exc())
        detail = _scrub(f"{type(exc).__name__}: {exc}", job.inputs, job_dir)[:200]
        store.fail(job_id, f"Internal error in the analysis ({detail}); the server log has "
                   "the details. Please report it.", run_id)
        return "failed"
    if not store.finish(job_id, run_id, headline_metrics(final)):
        return "lost"
    log.info("job %s done in %.1f s", job_id, time.monotonic() - started)
    return "done" if owned["ok"] else "lost"

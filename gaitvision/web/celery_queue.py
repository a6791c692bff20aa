"""The distributed job backend: analyses on Celery workers, Redis as broker and result store.

Roles
-----
- The web app keeps its SQLite job table as the record. :class:`CeleryQueue` (a
  :class:`~gaitvision.web.jobqueue.JobQueue`) claims a queued job in that table (a new
  run id), puts its clips in :mod:`gaitvision.storage`, and publishes one Celery task
  per job. A monitor thread reads each task's progress from the result backend into
  the job table, and when a run finishes it copies the result folder from storage
  into a folder the web app chooses itself (a worker never names a path).
- ``gaitvision worker --broker redis://HOST:PORT/0`` (:func:`run_worker`) on any
  machine runs the tasks: it downloads the clips, runs the analysis in a child
  process group (:mod:`gaitvision.web.analysis_child`), uploads the finished folder.

Delivery guarantees
-------------------
- ``task_acks_late`` and a prefetch of 1: a task is acknowledged only when it has
  finished, and a worker holds at most one task it has not started.
- The broker's visibility timeout (:data:`VISIBILITY_TIMEOUT_S`, 6 h) is longer than
  any analysis may run (:data:`MAX_RUNTIME_S`, 5 h; the worker kills a longer one), so
  Redis never hands a running task to a second worker.
- Never twice at once: Redis holds ``gaitvision:current:<job>`` (the run id the web app
  wants; only that run may work) and ``gaitvision:claim:<job>`` (taken with ``SET NX``
  by the worker that runs it, refreshed every ``heartbeat_s``, expiring after
  ``claim_ttl_s``). A worker starts only when its run is current and it holds the
  claim, and it kills its analysis as soon as either stops being true.
- A worker that dies (SIGKILL, power loss) stops refreshing its claim: when the claim
  has expired the web app re-queues the job under a new run id (a stale copy of the
  old task that Redis redelivers later is dropped by the worker). After
  ``max_attempts`` lost runs the job fails with a reason.
- Cancel (deleting a job) clears the current run, revokes the task (a queued one is
  never started; a running one's pool process is killed) and the worker kills the
  analysis's process group.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from gaitvision.errors import GaitVisionError
from gaitvision.web.jobqueue import DispatcherQueue
from gaitvision.web.store import JobStore, remove_tree
from gaitvision.web.worker import DEFAULT_ANALYZE, _scrub, analysis_kwargs, headline_metrics

log = logging.getLogger("gaitvision.web")

TASK_NAME = "gaitvision.run_analysis"
QUEUE_NAME = "gaitvision"
#: An analysis running longer than this is killed by its worker.
MAX_RUNTIME_S = 5 * 3600
#: Redis re-delivers an unacknowledged task only after this long: longer than any analysis.
VISIBILITY_TIMEOUT_S = 6 * 3600
#: Environment variables the ``gaitvision worker`` command hands to its pool processes.
STORAGE_ENV = "GAITVISION_WORKER_STORAGE"
POSE_WORKERS_ENV = "GAITVISION_WORKER_POSE_WORKERS"
#: Analysis functions a worker runs besides the pipeline's (``module:function``, comma
#: separated; tests). Anything else a task names is refused: a message on the broker
#: cannot make a worker import arbitrary code.
ANALYZE_ENV = "GAITVISION_WORKER_ANALYZE"

_RELEASE_LUA = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
_REFRESH_LUA = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                "return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0")


def _need_celery():
    try:
        import celery
        import redis
    except ImportError:
        raise GaitVisionError("The Celery backend needs its extra packages: "
                              "pip install 'gaitvision[distributed]'.") from None
    return celery, redis


def current_key(job_id: str) -> str:
    return f"gaitvision:current:{job_id}"


def claim_key(job_id: str) -> str:
    return f"gaitvision:claim:{job_id}"


def make_celery(broker: str):
    """The Celery app (broker and result backend both ``broker``), with the analysis task."""
    celery, _ = _need_celery()
    app = celery.Celery("gaitvision", broker=broker, backend=broker)
    transport = {"visibility_timeout": VISIBILITY_TIMEOUT_S}
    app.conf.update(
        task_acks_late=True, worker_prefetch_multiplier=1, task_track_started=True,
        # A killed pool process: the web app re-queues (new run id), Celery must not too.
        task_reject_on_worker_lost=False,
        broker_transport_options=transport, result_backend_transport_options=transport,
        task_serializer="json", result_serializer="json", accept_content=["json"],
        result_expires=7 * 24 * 3600, task_default_queue=QUEUE_NAME,
        broker_connection_retry_on_startup=True, worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )

    @app.task(name=TASK_NAME, bind=True)
    def run_analysis(self, payload: dict) -> dict:  # pragma: no cover - runs in a worker
        def report(stage: str, fraction: float) -> None:
            self.update_state(state="PROGRESS", meta={"run_id": payload["run_id"], "stage": stage,
                                                      "fraction": fraction})
        return execute(payload, broker, report)

    return app


# ----------------------------------------------------------------------------- worker side
def _acquire_claim(r, job_id: str, run_id: str, token: str, ttl_ms: int, wait_s: float) -> bool:
    """Take the job's claim, waiting while an older run still holds it (it is stopping)."""
    deadline = time.monotonic() + wait_s
    while True:
        if (r.get(current_key(job_id)) or b"").decode() != run_id:
            return False
        if r.set(claim_key(job_id), token, nx=True, px=ttl_ms):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


def execute(payload: dict, broker: str, report=None) -> dict:
    """Run one task's analysis on this worker (see the module docstring for the rules).

    Returns ``{"status": "done" | "failed" | "stale" | "cancelled", "run_id", "error"}``.
    """
    from gaitvision.storage import open_storage
    from gaitvision.web.analysis_child import run_child

    _, redis = _need_celery()
    r = redis.Redis.from_url(broker)
    job_id, run_id = payload["job_id"], payload["run_id"]
    analyze = payload.get("analyze") or DEFAULT_ANALYZE
    if analyze not in {DEFAULT_ANALYZE, *filter(None, os.environ.get(ANALYZE_ENV, "").split(","))}:
        return {"status": "failed", "run_id": run_id,
                "error": f"This worker does not run {analyze!r} (see {ANALYZE_ENV})."}
    ttl_ms = int(1000 * payload.get("claim_ttl_s", 30))
    token = f"{run_id} {socket.gethostname()} {os.getpid()}"
    if not _acquire_claim(r, job_id, run_id, token, ttl_ms, wait_s=3 * ttl_ms / 1000):
        log.info("job %s run %s is not current (or claimed elsewhere): dropped", job_id, run_id)
        return {"status": "stale", "run_id": run_id}

    def still_ours() -> bool:
        if (r.get(current_key(job_id)) or b"").decode() != run_id:
            return False
        return bool(r.eval(_REFRESH_LUA, 1, claim_key(job_id), token, ttl_ms))

    storage = open_storage(os.environ.get(STORAGE_ENV) or payload["storage"])
    workdir = Path(tempfile.mkdtemp(prefix=f"gaitvision-{job_id[:8]}-"))
    try:
        for item in payload["inputs"]:
            storage.get_clip(job_id, item["file"], workdir / "uploads" / item["file"])
        kwargs = dict(payload.get("kwargs") or {})
        if os.environ.get(POSE_WORKERS_ENV):
            kwargs["workers"] = int(os.environ[POSE_WORKERS_ENV])
        job = {"analyze": analyze, "workdir": str(workdir),
               "videos": [f"uploads/{i['file']}" for i in payload["inputs"]],
               "out": "result.partial", "kwargs": kwargs}
        outcome = run_child(job, on_progress=report, tick=still_ours,
                            tick_s=float(payload.get("heartbeat_s", 5)), timeout_s=MAX_RUNTIME_S)
        if outcome.status == "done":
            storage.put_result(job_id, run_id, workdir / "result.partial")
            return {"status": "done", "run_id": run_id}
        if outcome.status == "cancelled":
            return {"status": "cancelled", "run_id": run_id}
        error = _scrub(outcome.error, payload["inputs"], workdir)
        return {"status": "failed", "run_id": run_id, "error": error, "user": outcome.user_error}
    finally:
        r.eval(_RELEASE_LUA, 1, claim_key(job_id), token)
        shutil.rmtree(workdir, ignore_errors=True)


def run_worker(broker: str, concurrency: int = 1, *, storage: str | None = None,
               loglevel: str = "INFO", hostname: str | None = None) -> None:
    """Run a Celery worker for gaitvision analyses until stopped (``gaitvision worker``).

    Each of the ``concurrency`` pool processes runs one analysis at a time; pose then
    uses ``cores // concurrency`` processes per analysis.
    """
    if concurrency < 1:
        raise GaitVisionError("--concurrency must be at least 1.")
    if storage:
        os.environ[STORAGE_ENV] = storage
    if concurrency > 1:
        os.environ[POSE_WORKERS_ENV] = str(max(1, (os.cpu_count() or 1) // concurrency))
    app = make_celery(broker)
    argv = ["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}", f"--queues={QUEUE_NAME}",
            "--without-gossip", "--without-mingle", "--prefetch-multiplier=1"]
    if hostname:
        argv.append(f"--hostname={hostname}")
    app.worker_main(argv)


# ----------------------------------------------------------------------------- web side
@dataclass
class _InFlight:
    run_id: str
    task_id: str
    started_seen: bool = False
    last_alive: float = field(default_factory=time.monotonic)
    last_progress: tuple = ()


class CeleryQueue(DispatcherQueue):
    """Publishes jobs to Celery workers and mirrors their progress into the job table.

    Parameters
    ----------
    store : JobStore
        The web app's job table and data folder.
    broker : str
        ``redis://HOST:PORT/DB`` (also the result backend).
    storage : str, optional
        Where workers find clips and put results (:func:`gaitvision.storage.open_storage`);
        default the data folder itself (workers on this machine or sharing it over NFS).
    analyze : str
        ``module:function`` the workers run (tests use a light one).
    analyze_kwargs : dict, optional
        Extra keyword arguments for it (e.g. ``{"render": False}``).
    heartbeat_s, claim_ttl_s : float
        How often a worker refreshes its claim, and after how long without a refresh
        the web app takes its job back.
    max_attempts : int
        Runs lost to dead workers before the job fails instead of being re-queued.
    """

    thread_name = "gaitvision-celery"

    def __init__(self, store: JobStore, broker: str, *, storage: str | None = None,
                 analyze: str = DEFAULT_ANALYZE, analyze_kwargs: dict | None = None,
                 heartbeat_s: float = 5.0, claim_ttl_s: float = 30.0, max_attempts: int = 3,
                 poll_s: float = 0.5):
        from gaitvision.storage import open_storage

        _, redis = _need_celery()
        self.store, self.broker = store, broker
        self.storage = open_storage(storage or store.data_dir)
        self.analyze, self.analyze_kwargs = analyze, dict(analyze_kwargs or {})
        self.heartbeat_s, self.claim_ttl_s = float(heartbeat_s), float(claim_ttl_s)
        self.max_attempts = int(max_attempts)
        self._init_dispatcher(poll_s)
        self.app = make_celery(broker)
        self.redis = redis.Redis.from_url(broker)
        self._inflight: dict[str, _InFlight] = {}

    # -- JobQueue ----------------------------------------------------------------------
    def cancel(self, job_id: str) -> None:
        with self._lock:
            item = self._inflight.pop(job_id, None)
        self.redis.delete(current_key(job_id))
        if item is not None:
            self.app.control.revoke(item.task_id, terminate=True, signal="SIGKILL")
        try:
            self.storage.delete_job(job_id)
        except Exception:  # noqa: BLE001 - storage clean-up is best effort
            log.exception("job %s: could not clean its storage", job_id)

    def stop(self) -> None:
        self._stop_dispatcher()
        with self._lock:
            inflight, self._inflight = self._inflight, {}
        for job_id, item in inflight.items():
            # The workers stop these runs (no longer current); the next start re-queues them.
            self.redis.delete(current_key(job_id))
            self.app.control.revoke(item.task_id)
            self.store.requeue(job_id, "Re-queued: the server was stopped during the analysis",
                               count_attempt=False)

    # -- internals ---------------------------------------------------------------------
    def active(self) -> list[str]:
        with self._lock:
            return list(self._inflight)

    def _dispatch(self) -> None:
        while not self._stopping.is_set():
            claimed = self.store.claim_next()
            if claimed is None:
                return
            job, run_id = claimed
            try:
                self._publish(job, run_id)
            except Exception as exc:  # noqa: BLE001 - one bad job must not stop the others
                log.exception("job %s: could not publish", job.id)
                self.store.fail(job.id, f"Could not hand the analysis to a worker ({type(exc).__name__}: "
                                f"{exc}); check that the broker is running.", run_id)

    def _publish(self, job, run_id: str) -> None:
        for item in job.inputs:
            self.storage.put_clip(job.id, item["file"], self.store.upload_dir(job.id) / item["file"])
        kwargs = dict(self.analyze_kwargs, **analysis_kwargs(job))  # as the local backend's
        payload = {"job_id": job.id, "run_id": run_id, "inputs": job.inputs, "kwargs": kwargs,
                   "analyze": self.analyze, "storage": self.storage.url,
                   "heartbeat_s": self.heartbeat_s, "claim_ttl_s": self.claim_ttl_s}
        task_id = f"{job.id}-{run_id}"
        self.redis.set(current_key(job.id), run_id, ex=2 * VISIBILITY_TIMEOUT_S)
        with self._lock:
            self._inflight[job.id] = _InFlight(run_id, task_id)
        self.app.send_task(TASK_NAME, args=[payload], task_id=task_id, queue=QUEUE_NAME)
        self.store.set_progress(job.id, run_id, "queued", 0.0)
        log.info("job %s run %s published as task %s", job.id, run_id, task_id)

    def _poll(self) -> None:
        with self._lock:
            items = list(self._inflight.items())
        for job_id, item in items:
            try:
                self._poll_one(job_id, item)
            except Exception:  # noqa: BLE001 - keep watching the others
                log.exception("job %s: monitor error", job_id)

    def _poll_one(self, job_id: str, item: _InFlight) -> None:
        result = self.app.AsyncResult(item.task_id)
        state = result.state
        now = time.monotonic()
        if state in ("STARTED", "PROGRESS"):
            item.started_seen = True
        if state == "PROGRESS" and isinstance(result.info, dict):
            progress = (str(result.info.get("stage")), float(result.info.get("fraction", 0.0)))
            if progress != item.last_progress:
                item.last_progress = progress
                if not self.store.set_progress(job_id, item.run_id, *progress):
                    self._forget(job_id)  # deleted or taken back meanwhile
                    return
        if state == "SUCCESS":
            self._finish(job_id, item, result.result or {})
        elif state == "FAILURE":
            self._lost(job_id, item, f"the worker reported {result.result!r}"[:200])
        elif item.started_seen:
            if self.redis.exists(claim_key(job_id)):
                item.last_alive = now
            elif now - item.last_alive > self.claim_ttl_s:
                self._lost(job_id, item, f"no heartbeat from its worker for {self.claim_ttl_s:.0f} s")

    def _forget(self, job_id: str) -> _InFlight | None:
        with self._lock:
            return self._inflight.pop(job_id, None)

    def _lost(self, job_id: str, item: _InFlight, why: str) -> None:
        if self._forget(job_id) is None:
            return
        self.redis.delete(current_key(job_id))  # the old run, if alive after all, stops
        job = self.store.get(job_id)
        if job is None or job.run_id != item.run_id:
            return
        log.warning("job %s run %s lost: %s", job_id, item.run_id, why)
        if job.attempts >= self.max_attempts:
            self.store.fail(job_id, f"The worker running this analysis stopped {job.attempts} times "
                            f"(last: {why}); it was not retried again.", item.run_id)
        else:
            self.store.requeue(job_id, "Re-queued: the worker running it stopped")
            self._wake.set()

    def _finish(self, job_id: str, item: _InFlight, outcome: dict) -> None:
        status = outcome.get("status") if isinstance(outcome, dict) else None
        if status == "stale":
            self._lost(job_id, item, "the worker found the run no longer current")
            return
        if self._forget(job_id) is None:
            return
        self.redis.delete(current_key(job_id))
        if status == "failed":
            self.store.fail(job_id, str(outcome.get("error") or "The analysis failed."), item.run_id)
        elif status == "done":
            self._collect(job_id, item.run_id)

    def _collect(self, job_id: str, run_id: str) -> None:
        """Copy the run's result from storage into the folder the web app chooses."""
        if self.store.get(job_id) is None:  # deleted meanwhile
            self.storage.delete_run(job_id, run_id)
            return
        partial, final = self.store.partial_dir(job_id), self.store.result_dir(job_id)
        job_dir = self.store.job_dir(job_id)
        remove_tree(partial, job_dir)
        try:
            self.storage.get_result(job_id, run_id, partial)
        except GaitVisionError as exc:
            self.store.fail(job_id, f"The worker's result could not be read ({exc}).", run_id)
            return
        remove_tree(final, job_dir)
        os.replace(partial, final)
        if not self.store.finish(job_id, run_id, headline_metrics(final)):
            log.info("job %s finished after it was deleted or taken back", job_id)
        self.storage.delete_run(job_id, run_id)
        log.info("job %s run %s done", job_id, run_id)

    def _tick(self) -> None:
        self._dispatch()
        self._poll()


# ----------------------------------------------------------------------------- batch side
def _wait_task(app, r, task_id: str, job_id: str, claim_ttl_s: float, poll_s: float = 0.5):
    """Follow one task to its end: ("done" | "failed" | "lost", detail)."""
    started_seen, last_alive = False, time.monotonic()
    while True:
        result = app.AsyncResult(task_id)
        state = result.state
        if state == "SUCCESS":
            outcome = result.result if isinstance(result.result, dict) else {}
            status = outcome.get("status")
            if status in ("done", "failed"):
                return status, str(outcome.get("error") or "")
            return "lost", f"the worker returned {status!r}"
        if state == "FAILURE":
            return "lost", f"the worker reported {result.result!r}"[:200]
        started_seen = started_seen or state in ("STARTED", "PROGRESS")
        now = time.monotonic()
        if started_seen and r.exists(claim_key(job_id)):
            last_alive = now
        elif started_seen and now - last_alive > claim_ttl_s:
            return "lost", f"no heartbeat from its worker for {claim_ttl_s:.0f} s"
        time.sleep(poll_s)


def celery_runner(broker: str, storage, analyze: str = DEFAULT_ANALYZE, *, heartbeat_s: float = 5.0,
                  claim_ttl_s: float = 30.0, max_attempts: int = 3):
    """A ``gaitvision batch`` runner: each analysis as a task for ``gaitvision worker``.

    A run lost with its worker is published again under a new run id (the same claim
    rules as the web app's :class:`CeleryQueue`), up to ``max_attempts`` times.
    """
    import secrets

    from gaitvision.batch import ItemOutcome
    from gaitvision.storage import open_storage

    _, redis = _need_celery()
    app, r, store = make_celery(broker), redis.Redis.from_url(broker), open_storage(storage)

    def run(item, out: Path, render: bool) -> ItemOutcome:
        job_id = secrets.token_hex(16)
        inputs = []
        for k, (video, view) in enumerate(zip(item.videos, item.views)):
            name = f"clip{k}{Path(video).suffix.lower() or '.video'}"
            store.put_clip(job_id, name, Path(video))
            inputs.append({"view": view or "clip", "file": name, "name": Path(video).name})
        kwargs = item.analyze_kwargs(render)
        try:
            why = ""
            for _attempt in range(max_attempts):
                run_id = secrets.token_hex(8)
                r.set(current_key(job_id), run_id, ex=2 * VISIBILITY_TIMEOUT_S)
                payload = {"job_id": job_id, "run_id": run_id, "inputs": inputs, "kwargs": kwargs,
                           "analyze": analyze, "storage": store.url, "heartbeat_s": heartbeat_s,
                           "claim_ttl_s": claim_ttl_s}
                task_id = f"{job_id}-{run_id}"
                app.send_task(TASK_NAME, args=[payload], task_id=task_id, queue=QUEUE_NAME)
                status, why = _wait_task(app, r, task_id, job_id, claim_ttl_s)
                if status == "failed":
                    return ItemOutcome(item.id, "failed", why)
                if status == "done":
                    store.get_result(job_id, run_id, out)
                    return ItemOutcome(item.id, "done")
            return ItemOutcome(item.id, "failed", f"lost {max_attempts} times ({why})")
        finally:
            r.delete(current_key(job_id))
            store.delete_job(job_id)

    return run

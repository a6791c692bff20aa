"""The job queue interface, and the local backend: one worker process per running job.

The web layer only calls :class:`JobQueue` methods. The local backend uses the SQLite
job table as its queue (a job is claimed by an atomic ``UPDATE ... RETURNING``), and
runs each claimed job in a fresh process (``spawn``), so a heavy or crashing analysis
never blocks or takes down the server. The distributed backend,
:class:`gaitvision.web.celery_queue.CeleryQueue` (Celery workers over Redis, clips and
results through :mod:`gaitvision.storage`), implements the same four methods.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass

from gaitvision.web.store import JobStore
from gaitvision.web.worker import DEFAULT_ANALYZE, process_main

log = logging.getLogger("gaitvision.web")


class JobQueue(ABC):
    """What the web app needs from a job backend."""

    @abstractmethod
    def start(self) -> None:
        """Begin taking jobs (called once when the server starts, after recovery)."""

    @abstractmethod
    def stop(self) -> None:
        """Stop taking jobs; running jobs go back to the queue for the next start."""

    @abstractmethod
    def submit(self, job_id: str) -> None:
        """A queued job row exists for ``job_id``: run it when a worker is free."""

    @abstractmethod
    def cancel(self, job_id: str) -> None:
        """Stop ``job_id`` if it is running (before it is deleted)."""


class DispatcherQueue(JobQueue):
    """A backend whose dispatcher thread calls :meth:`_tick` every ``poll_s`` seconds
    (at once after :meth:`submit`); subclasses say what one tick does."""

    thread_name = "gaitvision-jobs"

    def _init_dispatcher(self, poll_s: float) -> None:
        self.poll_s = float(poll_s)
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def submit(self, job_id: str) -> None:
        self._wake.set()

    def _stop_dispatcher(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    @abstractmethod
    def _tick(self) -> None:
        """One round of the dispatcher: collect finished jobs, start queued ones."""

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._tick()
            except Exception:  # noqa: BLE001 - keep the dispatcher alive
                log.exception("%s: dispatcher error", self.thread_name)
            self._wake.wait(self.poll_s)
            self._wake.clear()


@dataclass
class _Running:
    process: mp.process.BaseProcess
    run_id: str


class LocalProcessQueue(DispatcherQueue):
    """Runs up to ``workers`` jobs at a time, each in its own process on this machine."""

    def __init__(self, store: JobStore, workers: int = 1, analyze: str = DEFAULT_ANALYZE,
                 poll_s: float = 0.5):
        self.store = store
        self.workers = max(1, int(workers))
        self.analyze = analyze
        self._init_dispatcher(poll_s)
        self._ctx = mp.get_context("spawn")  # no fork of a threaded server
        self._running: dict[str, _Running] = {}

    # -- JobQueue ----------------------------------------------------------------------
    def cancel(self, job_id: str) -> None:
        with self._lock:
            running = self._running.pop(job_id, None)
        if running is not None:
            self._kill(running.process)

    def stop(self) -> None:
        self._stop_dispatcher()
        with self._lock:
            running, self._running = self._running, {}
        for job_id, item in running.items():
            self._kill(item.process)
            # A clean shutdown is not the job's fault: back in the queue, attempt not counted.
            self.store.requeue(job_id, "Re-queued: the server was stopped during the analysis",
                               count_attempt=False)

    # -- internals ---------------------------------------------------------------------
    def active(self) -> list[str]:
        with self._lock:
            return list(self._running)

    def _kill(self, process: mp.process.BaseProcess) -> None:
        if process.pid is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the job and any helpers it started
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.kill()
        except (ProcessLookupError, ValueError):
            pass
        process.join(timeout=5)

    def _reap(self) -> None:
        with self._lock:
            finished = [(j, r) for j, r in self._running.items() if not r.process.is_alive()]
            for job_id, _ in finished:
                del self._running[job_id]
        for job_id, item in finished:
            item.process.join(timeout=1)
            code = item.process.exitcode
            # When the worker wrote done/failed itself, this does nothing (status no longer running).
            if self.store.fail(job_id, f"The analysis process stopped unexpectedly (exit code "
                               f"{code}); try again, and report it if it happens again.",
                               item.run_id):
                log.error("job %s: worker exited with code %s", job_id, code)

    def _fill(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                if len(self._running) >= self.workers:
                    return
            claimed = self.store.claim_next()
            if claimed is None:
                return
            job, run_id = claimed
            process = self._ctx.Process(
                target=process_main,
                args=(str(self.store.data_dir), job.id, run_id, self.analyze, os.getpid()),
                name=f"gaitvision-job-{job.id[:8]}",
            )
            try:
                process.start()
            except Exception as exc:  # noqa: BLE001
                self.store.fail(job.id, f"Could not start a worker process ({exc}).", run_id)
                continue
            with self._lock:
                self._running[job.id] = _Running(process, run_id)
            log.info("job %s started in process %s", job.id, process.pid)

    def _tick(self) -> None:
        self._reap()
        self._fill()

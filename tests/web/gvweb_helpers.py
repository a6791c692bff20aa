"""Helpers for the web tests (a module of its own: ``conftest`` is ambiguous on sys.path)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``python -m gaitvision.web`` in a subprocess, on a free loopback port."""

    def __init__(self, data_dir: Path, analyze: str, *, max_upload_mb: float = 2048,
                 workers: int = 1, env: dict | None = None, token: str | None = None):
        self.data_dir, self.analyze = data_dir, analyze
        self.max_upload_mb, self.workers, self.token = max_upload_mb, workers, token
        self.env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(HERE), str(REPO), os.environ.get("PYTHONPATH", "")]), **(env or {}))
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.log = data_dir.parent / f"server-{data_dir.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> LiveServer:
        import httpx

        self.port = free_port()
        cmd = [sys.executable, "-m", "gaitvision.web", "--port", str(self.port), "--data-dir",
               str(self.data_dir), "--analyze", self.analyze, "--max-upload-mb",
               str(self.max_upload_mb), "--workers", str(self.workers)]
        if self.token:
            cmd += ["--token", self.token]
        logf = open(self.log, "ab")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=logf, stderr=subprocess.STDOUT,
                                     cwd=str(REPO))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                auth = {"Authorization": f"Bearer {self.token}"} if self.token else {}
                if httpx.get(self.url + "/healthz", timeout=1, headers=auth).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def wait_status(get, job_id: str, statuses=("done", "failed"), timeout: float = 90) -> dict:
    """Poll ``/api/jobs/<id>`` with ``get`` until its status is in ``statuses``."""
    deadline = time.monotonic() + timeout
    data = {}
    while time.monotonic() < deadline:
        r = get(f"/api/jobs/{job_id}")
        if r.status_code == 200:
            data = r.json()
            if data["status"] in statuses:
                return data
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not reach {statuses}: {data}")

"""Fixtures for the web tests: a small real video, an in-process app, a live server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="web extras not installed (pip install 'gaitvision[web]')")

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]


@pytest.fixture(scope="session")
def small_video(tmp_path_factory) -> Path:
    """A 2.5 s, 30 fps H.264 clip (a moving square) that probe_video accepts."""
    import av
    import numpy as np

    path = tmp_path_factory.mktemp("videos") / "small.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 96, 64, "yuv420p"
        for i in range(75):
            img = np.full((64, 96, 3), 30, np.uint8)
            img[20:40, i % 70:(i % 70) + 20] = (230, 160, 0)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


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
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
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


@pytest.fixture
def live_server(tmp_path):
    servers: list[LiveServer] = []

    def make(analyze: str = "gvweb_fakes:fake_analyze", **kw) -> LiveServer:
        server = LiveServer(tmp_path / f"data{len(servers)}", analyze, **kw)
        servers.append(server)
        return server

    yield make
    for s in servers:
        s.stop(signal.SIGKILL if s.proc and s.proc.poll() is None else signal.SIGTERM)


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

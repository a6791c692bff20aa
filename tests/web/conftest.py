"""Fixtures for the web tests: a small real video, an in-process app, a live server."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from gvweb_helpers import LiveServer


@pytest.fixture
def client(tmp_path):
    """An in-process app whose analysis is faked (gvweb_fakes), and a test client on it."""
    from fastapi.testclient import TestClient

    from gaitvision.web.app import create_app

    with TestClient(create_app(tmp_path / "data", analyze="gvweb_fakes:fake_analyze")) as c:
        yield c


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

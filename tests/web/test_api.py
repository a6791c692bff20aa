"""API tests of the web app: uploads, safety, queue, restart. The analysis is faked
(tests/web/gvweb_fakes.py); the browser test runs the real pipeline."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="web extras not installed (pip install 'gaitvision[web]')")

import httpx  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from gvweb_helpers import wait_status  # noqa: E402

from gaitvision.errors import GaitVisionError  # noqa: E402
from gaitvision.web import serve  # noqa: E402
from gaitvision.web.app import create_app  # noqa: E402
from gaitvision.web.store import MAX_ATTEMPTS, RUNNING, JobStore, new_job_id  # noqa: E402


def upload(c, video: Path, name: str = "run.mp4", view: str = "side", **fields):
    return c.post("/api/jobs", files={view: (name, video.read_bytes(), "video/mp4")},
                  data={k: str(v) for k, v in fields.items()})


def raw_request(port: int, head: str, timeout: float = 10) -> tuple[int, bytes]:
    """Send a request exactly as written (no URL normalisation); (status, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(head.encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[-1]


def raw_get(port: int, path: str) -> tuple[int, bytes]:
    return raw_request(port, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")


# -- the happy path ---------------------------------------------------------------------
def test_upload_analyse_results_history_delete(client, small_video, tmp_path):
    r = upload(client, small_video, runner_name="Ana <b>", height_cm="172", speed_kmh="12,5",
               notes="new shoes")
    assert r.status_code == 201, r.text
    job = r.json()
    assert job["status"] == "queued" and job["views"] == ["side"]
    assert job["runner_name"] == "Ana <b>" and job["speed_kmh"] == 12.5
    done = wait_status(client.get, job["id"])
    assert done["status"] == "done" and done["percent"] == 100
    metrics = client.get(f"/jobs/{job['id']}/files/side/metrics.json").json()
    cadence = metrics["summary"]["cadence_spm"]["both"]["mean"]
    assert done["headline"]["cadence_spm"]["both"] == cadence

    page = client.get(f"/jobs/{job['id']}").text
    assert 'id="metrics-side"' in page and "Knee flexion at contact" in page
    assert "15–25 °" in page and 'class="flag ' in page
    assert "Ana &lt;b&gt;" in page and "<b>Ana" not in page  # escaped
    assert 'id="video-side"' in page and "data-frame=" in page
    pdf = client.get(f"/jobs/{job['id']}/files/report.pdf?download=1")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]
    assert client.get(f"/jobs/{job['id']}/files/side/metrics.json").json()["schema"] == \
        "gaitvision.metrics/1"

    hist = client.get("/history").text
    assert "Ana &lt;b&gt;" in hist and "Cadence" in hist and repr(cadence) in hist
    assert "run.mp4" in hist  # the clip's name is listed
    job_dir = tmp_path / "data" / "jobs" / job["id"]
    assert (job_dir / "result" / "report.pdf").is_file()
    r = client.post(f"/jobs/{job['id']}/delete", follow_redirects=False)
    assert r.status_code == 303
    assert not job_dir.exists()
    assert client.get(f"/api/jobs/{job['id']}").status_code == 404


def test_failed_job_shows_one_line_error_without_server_paths(tmp_path, small_video):
    app = create_app(tmp_path / "data", analyze="gvweb_fakes:failing_analyze")
    with TestClient(app) as c:
        job = upload(c, small_video, name="my run.mov").json()
        done = wait_status(c.get, job["id"])
        assert done["status"] == "failed"
        assert done["error"] == "my run.mov: the clip is only 1.0 s long; film at least 2 s."
        page = c.get(f"/jobs/{job['id']}").text
        assert "my run.mov: the clip is only 1.0 s long" in page
        assert str(tmp_path) not in page
        assert not (tmp_path / "data" / "jobs" / job["id"] / "result.partial").exists()


def test_worker_crash_marks_job_failed(tmp_path, small_video):
    app = create_app(tmp_path / "data", analyze="gvweb_fakes:crashing_analyze")
    with TestClient(app) as c:
        job = upload(c, small_video).json()
        done = wait_status(c.get, job["id"])
        assert done["status"] == "failed" and "exit code 9" in done["error"]


def test_form_validation(client, small_video):
    r = upload(client, small_video, height_cm="tall")
    assert r.status_code == 400 and "Height must be a number" in r.json()["detail"]
    r = upload(client, small_video, speed_kmh="400")
    assert r.status_code == 400 and "between 1 and 40" in r.json()["detail"]
    r = client.post("/api/jobs", data={"runner_name": "x"}, files={"nothing": ("", b"")})
    assert r.status_code == 400
    r = client.post("/api/jobs", content=b"hello", headers={"content-type": "text/plain"})
    assert r.status_code == 400
    assert os.listdir(client.app.state.store.jobs_dir) == []


# -- safety -----------------------------------------------------------------------------
def test_oversized_upload_rejected_while_streaming(live_server):
    """1 MB limit; the client streams up to 256 MB (chunked, no Content-Length): the server
    answers 413 long before the end, and keeps nothing."""
    server = live_server(max_upload_mb=1).start()
    total, chunk = 256 * 2**20, 256 * 1024
    sent, response = 0, b""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall((f"POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                   "Content-Type: multipart/form-data; boundary=XyZ\r\n"
                   "Transfer-Encoding: chunked\r\nAccept: application/json\r\n\r\n").encode())

        def send_chunk(data: bytes) -> None:
            s.sendall(b"%x\r\n" % len(data) + data + b"\r\n")

        send_chunk(b'--XyZ\r\nContent-Disposition: form-data; name="side"; filename="big.mp4"\r\n'
                   b"Content-Type: video/mp4\r\n\r\n")
        block = os.urandom(chunk)
        try:
            while sent < total and not select.select([s], [], [], 0)[0]:
                send_chunk(block)
                sent += chunk
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            while data := s.recv(65536):
                response += data
        except ConnectionResetError:
            pass
    assert response.startswith(b"HTTP/1.1 413"), response[:200]
    assert b"larger than the 1 MB limit" in response
    print(f"streamed {sent / 2**20:.1f} MB before the 413")
    assert sent < 64 * 2**20, f"server let {sent / 2**20:.0f} MB through before refusing"
    assert os.listdir(server.data_dir / "jobs") == []
    assert httpx.get(server.url + "/api/jobs").json() == []


def test_oversized_content_length_refused_before_reading(live_server):
    server = live_server(max_upload_mb=1).start()
    status, body = raw_request(server.port, (
        f"POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
        "Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 5000000000\r\n"
        "Connection: close\r\n\r\n"))
    assert status == 413 and b"1 MB limit" in body


def test_renamed_text_file_rejected_as_not_video(client, tmp_path):
    fake = tmp_path / "notes.txt"
    fake.write_text("this is not a video\n" * 200)
    r = upload(client, fake, name="race.mp4")
    assert r.status_code == 400
    detail = r.json()["detail"]
    assert detail.startswith("Side clip: race.mp4: not a readable video"), detail
    assert str(tmp_path) not in detail and "\n" not in detail
    assert os.listdir(client.app.state.store.jobs_dir) == []
    # An HTML form post gets the upload page back with the error.
    r = client.post("/api/jobs", files={"side": ("race.mp4", fake.read_bytes(), "video/mp4")},
                    headers={"Accept": "text/html"})
    assert r.status_code == 400 and "not a readable video" in r.text and "<form" in r.text


def test_upload_names_cannot_choose_paths(client, small_video, tmp_path):
    for name in ("../../../evil.mp4", "..\\..\\evil.mp4", "/etc/evil.mp4", "C:\\evil.mp4",
                 "side/../../evil.mp4\x00.txt"):
        r = upload(client, small_video, name=name)
        assert r.status_code == 201, (name, r.text)
        job = r.json()
        assert job["inputs"][0]["name"].startswith("evil.mp4")
        uploads = tmp_path / "data" / "jobs" / job["id"] / "uploads"
        assert sorted(p.name for p in uploads.iterdir()) in (["side.mp4"], ["side.video"])
    assert not list(tmp_path.rglob("evil*"))
    assert not Path("/etc/evil.mp4").exists()
    r = client.post("/api/jobs", files={"../side": ("a.mp4", small_video.read_bytes(), "video/mp4")})
    assert r.status_code == 400 and "Unexpected file field" in r.json()["detail"]


def test_path_traversal_in_job_ids_and_file_names(live_server, small_video, tmp_path):
    server = live_server().start()
    c = httpx.Client(base_url=server.url)
    job = upload(c, small_video).json()
    wait_status(c.get, job["id"])
    jid = job["id"]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    result = server.data_dir / "jobs" / jid / "result"
    # A symlink inside the result folder, even listed in the manifest, must not lead out.
    (result / "side" / "link.csv").symlink_to(secret)
    manifest = json.loads((result / "manifest.json").read_text())
    manifest["files"] += [{"path": "side/link.csv", "kind": "data", "view": "side", "label": "x"},
                          {"path": "../../../secret.txt", "kind": "data", "view": None, "label": "x"},
                          {"path": str(secret), "kind": "data", "view": None, "label": "x"}]
    (result / "manifest.json").write_text(json.dumps(manifest))

    assert raw_get(server.port, f"/jobs/{jid}/files/report.pdf")[0] == 200
    bad = [
        f"/jobs/{jid}/files/../../../gaitvision.db",
        f"/jobs/{jid}/files/..%2f..%2f..%2fgaitvision.db",
        f"/jobs/{jid}/files/%2e%2e/%2e%2e/%2e%2e/gaitvision.db",
        f"/jobs/{jid}/files/side/../../uploads/side.mp4",
        f"/jobs/{jid}/files/..\\..\\uploads\\side.mp4",
        f"/jobs/{jid}/files//etc/passwd",
        f"/jobs/{jid}/files/{secret}",
        f"/jobs/{jid}/files/../../../secret.txt",
        f"/jobs/{jid}/files/side/link.csv",
        f"/jobs/{jid}/files/side/pose.npz",  # in the folder but not a listed download
        f"/jobs/{jid}/files/report.pdf%00.txt",
        "/jobs/../gaitvision.db",
        "/jobs/..%2fgaitvision.db/files/report.pdf",
        f"/jobs/{jid}%2f..%2f..%2f/files/report.pdf",
        "/jobs/%2e%2e/files/gaitvision.db",
        "/api/jobs/..%2f..%2fgaitvision.db",
        f"/api/jobs/{jid.upper()}",
        "/static/../gaitvision.db",
        "/static/..%2f..%2f..%2fpyproject.toml",
    ]
    for path in bad:
        status, body = raw_get(server.port, path)
        assert status in (400, 404), (path, status)
        assert b"TOP SECRET" not in body and b"SQLite" not in body, path
    for method, path in (("DELETE", "/api/jobs/..%2f..%2fjobs"), ("POST", "/jobs/..%2f/delete"),
                         ("DELETE", "/api/jobs/%2e%2e")):
        status, _ = raw_request(server.port, f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:"
                                f"{server.port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        assert status in (400, 404, 405), (method, path, status)
    assert (server.data_dir / "gaitvision.db").is_file() and secret.read_text() == "TOP SECRET"
    assert (server.data_dir / "jobs" / jid / "uploads").is_dir()


# -- queue and restarts -----------------------------------------------------------------
def test_two_uploads_at_once_both_complete(live_server, small_video):
    server = live_server(workers=2).start()
    results: dict[int, httpx.Response] = {}

    def go(i: int) -> None:
        with httpx.Client(base_url=server.url, timeout=60) as c:
            results[i] = upload(c, small_video, name=f"clip{i}.mp4", runner_name=f"runner {i}")

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i].status_code for i in range(2)] == [201, 201]
    ids = {results[i].json()["id"] for i in range(2)}
    assert len(ids) == 2
    c = httpx.Client(base_url=server.url)
    for jid in ids:
        assert wait_status(c.get, jid)["status"] == "done"
    names = {j["runner_name"] for j in c.get("/api/jobs").json()}
    assert names == {"runner 0", "runner 1"}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (killed, not yet reaped) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("how", ["kill", "term"])
def test_server_restart_mid_job_does_not_lose_it(live_server, small_video, tmp_path, how):
    """Kill -9 (crash) or SIGTERM (clean stop) the server while a job runs: the worker
    stops too, and the next server start runs the job again to completion."""
    pidfile = tmp_path / "pids.txt"
    env = {"GV_FAKE_PIDFILE": str(pidfile), "GV_FAKE_SECONDS": "6"}
    server = live_server("gvweb_fakes:slow_analyze", env=env).start()
    c = httpx.Client(base_url=server.url)
    jid = upload(c, small_video).json()["id"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job = c.get(f"/api/jobs/{jid}").json()
        if job["status"] == "running" and job["percent"] > 5:
            break
        time.sleep(0.1)
    assert job["status"] == "running", job
    server.stop(signal.SIGKILL if how == "kill" else signal.SIGTERM)
    worker_pid = int(pidfile.read_text().split()[0])
    deadline = time.monotonic() + 10
    while _pid_alive(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _pid_alive(worker_pid), "the worker outlived its server"
    with sqlite3.connect(server.data_dir / "gaitvision.db") as db:
        status = db.execute("SELECT status FROM jobs WHERE id=?", (jid,)).fetchone()[0]
    assert status == ("running" if how == "kill" else "queued")

    server.start()
    c = httpx.Client(base_url=server.url)
    done = wait_status(c.get, jid, timeout=60)
    assert done["status"] == "done", done
    assert len(pidfile.read_text().split()) == 2  # ran once more, not twice in parallel
    assert (server.data_dir / "jobs" / jid / "result" / "manifest.json").is_file()
    assert not (server.data_dir / "jobs" / jid / "result.partial").exists()


def test_recovery_fails_job_after_repeated_restarts(tmp_path):
    store = JobStore(tmp_path / "data")
    jid = new_job_id()
    store.create(jid, inputs=[{"view": "side", "name": "a.mp4", "file": "side.mp4"}])
    for attempt in range(1, MAX_ATTEMPTS + 1):
        claimed = store.claim_next()
        assert claimed is not None and claimed[0].id == jid
        assert store.get(jid).status == RUNNING and store.get(jid).attempts == attempt
        out = store.recover()  # as if the server died and started again
    assert out == {"requeued": [], "failed": [jid], "removed": []}
    job = store.get(jid)
    assert job.status == "failed" and "server stopped during this analysis" in job.error
    # a stale run cannot overwrite the outcome
    assert not store.finish(jid, claimed[1], {})
    # an upload cut off by the stop (folder, no row) is cleaned up; other folders are left
    cut = store.jobs_dir / new_job_id()
    (cut / "uploads").mkdir(parents=True)
    (store.jobs_dir / "not-a-job").mkdir()
    assert store.recover()["removed"] == [cut.name]
    assert not cut.exists() and (store.jobs_dir / "not-a-job").is_dir()
    assert store.job_dir(jid).parent == store.jobs_dir


# -- access control ---------------------------------------------------------------------
def test_token_checked_on_every_request(tmp_path, small_video):
    app = create_app(tmp_path / "data", token="s3cret-token-0123456789", analyze="gvweb_fakes:fake_analyze")
    with TestClient(app) as c:
        for path in ("/", "/history", "/api/jobs", "/static/app.css", "/healthz", "/jobs/" + "a" * 32):
            assert c.get(path).status_code == 401, path
        assert upload(c, small_video).status_code == 401
        assert c.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/?token=wrong").status_code == 401
        ok = {"Authorization": "Bearer s3cret-token-0123456789"}
        assert c.get("/api/jobs", headers=ok).status_code == 200
        r = c.get("/history?token=s3cret-token-0123456789", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/history"
        assert "gaitvision_token=s3cret-token-0123456789" in r.headers["set-cookie"]
        assert "httponly" in r.headers["set-cookie"].lower()
        c.cookies.set("gaitvision_token", "s3cret-token-0123456789")
        assert c.get("/history").status_code == 200
        assert upload(c, small_video).status_code == 201
    assert os.listdir(tmp_path / "data" / "jobs") != []


def test_serve_refuses_public_bind_without_token(monkeypatch):
    monkeypatch.delenv("GAITVISION_TOKEN", raising=False)
    with pytest.raises(GaitVisionError, match="--token"):
        serve(host="0.0.0.0", port=0, data_dir="/nonexistent")


def test_host_and_origin_checks(tmp_path, small_video):
    app = create_app(tmp_path / "data", analyze="gvweb_fakes:fake_analyze",
                     allowed_hosts={"127.0.0.1", "localhost"})
    clip = {"side": ("a.mp4", small_video.read_bytes(), "video/mp4")}
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/").status_code == 200
        assert c.get("/").headers["referrer-policy"] == "same-origin"
        assert c.get("/", headers={"Host": "evil.example:8000"}).status_code == 400
        # Another site's page: refused by Origin, or by Fetch Metadata when Origin is null.
        assert c.post("/api/jobs", files=clip, headers={"Origin": "http://evil.example"}).status_code == 403
        assert c.post("/api/jobs", files=clip, headers={
            "Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "cross-site"}).status_code == 403
        gone = "/jobs/" + "a" * 32 + "/delete"
        assert c.post(gone, headers={"Origin": "null"}).status_code == 403
        assert c.post(gone, headers={"Origin": "null", "Sec-Fetch-Site": "cross-site"}).status_code == 403
        # This server's own form post, even with Origin null (a no-referrer page): allowed.
        assert c.post(gone, headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
                      follow_redirects=False).status_code == 404
        r = c.post("/api/jobs", files=clip, headers={"Origin": "http://127.0.0.1:8000",
                                                     "Sec-Fetch-Site": "same-origin"})
        assert r.status_code == 201
        # A plain HTML form post (no JavaScript) is redirected to the job's page.
        r = c.post("/api/jobs", files=clip, headers={"Accept": "text/html"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")


def test_short_tokens_refused_and_wrong_tokens_rate_limited(tmp_path):
    for short in ("x", "fifteen-chars!!"):
        with pytest.raises(GaitVisionError, match="at least 16"):
            create_app(tmp_path / "d1", token=short)
        with pytest.raises(GaitVisionError, match="at least 16"):
            serve(host="127.0.0.1", port=0, data_dir=tmp_path / "d2", token=short)
    good = "a-good-long-token-123"
    app = create_app(tmp_path / "data", token=good, analyze="gvweb_fakes:fake_analyze")
    with TestClient(app) as c:
        codes = [c.get("/", headers={"Authorization": f"Bearer wrong{i}"}).status_code
                 for i in range(12)]
        assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
        # even the right token waits out the lock-out of this address
        assert c.get("/", headers={"Authorization": f"Bearer {good}"}).status_code == 429


def test_token_never_in_the_access_log(live_server):
    import httpx

    token = "log-secret-token-0123456789"
    server = live_server(token=token).start()
    assert httpx.get(f"{server.url}/history?token={token}", follow_redirects=True).status_code == 200
    httpx.get(f"{server.url}/?token=wrong-token-xxxxxxxxxx")
    server.stop()
    log = server.log.read_text()
    assert "GET /history?token=REDACTED" in log
    assert token not in log and "wrong-token-xxxxxxxxxx" not in log


def test_api_docs_page_is_served_offline(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "/api/jobs/{job_id}/cancel" in page.text and "cdn" not in page.text.lower()
    assert "<script" not in page.text.split("<main>")[1]  # nothing to fetch, nothing to run


def test_delete_running_job_stops_worker_and_removes_files(live_server, small_video, tmp_path):
    pidfile = tmp_path / "pids.txt"
    server = live_server("gvweb_fakes:slow_analyze",
                         env={"GV_FAKE_PIDFILE": str(pidfile), "GV_FAKE_SECONDS": "30"}).start()
    c = httpx.Client(base_url=server.url)
    jid = upload(c, small_video).json()["id"]
    wait_status(c.get, jid, statuses=("running",))
    deadline = time.monotonic() + 20
    while not pidfile.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    pid = int(pidfile.read_text().split()[0])
    second = upload(c, small_video).json()["id"]  # one worker: this one waits
    assert c.get(f"/api/jobs/{second}").json()["queue_position"] == 1
    assert c.delete(f"/api/jobs/{second}").status_code == 200
    assert c.delete(f"/api/jobs/{jid}").json() == {"deleted": jid}
    deadline = time.monotonic() + 10
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _pid_alive(pid)
    time.sleep(1)
    assert not (server.data_dir / "jobs" / jid).exists()
    assert c.get(f"/api/jobs/{jid}").status_code == 404
    assert c.get("/history").status_code == 200


def test_side_and_rear_upload_gives_two_tabs(client, small_video):
    r = client.post("/api/jobs", files={"side": ("s.mp4", small_video.read_bytes(), "video/mp4"),
                                        "rear": ("r.mp4", small_video.read_bytes(), "video/mp4")})
    assert r.status_code == 201 and r.json()["views"] == ["side", "rear"]
    wait_status(client.get, r.json()["id"])
    page = client.get(r.json()["url"]).text
    assert 'id="tab-side"' in page and 'id="tab-rear"' in page
    assert 'id="metrics-rear"' in page and "pelvic drop" in page
    assert client.get(r.json()["url"] + "/files/rear/annotated.mp4").status_code == 200


def test_one_server_per_data_folder(live_server):
    server = live_server().start()
    with pytest.raises(GaitVisionError, match="already using"):
        serve(data_dir=server.data_dir, port=0)

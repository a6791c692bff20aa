"""The Celery backend end to end: redis-server, two ``gaitvision worker`` processes, the web API.

Six analyses of the committed sample clips go through the web API with the Celery
backend; one worker is SIGKILLed while it runs a job; all six must finish exactly once
(no run of a job overlaps another, one completed run per job) with results identical
to the local backend's.

What the analyses run (to keep the test fast on 2 cores): the real pipeline
(:func:`gaitvision.pipeline.analyze`) with ``render=False`` (data files only: pose
track, keypoints, metrics.json, strides, curves, series) on the pose track cached by
content hash, preceded by a short hold so a kill reliably lands mid-job. Kinematics,
metrics and every data file are computed on the worker, so identical files prove the
distributed path changes nothing; rendering is covered by the report tests.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gvweb_helpers import free_port

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SAMPLES = REPO / "sample_videos"
ANALYZE = "test_celery:light_analyze"
CLIPS = {"side": SAMPLES / "synthetic_side_60fps.mp4", "rear": SAMPLES / "synthetic_rear_60fps.mp4"}
#: Each analysis: (views, runner name); every combination of the sample clips, twice.
JOBS = [(("side",), "A"), (("rear",), "B"), (("side", "rear"), "C"),
        (("side",), "D"), (("rear",), "E"), (("side", "rear"), "F")]


def light_analyze(videos, out_dir, *, progress=None, runner_name=None, **kwargs):
    """The pipeline without rendering, after a short hold; logs start and end of each run."""
    from gaitvision.pipeline import analyze

    log = os.environ.get("GV_RUN_LOG")
    tag = runner_name or "-"
    hold = 120.0 if tag == "cancel-me" else float(os.environ.get("GV_HOLD_S", "0"))

    def note(what: str) -> None:
        if log:
            with open(log, "a") as fh:
                fh.write(f"{what} {tag} {time.time():.3f} {os.getpid()}\n")

    note("start")
    for i in range(10):
        if progress:
            progress("decoding", i / 10)
        time.sleep(hold / 10)
    analyze(videos, out_dir, render=False, progress=progress, runner_name=runner_name, **kwargs)
    note("end")


def _redis_server(tmp_path: Path):
    exe = shutil.which("redis-server")
    if exe is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does)")
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return proc, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("redis-server did not start")


def _env(run_log: Path) -> dict:
    return dict(os.environ, PYTHONPATH=os.pathsep.join([str(HERE), str(REPO)]),
                GV_RUN_LOG=str(run_log), GV_HOLD_S="2", GAITVISION_WORKER_ANALYZE=ANALYZE)


def _start_worker(name: str, broker: str, env: dict, logdir: Path) -> subprocess.Popen:
    logf = open(logdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "gaitvision", "worker", "--broker", broker,
                             "--concurrency", "1", "--hostname", f"{name}@test"],
                            env=env, cwd=str(REPO), stdout=logf, stderr=subprocess.STDOUT,
                            start_new_session=True)


def _submit(client, views, name) -> str:
    files = {v: (f"{v}.mp4", CLIPS[v].read_bytes(), "video/mp4") for v in views}
    r = client.post("/api/jobs", files=files, data={"runner_name": name, "height_cm": "178"})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _wait_all(client, ids, timeout=240.0, on_tick=None) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        jobs = {i: client.get(f"/api/jobs/{i}").json() for i in ids}
        if on_tick is not None:
            on_tick(jobs)
        if all(j["status"] in ("done", "failed") for j in jobs.values()):
            return jobs
        time.sleep(0.3)
    raise AssertionError(f"jobs did not finish: {jobs}")


def _result_files(result: Path) -> dict:
    """Every file of a result folder (manifest without its timestamp and absolute paths)."""
    out = {}
    for path in sorted(result.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(result).as_posix()
        if rel == "manifest.json":
            manifest = json.loads(path.read_text())
            for key in ("created", "videos", "session"):  # time, paths, runner name
                manifest.pop(key, None)
            out[rel] = json.dumps(manifest, sort_keys=True).encode()
        else:
            out[rel] = path.read_bytes()
    return out


def _runs(run_log: Path) -> dict[str, list[tuple[str, float]]]:
    runs: dict[str, list] = {}
    for line in run_log.read_text().splitlines():
        what, tag, t, _pid = line.split()
        runs.setdefault(tag, []).append((what, float(t)))
    return runs


def _local_reference(tmp_path: Path) -> dict[tuple, dict]:
    """The local backend's results for each combination of views."""
    from fastapi.testclient import TestClient

    from gaitvision.web.app import create_app

    app = create_app(tmp_path / "local", analyze=ANALYZE, workers=2)
    with TestClient(app) as client:
        ids = {views: _submit(client, views, f"ref{k}") for k, (views, _) in enumerate(JOBS[:3])}
        jobs = _wait_all(client, list(ids.values()))
    assert all(j["status"] == "done" for j in jobs.values()), jobs
    return {v: _result_files(tmp_path / "local" / "jobs" / i / "result") for v, i in ids.items()}


def _kill_a_busy_worker(jobs: dict, workers: dict, broker: str, killed: list) -> None:
    """SIGKILL the worker (its whole process group) that holds a running job's claim."""
    if killed:
        return
    import redis

    r = redis.Redis.from_url(broker)
    for job_id, job in jobs.items():
        token = r.get(f"gaitvision:claim:{job_id}")
        if job["status"] != "running" or not token or job["stage"] != "decoding":
            continue
        pool_pid = int(token.decode().split()[2])
        ppid = int(Path(f"/proc/{pool_pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        for name, proc in workers.items():
            if proc.pid == ppid:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
                killed.append((name, job_id, time.time()))
                return


def _cancel_stops_the_analysis(data: Path, queue, run_log: Path, broker: str) -> None:
    """Deleting a running job revokes it and kills its analysis on the worker."""
    import redis
    from fastapi.testclient import TestClient

    from gaitvision.web.app import create_app

    with TestClient(create_app(data, queue=queue)) as client:
        job_id = _submit(client, ("side",), "cancel-me")
        deadline = time.monotonic() + 120
        while not any(line.startswith("start cancel-me") for line in run_log.read_text().splitlines()):
            assert time.monotonic() < deadline, "the job did not start"
            time.sleep(0.2)
        pid = int(next(line for line in run_log.read_text().splitlines()
                       if line.startswith("start cancel-me")).split()[3])
        assert client.delete(f"/api/jobs/{job_id}").status_code == 200
        deadline = time.monotonic() + 15
        while Path(f"/proc/{pid}").exists() and "zombie" not in _proc_state(pid):
            assert time.monotonic() < deadline, "the analysis still runs after the job was deleted"
            time.sleep(0.2)
        r = redis.Redis.from_url(broker)
        while r.exists(f"gaitvision:claim:{job_id}"):
            assert time.monotonic() < deadline, "the worker kept its claim"
            time.sleep(0.2)
    assert "end cancel-me" not in run_log.read_text()


def _proc_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "zombie"


@pytest.mark.slow
def test_six_analyses_on_two_celery_workers_survive_a_killed_worker(tmp_path):
    pytest.importorskip("celery")
    from fastapi.testclient import TestClient

    from gaitvision.pose.estimate import estimate_pose
    from gaitvision.web.app import create_app
    from gaitvision.web.celery_queue import CeleryQueue
    from gaitvision.web.store import JobStore

    redis_proc, broker = _redis_server(tmp_path)
    run_log = tmp_path / "runs.log"
    env = _env(run_log)
    workers: dict[str, subprocess.Popen] = {}
    try:
        for clip in CLIPS.values():  # the pose cache every analysis below reads (once per session)
            estimate_pose(clip)
        os.environ.update(GV_RUN_LOG=str(run_log), GV_HOLD_S="2")
        reference = _local_reference(tmp_path)
        run_log.unlink()
        workers = {n: _start_worker(n, broker, env, tmp_path) for n in ("w1", "w2")}
        data = tmp_path / "celery"
        queue = CeleryQueue(JobStore(data), broker, analyze=ANALYZE, heartbeat_s=0.5,
                            claim_ttl_s=3.0)
        killed: list = []
        with TestClient(create_app(data, queue=queue)) as client:
            ids = {_submit(client, views, name): (views, name) for views, name in JOBS}
            jobs = _wait_all(client, list(ids), on_tick=lambda j: _kill_a_busy_worker(
                j, workers, broker, killed))
        assert killed, "no worker was caught running a job"
        assert {j["status"] for j in jobs.values()} == {"done"}, jobs
        for job_id, (views, _name) in ids.items():
            assert _result_files(data / "jobs" / job_id / "result") == reference[views], views
        runs = _runs(run_log)
        killed_tag = ids[killed[0][1]][1]
        for tag, events in runs.items():
            assert [w for w, _ in events].count("end") == 1, (tag, events)
            starts = [t for w, t in events if w == "start"]
            if tag == killed_tag:  # started again only after the first run was killed
                assert len(starts) == 2 and starts[1] > killed[0][2], events
            else:
                assert len(starts) == 1, (tag, events)
        assert len(runs) == 6
        _cancel_stops_the_analysis(data, queue, run_log, broker)
    finally:
        os.environ.pop("GV_RUN_LOG", None)
        os.environ.pop("GV_HOLD_S", None)
        for proc in workers.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        redis_proc.kill()
        redis_proc.wait(10)


def test_a_worker_refuses_an_analysis_it_was_not_given(monkeypatch):
    """A task naming any other function than the pipeline's is refused before anything runs."""
    pytest.importorskip("celery")
    from gaitvision.web.celery_queue import ANALYZE_ENV, execute

    monkeypatch.delenv(ANALYZE_ENV, raising=False)
    payload = {"job_id": "ab" * 16, "run_id": "cd" * 8, "analyze": "os:system", "inputs": []}
    out = execute(payload, "redis://127.0.0.1:1/0")  # no broker needed: refused first
    assert out["status"] == "failed" and "os:system" in out["error"]

"""The coach's workflow over the API: cancel, retry, clean failures, deletion of cached pose,
forward-only progress, exact values, compare, history, zip, edit (issue 15, issue 13 web)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="web extras not installed (pip install 'gaitvision[web]')")

from fastapi.testclient import TestClient  # noqa: E402
from gvweb_helpers import wait_status  # noqa: E402

from gaitvision.kinematics.reference import METRICS  # noqa: E402
from gaitvision.web.app import create_app  # noqa: E402
from gaitvision.web.store import JobStore, new_job_id, overall_percent  # noqa: E402


@pytest.fixture(scope="module")
def finished(tmp_path_factory, small_video):
    """One app with one finished analysis, shared by the tests that only read it."""
    app = create_app(tmp_path_factory.mktemp("shared") / "data", analyze="gvweb_fakes:fake_analyze")
    with TestClient(app) as c:
        yield c, done_job(c, small_video)


def upload(c, video: Path, name: str = "run.mp4", **fields):
    return c.post("/api/jobs", files={"side": (name, video.read_bytes(), "video/mp4")},
                  data={k: str(v) for k, v in fields.items()})


def done_job(c, video, **fields) -> dict:
    job = upload(c, video, **fields).json()
    return wait_status(c.get, job["id"])


def test_cancel_then_retry(tmp_path, small_video):
    app = create_app(tmp_path / "data", analyze="gvweb_fakes:slow_analyze")
    with TestClient(app) as c:
        jid = upload(c, small_video).json()["id"]
        wait_status(c.get, jid, statuses=("running",))
        assert c.post(f"/api/jobs/{jid}/cancel").json()["status"] == "cancelled"
        time.sleep(1.0)  # a killed worker must not turn it into "failed" or "done"
        job = c.get(f"/api/jobs/{jid}").json()
        assert job["status"] == "cancelled" and job["error"] == "Cancelled."
        assert c.post(f"/api/jobs/{jid}/cancel").status_code == 409
        page = c.get(f"/jobs/{jid}").text
        assert 'id="retry"' in page and "was cancelled" in page
        job_dir = tmp_path / "data" / "jobs" / jid
        assert not [p for p in job_dir.iterdir() if "partial" in p.name]
        assert c.post(f"/api/jobs/{jid}/retry").json()["status"] == "queued"
        assert c.post(f"/api/jobs/{jid}/retry").status_code == 409
        assert c.post(f"/api/jobs/{jid}/cancel").json()["status"] == "cancelled"


def test_retry_failed_job_runs_again_from_stored_clip(tmp_path, small_video):
    app = create_app(tmp_path / "data", analyze="gvweb_fakes:failing_analyze")
    with TestClient(app) as c:
        jid = upload(c, small_video).json()["id"]
        assert wait_status(c.get, jid)["status"] == "failed"
        r = c.post(f"/jobs/{jid}/retry", follow_redirects=False)
        assert r.status_code == 303
        assert wait_status(c.get, jid)["status"] == "failed"  # ran again, same reason
        (tmp_path / "data" / "jobs" / jid / "uploads" / "side.mp4").unlink()
        assert "no longer stored" in c.post(f"/api/jobs/{jid}/retry").json()["detail"]


def test_job_failed_by_two_crashes_leaves_no_partial_folder(tmp_path):
    store = JobStore(tmp_path / "data")
    jid = new_job_id()
    store.create(jid, inputs=[{"view": "side", "name": "a.mp4", "file": "side.mp4"}])
    for _ in range(2):
        store.claim_next()
        # what a worker killed mid-analysis leaves behind
        (store.job_dir(jid) / ".result.partial-abc123" / "side").mkdir(parents=True, exist_ok=True)
        (store.job_dir(jid) / "result.partial").mkdir(exist_ok=True)
        out = store.recover()
    assert out["failed"] == [jid]
    assert sorted(p.name for p in store.job_dir(jid).iterdir()) == []


def test_delete_removes_the_pose_cache_entry(client, small_video, tmp_path, monkeypatch):
    from gaitvision.video.ingest import file_sha256

    cache = tmp_path / "cache"
    monkeypatch.setenv("GAITVISION_CACHE", str(cache))
    sha = file_sha256(small_video)
    (cache / "pose").mkdir(parents=True)
    from gaitvision.pose.estimate import cache_dir

    entry = cache_dir() / f"{sha[:32]}-blazepose-full.npz"
    entry.parent.mkdir(parents=True, exist_ok=True)
    entry.write_bytes(b"x")
    other = cache_dir() / f"{'0' * 32}-blazepose-full.npz"
    other.write_bytes(b"y")
    job = done_job(client, small_video)
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 200
    assert not entry.exists() and other.exists()


def test_progress_with_two_clips_only_moves_forward():
    # The pipeline's order for two clips: pose/kinematics of clip 1 (fractions 0-0.5),
    # then of clip 2 (0.5-1), then rendering of both.
    seq = [("decoding", 0.0), ("pose", 0.25), ("pose", 0.5), ("kinematics", 0.0),
           ("kinematics", 0.25), ("kinematics", 0.5), ("decoding", 0.55), ("pose", 0.75),
           ("pose", 1.0), ("kinematics", 0.75), ("kinematics", 1.0), ("rendering", 0.5),
           ("rendering", 1.0)]
    pct = [overall_percent(stage, f, 2) for stage, f in seq]
    assert pct == sorted(pct) and pct[-1] == 100.0 and pct[0] == 0.0
    assert pct[seq.index(("kinematics", 1.0))] == 40.0
    assert pct[seq.index(("pose", 0.75))] > pct[seq.index(("kinematics", 0.5))]
    one = [overall_percent(s, f) for s, f in [("pose", 0.5), ("kinematics", 1.0), ("rendering", 0.5)]]
    assert one == sorted(one)


def test_eta_and_stage_in_status(tmp_path, small_video):
    app = create_app(tmp_path / "data", analyze="gvweb_fakes:slow_analyze")
    with TestClient(app) as c:
        jid = upload(c, small_video).json()["id"]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            job = c.get(f"/api/jobs/{jid}").json()
            if job.get("eta_s") is not None:
                break
            time.sleep(0.2)
        assert job["eta_s"] > 0 and job["percent"] > 0
        c.delete(f"/api/jobs/{jid}")


def test_results_show_values_exactly_as_metrics_json(finished):
    client, job = finished
    metrics = client.get(f"/jobs/{job['id']}/files/side/metrics.json").json()
    page = client.get(f"/jobs/{job['id']}").text
    # every pooled mean appears as the JSON holds it, in registry order
    order = [n for n in METRICS if n in metrics["summary"]]
    positions = [page.index(f'data-metric="{n}"') for n in order]
    assert positions == sorted(positions)
    assert order.index("step_time_ms") == 1  # second, after cadence, as in the registry
    for name in order:
        both = metrics["summary"][name]["both"]
        if both:
            row = page[page.index(f'data-metric="{name}"'):][:1500]
            text = repr(both["mean"])
            text = text[:-2] if text.endswith(".0") else text
            assert f">{text}<" in row, (name, text)
    import re

    assert not re.search(r"[-−]0(\.0+)?(?![.\d])", page.split("<tbody>")[1])
    # event frames: fractional in metrics.json, shown (rounded) in the player
    frames = [round(e["frame"]) for e in metrics["events"]]
    assert f'data-frame="{frames[0]}"' in page


def test_exact_value_formatting():
    from gaitvision.web.results import fmt_value

    assert fmt_value(0.187) == "0.187" and fmt_value(170.2) == "170.2"
    assert fmt_value(2.2) == "2.2" and fmt_value(-0.0) == "0" and fmt_value(337.0) == "337"
    assert fmt_value(None) == "–" and fmt_value(float("nan")) == "–"


def test_an_sd_that_rounds_to_zero_reads_as_below_the_resolution():
    """A perfectly periodic runner's strides differ by less than the printed decimals:
    "< 0.1", as in the PDF, never a bare "± 0" that reads as one value copied."""
    from gaitvision.kinematics.records import Stats
    from gaitvision.web.results import fmt_stats

    assert fmt_stats(Stats(mean=6.6, sd=0.0, median=6.6, n=12), "deg")["sd"] == "< 0.1"
    assert fmt_stats(Stats(mean=6.6, sd=0.8, median=6.6, n=12), "deg")["sd"] == "0.8"


def test_history_search_filter_group_trend_and_compare(client, small_video):
    a = done_job(client, small_video, name="monday.mp4", runner_name="Ana")
    b = done_job(client, small_video, name="friday.mp4", runner_name="ana ")
    c = done_job(client, small_video, name="other.mp4", runner_name="Bo")
    hist = client.get("/history").text
    assert "monday.mp4" in hist and "friday.mp4" in hist
    assert "other.mp4" not in client.get("/history?q=friday").text.split("history-list")[1]
    only_ana = client.get("/history?runner=ANA").text.split("history-list")[1]
    assert "monday.mp4" in only_ana and "other.mp4" not in only_ana
    grouped = client.get("/history?group=1").text
    assert 'id="runner-groups"' in grouped and "<polyline" in grouped
    # results of B offer "compare with the previous session" (A: same runner, earlier)
    page = client.get(f"/jobs/{b['id']}").text
    assert f'href="/compare?a={a["id"]}&amp;b={b["id"]}"' in page
    assert 'id="compare-previous"' not in client.get(f"/jobs/{c['id']}").text
    # the same fake runner twice: no real change
    cmp_page = client.get(f"/compare?job={b['id']}&job={a['id']}", follow_redirects=True)
    assert cmp_page.status_code == 200 and 'id="no-real-change"' in cmp_page.text
    assert "Cadence" in cmp_page.text
    pdf = client.get(f"/compare/{a['id']}_{b['id']}/compare.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/compare/{a['id']}_{b['id']}/side/side_by_side.mp4").status_code == 200
    assert client.get(f"/compare/{a['id']}_{b['id']}/../../gaitvision.db").status_code == 404
    assert client.get(f"/compare/{a['id']}_{b['id']}/compare.json").status_code == 404
    assert client.get(f"/compare?job={a['id']}").status_code == 400
    assert client.delete(f"/api/jobs/{a['id']}").status_code == 200
    assert not list((client.app.state.store.data_dir / "compare").glob(f"*{a['id']}*"))


def test_download_everything_as_one_zip(finished):
    client, job = finished
    r = client.get(f"/jobs/{job['id']}/download.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert {"report.pdf", "manifest.json", "side/metrics.json", "side/annotated.mp4"} <= set(names)
    assert "side/pose.npz" not in names  # not listed in the manifest: not served, not zipped
    data_dir = str(client.app.state.store.data_dir)
    manifest = zipfile.ZipFile(io.BytesIO(r.content)).read("manifest.json").decode()
    assert data_dir not in manifest and json.loads(manifest)["videos"] == {"side": "side.mp4"}


def test_edit_session_and_time_scale_field(client, small_video):
    job = done_job(client, small_video, runner_name="Ana", time_scale="8")
    store = client.app.state.store
    assert store.get(job["id"]).inputs[0]["time_scale"] == 8.0
    assert 'name="time_scale"' in client.get("/").text
    r = client.post(f"/jobs/{job['id']}/edit", data={"runner_name": "Ana B", "height_cm": "171",
                                                      "speed_kmh": "11"}, follow_redirects=False)
    assert r.status_code == 303
    edited = store.get(job["id"])
    assert (edited.runner_name, edited.height_cm, edited.speed_kmh) == ("Ana B", 171.0, 11.0)
    wait_status(client.get, job["id"])  # the edit re-computes (pipeline.recompute) first
    bad = client.post(f"/jobs/{job['id']}/edit", data={"height_cm": "2"})
    assert bad.status_code == 400 and "Height" in bad.json()["detail"]


def test_plain_summary_on_results_page(finished):
    client, job = finished
    page = client.get(f"/jobs/{job['id']}").text
    assert 'id="plain-summary"' in page
    plain = page.split('id="plain-summary"')[1].split("</section>")[0]
    assert plain.count("<li>") <= 3 and "Try:" in plain


def test_fake_results_follow_the_contract(finished):
    """The stand-in analysis writes metrics.json through the real records, and its result
    folder validates against the shipped JSON Schemas (gaitvision/schemas)."""
    pytest.importorskip("jsonschema", reason="jsonschema is a development dependency")
    from gaitvision.kinematics.analysis import GaitAnalysis
    from gaitvision.schemas import validate

    client, job = finished
    result = client.app.state.store.result_dir(job["id"])
    validate(json.loads((result / "manifest.json").read_text()), "manifest")
    validate(json.loads((result / "side" / "metrics.json").read_text()), "metrics")
    loaded = GaitAnalysis.load(result / "side")
    assert loaded.summary and loaded.strides


def test_time_scale_refused_when_the_pipeline_cannot_take_it(tmp_path, small_video, monkeypatch):
    import gaitvision.web.app as web_app

    monkeypatch.setattr(web_app, "accepts_time_scale", lambda spec: False)
    with TestClient(create_app(tmp_path / "data", analyze="gvweb_fakes:fake_analyze")) as c:
        r = upload(c, small_video, time_scale="8")
        assert r.status_code == 400 and "slow-motion" in r.json()["detail"]
        assert upload(c, small_video, time_scale="1").status_code == 201  # 1 = normal speed


def test_findings_agree_with_flags(finished):
    """A metric without a validated range never reads as judged against one, and the flag
    column says the same as the metric's summary."""
    client, job = finished
    from gaitvision.web.results import flag_class

    metrics = client.get(f"/jobs/{job['id']}/files/side/metrics.json").json()
    page = client.get(f"/jobs/{job['id']}").text
    for name, entry in metrics["summary"].items():
        row = page[page.index(f'data-metric="{name}"'):].split("</tr>")[0]
        cls, text = flag_class(entry["flag"])
        assert f'<span class="flag {cls}">{text}</span>' in row, name
        finding = entry["finding"].lower()
        if entry["flag"] == "no_norm":
            assert "outside the" not in finding and "within the" not in finding, name


def test_edit_reruns_kinematics_through_pipeline_recompute(client, small_video, monkeypatch):
    """The web side of "edit and re-compute": the new values reach
    ``gaitvision.pipeline.recompute`` (kinematics + report from the saved pose, no pose),
    the page shows the job as running meanwhile and done afterwards, with new headlines."""
    import threading

    import gaitvision.pipeline as pipeline

    calls, release = [], threading.Event()

    def fake_recompute(result_dir, *, height_cm=None, speed_kmh=None, runner_name=None,
                       notes=None, render=True, progress=None):
        calls.append({"height_cm": height_cm, "speed_kmh": speed_kmh, "runner": runner_name})
        progress("kinematics", 0.5)
        release.wait(10)
        path = Path(result_dir) / "side" / "metrics.json"
        metrics = json.loads(path.read_text())
        metrics["summary"]["cadence_spm"]["both"]["mean"] = 171.5
        path.write_text(json.dumps(metrics))

    monkeypatch.setattr(pipeline, "recompute", fake_recompute, raising=False)
    job = done_job(client, small_video, runner_name="Ana")
    assert "Save and re-compute" in client.get(f"/jobs/{job['id']}").text
    r = client.post(f"/jobs/{job['id']}/edit", data={"runner_name": "Ana", "height_cm": "171",
                                                      "speed_kmh": ""}, follow_redirects=False)
    assert r.status_code == 303
    assert wait_status(client.get, job["id"], statuses=("running",))["status"] == "running"
    deadline = time.monotonic() + 10
    while client.get(f"/api/jobs/{job['id']}").json()["message"] != "Kinematics":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    page = client.get(f"/jobs/{job['id']}").text
    assert 'id="progress"' in page and 'id="cancel"' not in page  # progress, no cancel
    assert client.post(f"/api/jobs/{job['id']}/cancel").status_code == 409
    release.set()
    done = wait_status(client.get, job["id"], statuses=("done",))
    assert calls == [{"height_cm": 171.0, "speed_kmh": None, "runner": "Ana"}]
    assert done["headline"]["cadence_spm"]["both"] == 171.5 and done["height_cm"] == 171.0

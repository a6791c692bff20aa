"""The web app takes a front clip as its own view (issue 12): stored, analysed and served
as "front", listed in History; three clips at once are refused. Analysis faked."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("fastapi", reason="web extras not installed (pip install 'gaitvision[web]')")

from gvweb_helpers import wait_status  # noqa: E402


def post(c, video, views, runner="Fay"):
    data = video.read_bytes()
    return c.post("/api/jobs", files={v: (f"{v}.mp4", data, "video/mp4") for v in views},
                  data={"runner_name": runner})


def test_side_and_front_clips_make_one_job_with_a_front_view(client, small_video):
    r = post(client, small_video, ("side", "front"))
    assert r.status_code == 201, r.text
    job = r.json()
    done = wait_status(client.get, job["id"])
    assert done["status"] == "done", done
    assert [i["view"] for i in done["inputs"]] == ["side", "front"]
    metrics = client.get(f"/jobs/{job['id']}/files/front/metrics.json").json()
    assert metrics["view"] == "front"  # the field says where the phone stood
    page = client.get(f"/jobs/{job['id']}").text
    assert 'id="tab-front"' in page and 'id="metrics-front"' in page
    download = client.get(f"/jobs/{job['id']}/files/front/metrics.json?download=1")
    assert "-front-metrics.json" in download.headers["content-disposition"]
    assert "Fay" in client.get("/history").text


def test_a_front_clip_alone_is_a_front_analysis(client, small_video):
    job = post(client, small_video, ("front",)).json()
    done = wait_status(client.get, job["id"])
    assert done["status"] == "done" and [i["view"] for i in done["inputs"]] == ["front"]
    assert "pelvic_drop_peak_deg" in done["headline"]


def test_three_clips_are_refused_and_nothing_is_kept(client, small_video):
    r = post(client, small_video, ("side", "rear", "front"))
    assert r.status_code == 400 and "at most two clips" in r.json()["detail"]
    assert os.listdir(client.app.state.store.jobs_dir) == []


def test_upload_page_offers_a_front_clip(client):
    page = client.get("/").text
    assert 'name="front"' in page and "Front view" in page

"""The whole pipeline through the CLI: one result folder, atomic, re-renderable."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import raw_track, shared_video

pytestmark = [pytest.mark.real, pytest.mark.slow]


def run_cli(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gaitvision", "--quiet", *args],
                          capture_output=True, text=True, timeout=timeout)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


@pytest.fixture(scope="module")
def side_result(tmp_path_factory) -> Path:
    clip = shared_video("treadmill_side_male_30fps.mp4")
    raw_track(clip)  # pose once per session (cache shared with the CLI below)
    out = tmp_path_factory.mktemp("analyze") / "run"
    proc = run_cli("analyze", str(clip), "--out", str(out), "--height-cm", "178",
                   "--speed-kmh", "12", "--name", "Test runner")
    assert proc.returncode == 0, proc.stderr
    assert "Cadence" in proc.stdout and "Data quality" in proc.stdout
    return out


def test_result_folder_holds_every_listed_file(side_result):
    manifest = json.loads((side_result / "manifest.json").read_text())
    assert manifest["schema"] == "gaitvision.result/1" and manifest["views"] == ["side"]
    listed = {f["path"] for f in manifest["files"]}
    for required in ("report.pdf", "side/metrics.json", "side/strides.csv", "side/curves.csv",
                     "side/keypoints.csv", "side/annotated.mp4", "side/slowmo.mp4"):
        assert required in listed
    for rel in listed:
        assert (side_result / rel).is_file(), rel
    assert (side_result / "README.txt").read_text().count("side/metrics.json") >= 1
    # nothing half-written is left next to the result
    assert not [p for p in side_result.parent.iterdir() if ".partial-" in p.name]


def test_report_rerenders_without_pose(side_result):
    before = pdf_text(side_result / "report.pdf")
    metrics = (side_result / "side" / "metrics.json").read_text()
    proc = run_cli("report", str(side_result))
    assert proc.returncode == 0, proc.stderr
    assert pdf_text(side_result / "report.pdf") == before
    assert (side_result / "side" / "metrics.json").read_text() == metrics
    assert "Test runner" in before


def test_rerender_is_atomic_and_drops_stale_files(side_result, monkeypatch):
    from gaitvision import report as report_pkg
    from gaitvision.pipeline import render_report

    manifest_path = side_result / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    stale = side_result / "side" / "charts" / "retired_chart.png"
    stale.write_bytes(b"old")
    manifest["files"].append({"path": "side/charts/retired_chart.png", "kind": "chart",
                              "view": "side", "label": "a chart no longer made"})
    manifest_path.write_text(json.dumps(manifest))
    pdf_before = (side_result / "report.pdf").read_bytes()

    def broken_pdf(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(report_pkg, "render_pdf", broken_pdf)
    with pytest.raises(RuntimeError):
        render_report(side_result)
    # the failed re-render changed nothing and left nothing behind
    assert (side_result / "report.pdf").read_bytes() == pdf_before
    assert json.loads(manifest_path.read_text()) == manifest
    assert not [p for p in side_result.iterdir() if ".partial-" in p.name]

    monkeypatch.undo()
    render_report(side_result)
    after = json.loads(manifest_path.read_text())
    assert not stale.exists()
    assert "side/charts/retired_chart.png" not in {f["path"] for f in after["files"]}
    for f in after["files"]:
        assert (side_result / f["path"]).is_file(), f["path"]
    assert not [p for p in side_result.iterdir() if ".partial-" in p.name]


def test_walking_clip_is_refused_as_not_a_run_and_nothing_is_written(tmp_path):
    clip = shared_video("overground_walk_two_people_vp9.mp4")
    raw_track(clip)
    out = tmp_path / "walk"
    proc = run_cli("analyze", str(clip), "--out", str(out))
    assert proc.returncode == 2
    error = [ln for ln in proc.stderr.splitlines() if ln.startswith("gaitvision: error:")]
    assert len(error) == 1 and ("walk" in error[0] or "not a" in error[0]), proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_two_side_clips_are_refused(tmp_path):
    clip = shared_video("treadmill_side_male_30fps.mp4")
    raw_track(clip)
    proc = run_cli("analyze", str(clip), str(clip), "--out", str(tmp_path / "x"), "--no-render")
    assert proc.returncode == 2 and "both clips look like side views" in proc.stderr
    assert list(tmp_path.iterdir()) == []

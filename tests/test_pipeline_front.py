"""A side clip and a front clip of the same run make one report with both views, and a
front clip keeps its own folder, title and section (issue 12)."""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader

from gaitvision.errors import GaitVisionError
from gaitvision.pipeline import _folder_for, analyze
from gaitvision.schemas import validate
from tests.conftest import SAMPLE_VIDEOS

pytestmark = pytest.mark.slow

SIDE = SAMPLE_VIDEOS / "synthetic_side_60fps.mp4"
FRONT = SAMPLE_VIDEOS / "synthetic_front_30fps.mp4"


@pytest.fixture(scope="module")
def side_front(tmp_path_factory):
    out = tmp_path_factory.mktemp("front") / "both"
    # no --view: the front clip must be recognised as one
    result = analyze([FRONT, SIDE], out, height_cm=178.0, runner_name="Front runner", workers=2)
    return out, result


def test_front_clip_gets_its_own_folder_in_one_result(side_front):
    out, result = side_front
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["views"] == ["side", "front"]  # side first, whatever the order given
    assert not (out / "rear").exists()
    validate(manifest, "manifest")
    metrics = json.loads((out / "front" / "metrics.json").read_text())
    validate(metrics, "metrics")
    assert metrics["view"] == "front" and result.view("front").analysis.view == "front"
    assert "pelvic_drop_peak_deg" in metrics["summary"]
    assert {f["view"] for f in manifest["files"]} >= {"side", "front", None}
    for rel in [f["path"] for f in manifest["files"]]:
        assert (out / rel).is_file(), rel
    assert "a side view and a front view" in (out / "README.txt").read_text()


def test_report_has_a_front_view_section(side_front):
    out, _ = side_front
    text = "\n".join(p.extract_text() for p in PdfReader(str(out / "report.pdf")).pages)
    assert "Front clip" in text and "Side clip" in text
    for part in ("summary", "key frames", "charts", "data quality"):
        assert f"Front view: {part}" in text, part
        assert f"Side view: {part}" in text, part
    assert "Rear view:" not in text


def test_unknown_view_folder_is_refused():
    with pytest.raises(GaitVisionError, match="unknown view"):
        _folder_for("top")

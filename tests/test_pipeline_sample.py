"""The README's main job, ``pipeline.analyze``, on the committed sample clips: runs
everywhere (no ../shared, no browser). Recompute-from-folder, and adding a metric end to
end, are checked on its result."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from gaitvision.kinematics import reference
from gaitvision.kinematics.records import Reference
from gaitvision.pipeline import analyze, recompute
from tests.conftest import SAMPLE_VIDEOS

pytestmark = pytest.mark.slow

SIDE = SAMPLE_VIDEOS / "synthetic_side_60fps.mp4"
REAR = SAMPLE_VIDEOS / "synthetic_rear_60fps.mp4"
DATA = ("metrics.json", "strides.csv", "curves.csv")


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


@pytest.fixture(scope="module")
def sample_result(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "both"
    analyze([SIDE, REAR], out, height_cm=178.0, speed_kmh=11.0, runner_name="Sample runner",
            workers=2)
    return out


def _copy(result: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(result, dst)
    return dst


def test_analyze_writes_the_whole_result(sample_result):
    manifest = json.loads((sample_result / "manifest.json").read_text())
    assert manifest["views"] == ["side", "rear"]
    for rel in [f["path"] for f in manifest["files"]]:
        assert (sample_result / rel).is_file(), rel
    for view in ("side", "rear"):
        for name in ("pose.npz", "pose_labelled.npz", "keypoints.csv", *DATA):
            assert (sample_result / view / name).is_file()
        m = json.loads((sample_result / view / "metrics.json").read_text())
        assert m["settings"]["gaitvision_version"]
        assert m["settings"]["cleaning"]["cutoff_hz"] == 10.0
        assert 150 < m["summary"]["cadence_spm"]["both"]["mean"] < 190
    assert "Sample runner" in pdf_text(sample_result / "report.pdf")


def test_real_output_follows_the_schemas(sample_result):
    from gaitvision.schemas import validate

    validate(json.loads((sample_result / "manifest.json").read_text()), "manifest")
    for view in ("side", "rear"):
        validate(json.loads((sample_result / view / "metrics.json").read_text()), "metrics")


def test_recompute_reproduces_metrics_byte_for_byte(sample_result, tmp_path):
    copy = _copy(sample_result, tmp_path)
    recompute(copy, render=False)
    for view in ("side", "rear"):
        for name in DATA:
            assert (copy / view / name).read_bytes() == (sample_result / view / name).read_bytes(), \
                f"{view}/{name}"


def test_recompute_takes_new_session_values(sample_result, tmp_path):
    copy = _copy(sample_result, tmp_path)
    result = recompute(copy, height_cm=160.0, runner_name="Other", render=False)
    m = json.loads((copy / "side" / "metrics.json").read_text())
    old = json.loads((sample_result / "side" / "metrics.json").read_text())
    assert m["height_cm"] == 160.0
    ratio = (m["summary"]["overstride_cm"]["both"]["mean"]
             / old["summary"]["overstride_cm"]["both"]["mean"])
    assert ratio == pytest.approx(160 / 178, rel=0.01)  # the same overstride in leg lengths
    assert m["summary"]["cadence_spm"] == old["summary"]["cadence_spm"]
    assert result.manifest["session"]["runner_name"] == "Other"


def test_add_a_metric_end_to_end(sample_result, tmp_path, monkeypatch):
    """A metric is one registry entry plus its computation in a view: it then shows in
    metrics.json, the PDF and the web results page with nothing else touched."""
    from gaitvision.kinematics.views import SideView
    from gaitvision.web.results import load_result

    metric = reference.MetricDef(
        "test_stance_share_pct", "Stance share of test", "%", "contact time / stride time x 100",
        Reference(None, "descriptive; a test metric", "a test"), gate=(0.0, 100.0),
        importance=0, charts={"left_right": 0}, headline=True, views=("side",))
    original = SideView.stride_metrics

    def with_test_metric(self, bf, series, stride, leg_cm):
        out = original(self, bf, series, stride, leg_cm)
        out["test_stance_share_pct"] = 100.0 * (stride.stance.to - stride.stance.ic) / (
            stride.end - stride.stance.ic)
        return out

    monkeypatch.setattr(SideView, "stride_metrics", with_test_metric)
    reference.register(metric)
    try:
        copy = _copy(sample_result, tmp_path)
        recompute(copy)
        m = json.loads((copy / "side" / "metrics.json").read_text())
        entry = m["summary"]["test_stance_share_pct"]
        assert entry["label"] == "Stance share of test" and math.isfinite(entry["both"]["mean"])
        assert entry["both"]["mean"] == pytest.approx(m["summary"]["duty_factor_pct"]["both"]["mean"],
                                                      abs=0.2)
        assert "Stance share of test" in pdf_text(copy / "report.pdf")
        _, views, _ = load_result(copy, "/files")
        side = next(v for v in views if v.view == "side")
        assert any(r.label == "Stance share of test" for r in side.rows)
    finally:
        reference.unregister("test_stance_share_pct")

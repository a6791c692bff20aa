"""The JSON Schemas of metrics.json and manifest.json: real output passes, bad documents fail."""

import copy
import json

import jsonschema
import pytest

from gaitvision.kinematics import analyze_gait
from gaitvision.schemas import load_schema, validate
from tests.synthetic_runner import make_track


@pytest.fixture(scope="module", params=["side", "rear"])
def metrics(request, tmp_path_factory) -> dict:
    track, _ = make_track(fps=60, duration_s=8.0, view=request.param)
    folder = tmp_path_factory.mktemp(request.param)
    analyze_gait(track, height_cm=175.0).save(folder)
    return json.loads((folder / "metrics.json").read_text())


def test_schemas_are_valid_json_schema():
    for name in ("metrics", "manifest"):
        jsonschema.Draft202012Validator.check_schema(load_schema(name))


def test_saved_analysis_follows_the_metrics_schema(metrics):
    validate(metrics, "metrics")


@pytest.mark.parametrize("breakage", [
    lambda m: m.pop("summary"),
    lambda m: m["events"][0].update(frame=None),  # frames are fractional numbers, never dropped
    lambda m: m["summary"][next(iter(m["summary"]))].update(flag="low"),
    lambda m: m["quality"].update(notes="one note"),
    lambda m: m["strides"][0]["metrics"].update(cadence_spm="170"),
])
def test_broken_documents_fail(metrics, breakage):
    bad = copy.deepcopy(metrics)
    breakage(bad)
    with pytest.raises(jsonschema.ValidationError):
        validate(bad, "metrics")


def test_manifest_schema_rejects_paths_outside_the_folder():
    manifest = {"schema": "gaitvision.result/1", "created": "2026-12-03T10:00:00+00:00",
                "session": {"runner_name": None, "notes": None, "height_cm": None,
                            "speed_kmh": None, "created": "2026-12-03T10:00:00+00:00"},
                "views": ["side"], "videos": {"side": "/x.mp4"},
                "files": [{"path": "side/metrics.json", "kind": "data", "view": "side",
                           "label": "Metrics (JSON)"}]}
    validate(manifest, "manifest")
    manifest["files"][0]["path"] = "../secret"
    with pytest.raises(jsonschema.ValidationError):
        validate(manifest, "manifest")

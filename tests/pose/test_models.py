"""The model registry ships inside the package; models are chosen by name, run through
the PoseEstimator protocol, and their keypoints are addressed by name."""

from pathlib import Path

import numpy as np
import pytest

import gaitvision
from gaitvision.errors import ModelError
from gaitvision.landmarks import INDEX, N_LANDMARKS
from gaitvision.pose import models
from gaitvision.pose.blazepose import PoseSettings
from gaitvision.pose.estimators import BACKENDS, BlazePoseEstimator, PoseEstimator, estimator_for
from gaitvision.pose.skeletons import SKELETONS, to_landmarks


def test_registry_is_package_data(monkeypatch):
    monkeypatch.delenv("GAITVISION_MODELS", raising=False)
    package = Path(gaitvision.__file__).resolve().parent
    assert models.registry_path().is_relative_to(package)
    assert models.registry_path().is_file()
    # the wheel's package-data globs cover it (pyproject: gaitvision = ["**/*.json", ...])
    assert models.registry_path().suffix == ".json"


def test_every_entry_has_a_backend_and_a_skeleton():
    for m in models.list_models():
        assert m.backend in BACKENDS and m.skeleton in SKELETONS
    assert models.get_model().name == "blazepose_full"
    with pytest.raises(ModelError, match="unknown pose model"):
        models.get_model("nope")


def test_estimator_follows_the_protocol():
    est = estimator_for(PoseSettings())
    assert isinstance(est, BlazePoseEstimator) and isinstance(est, PoseEstimator)
    assert est.model.skeleton == "blazepose33"


def test_another_skeleton_maps_onto_landmark_names():
    coco = np.arange(17 * 2, dtype=float).reshape(17, 2)
    out = to_landmarks(coco, "coco17")
    assert out.shape == (N_LANDMARKS, 2)
    assert out[INDEX["left_knee"]].tolist() == coco[13].tolist()
    assert np.isnan(out[INDEX["left_heel"]]).all()  # COCO has no heels

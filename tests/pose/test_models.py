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


def test_a_mirrored_reading_sees_the_flipped_frame_and_maps_its_points_back(monkeypatch):
    """``PoseSettings(mirrored=True)``: the model gets each frame mirrored left-right, and
    the point it finds comes back at the original image's position."""
    import numpy as np

    from gaitvision.pose import estimate
    from gaitvision.pose.blazepose import FramePose
    from gaitvision.video.ingest import Frame

    w, h = 64, 48
    image = np.zeros((h, w, 3), np.uint8)
    image[20, 10] = 255  # one bright pixel, left of centre

    class BrightestPixel:
        def estimate(self, frames, full_size, on_frame):
            for f in frames:
                y, x = np.unravel_index(f.image[..., 0].argmax(), f.image.shape[:2])
                xy = np.full((33, 2), np.nan)
                xy[0] = (x + 0.5, y + 0.5)  # the pixel's centre, as a model's continuous point
                world = np.zeros((33, 3))
                world[0, 0] = 0.1
                yield FramePose(f.index, f.time_s, xy, np.zeros(33), np.ones(33), world, True)

    monkeypatch.setattr(estimate, "iter_frames",
                        lambda *a, **k: iter([Frame(0, 0.0, image.copy())]))
    monkeypatch.setattr(estimate, "estimator_for", lambda settings: BrightestPixel())
    times = np.array([0.0])
    plain = estimate._run_chunk("clip.mp4", 0, 1, times, (w, h), PoseSettings())[0]
    mirrored = estimate._run_chunk("clip.mp4", 0, 1, times, (w, h),
                                   PoseSettings(mirrored=True))[0]
    assert tuple(plain.xy[0]) == (10.5, 20.5)
    assert tuple(mirrored.xy[0]) == (10.5, 20.5)  # found at x 53.5 in the flipped frame
    assert mirrored.world[0, 0] == -0.1
    assert PoseSettings(mirrored=True).key() != PoseSettings().key()

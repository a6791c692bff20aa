"""The mirrored frames' reading comes back in the original image with the runner's own labels."""

from __future__ import annotations

import numpy as np

from gaitvision.evidence import mirrored
from gaitvision.landmarks import ANKLE, LR_SWAP
from tests.synthetic_runner import make_track


def test_the_reading_carries_the_runners_own_labels(monkeypatch):
    """The pose model names the mirror image's limbs: mapped back, the point on the
    runner's left ankle is called "right"; the reading exchanges the names back."""
    track = make_track(fps=30, duration_s=2.0, noise_px=0.0, seed=1)[0]
    as_the_model_names_them = track.copy()
    as_the_model_names_them.xy = track.xy[:, LR_SWAP]
    from gaitvision.pose import estimate

    monkeypatch.setattr(estimate, "estimate_pose", lambda *a, **k: as_the_model_names_them)
    got = mirrored.mirrored_reading("clip.mp4")
    assert np.allclose(got.xy[:, ANKLE["left"]], track.xy[:, ANKLE["left"]], equal_nan=True)


def test_a_failed_pass_gives_no_reading(monkeypatch):
    from gaitvision.errors import NoRunnerError
    from gaitvision.pose import estimate

    def nobody(*args, **kwargs):
        raise NoRunnerError("nobody in the mirrored frames")

    monkeypatch.setattr(estimate, "estimate_pose", nobody)
    assert mirrored.mirrored_reading("clip.mp4") is None


def test_rows_follow_the_frames_of_the_track():
    track = make_track(fps=30, duration_s=1.0, noise_px=0.0, seed=2)[0]
    other = track.copy()
    keep = np.arange(track.n_frames) % 2 == 0  # the other reading has every second frame
    for name in ("xy", "z", "visibility", "world", "frame_index", "times", "detected"):
        setattr(other, name, getattr(track, name)[keep])
    rows = mirrored.aligned_rows(track.frame_index, other)
    assert np.allclose(rows[keep], track.xy[keep], equal_nan=True)
    assert np.isnan(rows[~keep]).all()

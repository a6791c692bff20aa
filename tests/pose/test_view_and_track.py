"""View classification, subject selection, track save/load, model registry."""

from __future__ import annotations

import numpy as np
import pytest

from gaitvision.errors import ModelError
from gaitvision.pose.models import get_model, verify_model
from gaitvision.pose.subject import keep_main_subject
from gaitvision.pose.track import PoseTrack, ViewEstimate
from gaitvision.pose.view import classify_view
from tests.pose.synthetic import runner_track


@pytest.mark.parametrize("facing", ["left", "right"])
def test_side_view_and_direction(facing):
    est = classify_view(runner_track(facing=facing))
    assert est.view == "side" and est.direction == facing and est.confidence > 0.7


def test_rear_view():
    est = classify_view(runner_track(view="rear"))
    assert est.view == "rear" and est.direction is None


def test_front_view_from_the_nose_being_nearer_than_the_ears():
    track = runner_track(view="rear")
    track.world[:, 0, 2] = -0.12  # BlazePose depth: nose in front of the ears
    track.world[:, [7, 8], 2] = 0.0
    assert classify_view(track).view == "front"
    track.world[:, 0, 2] = 0.12  # the back of the head faces the camera
    assert classify_view(track).view == "rear"


def test_user_override_wins():
    est = classify_view(runner_track(), override="rear")
    assert (est.view, est.source, est.confidence) == ("rear", "user", 1.0)


def test_jump_to_another_person_is_cut_out():
    track = runner_track(fps=30, seconds=4)
    track.xy[60:75] += [250, 40]  # the model jumps to someone else for half a second
    kept, rep = keep_main_subject(track)
    assert rep.frames_dropped == 15 and rep.other_people
    assert not kept.detected[60:75].any() and kept.detected[:60].all() and kept.detected[75:].all()


def test_track_roundtrip(tmp_path):
    track = runner_track(fps=30, seconds=2)
    track.view = ViewEstimate("side", "left", 0.9)
    track.xy[5] = np.nan
    path = track.save(tmp_path / "t.npz")
    back = PoseTrack.load(path)
    np.testing.assert_array_equal(back.xy, track.xy)
    assert back.view == track.view and back.video == track.video
    csv = track.to_csv(tmp_path / "t.csv").read_text().splitlines()
    assert len(csv) == 1 + 33 * track.n_frames
    assert csv[0].startswith("frame,time_s,landmark,name,x_px,y_px")


def test_registry_checks_the_shipped_model():
    model = verify_model("blazepose_full")
    assert model.model_complexity == 1 and model.licence == "Apache-2.0"


def test_a_model_that_would_be_downloaded_is_refused_clearly():
    assert get_model("blazepose_heavy").model_complexity == 2
    with pytest.raises(ModelError, match="never downloaded"):
        verify_model("blazepose_heavy")

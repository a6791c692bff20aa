"""The pose stage on real phone footage (../shared/videos; skipped when absent)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import clean_track_of, pose_product_of, raw_track, shared_video

pytestmark = [pytest.mark.real, pytest.mark.slow]

CLIPS = {
    "treadmill_side_male_30fps.mp4": "left",
    "treadmill_side_male_rot90.mov": "left",
    "treadmill_side_male_mirrored.mp4": "right",
}


@pytest.mark.parametrize("name", sorted(CLIPS))
def test_treadmill_clip_is_detected_as_side_view_with_its_direction(name):
    track = clean_track_of(shared_video(name))
    assert track.detection_rate >= 0.98
    assert track.n_frames == 360
    assert track.frame_size == (720, 1280)
    assert track.view.view == "side" and track.view.confidence > 0.6
    assert track.view.direction == CLIPS[name]
    assert np.all(np.diff(track.times) > 0)
    assert track.times[-1] == pytest.approx(359 / 30, abs=1e-3)


def test_rotated_phone_recording_gives_the_same_track():
    """The rot90 file is a separate encode of the same footage (pixels differ by about
    0.7 grey levels), so BlazePose's landmarks jitter differently; the rotation itself
    must add no offset at all, and typical landmarks low-passed at 6 Hz must agree within
    2 px (at the product's 10 Hz, 2.4 px: without mediapipe's own smoothing each
    encode's jitter shows)."""
    from gaitvision.pose.cleaning import CleaningSettings, clean_track

    upright, rotated = (clean_track(pose_product_of(shared_video(name)).labelled,
                                    CleaningSettings(cutoff_hz=6.0))
                        for name in ("treadmill_side_male_30fps.mp4", "treadmill_side_male_rot90.mov"))
    diff = upright.xy - rotated.xy
    assert np.all(np.abs(np.nanmean(diff, axis=(0, 1))) < 0.5)  # no systematic shift
    dist = np.linalg.norm(diff, axis=2)
    seen = (upright.visibility > 0.5) & (rotated.visibility > 0.5)
    per_landmark = [np.nanmedian(dist[seen[:, j], j]) for j in range(33) if seen[:, j].any()]
    assert np.mean(per_landmark) < 2.0
    assert np.nanmedian(dist) < 2.0


def test_two_workers_match_one_worker():
    path = shared_video("treadmill_side_male_30fps.mp4")
    one = raw_track(path, workers=1)
    two = raw_track(path, workers=2)
    np.testing.assert_array_equal(one.frame_index, two.frame_index)
    dist = np.linalg.norm(one.xy[:, 11:33] - two.xy[:, 11:33], axis=2)
    assert np.nanmean(dist) < 2.0  # only the frames right after the chunk seam differ


def test_two_people_clip_follows_one_subject_without_jumps():
    track = clean_track_of(shared_video("overground_walk_two_people_vp9.mp4"))
    kept = np.flatnonzero(track.detected)
    centre = np.full((track.n_frames, 2), np.nan)
    height = np.full(track.n_frames, np.nan)
    centre[kept] = track.xy[kept][:, [11, 12, 23, 24]].mean(axis=1)
    height[kept] = np.ptp(track.xy[kept][..., 1], axis=1)
    consecutive = kept[1:][np.diff(kept) == 1]
    jumps = np.linalg.norm(centre[consecutive] - centre[consecutive - 1], axis=1) / height[consecutive]
    assert np.nanmax(jumps) < 0.35
    assert track.cleaning.other_person_frames > 0  # the other person was seen and set aside


def test_pose_cli_states_what_it_found(tmp_path):
    path = shared_video("overground_walk_two_people_vp9.mp4")
    raw_track(path)  # fills the session's pose cache, so the CLI below does not rerun pose
    proc = subprocess.run([sys.executable, "-m", "gaitvision", "--quiet", "pose", str(path),
                           "--out", str(tmp_path / "p")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "frames of another person ignored" in proc.stdout
    assert (tmp_path / "p" / "pose.npz").exists() and (tmp_path / "p" / "keypoints.csv").exists()

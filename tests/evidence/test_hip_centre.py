"""Hip joint centre estimates: geometry on the parametric runner, masks drawn by hand."""

from __future__ import annotations

import numpy as np
import pytest

from gaitvision.evidence.hip_centre import (
    HipCentre,
    KneeCircleHip,
    OutlineHip,
    ThighAxisHip,
    estimate_hip_centre,
)
from gaitvision.evidence.silhouette import SilhouetteFrame
from gaitvision.kinematics import analyze_gait
from gaitvision.landmarks import HIP, KNEE, SIDES
from tests.synthetic_runner import make_track


def _shifted(track, forward_px: float):
    """The same run with both hip keypoints moved ``forward_px`` in the running direction
    (the parametric runner faces image-left: forward is -x)."""
    moved = track.copy()
    for s in SIDES:
        moved.xy[:, HIP[s], 0] -= forward_px
    return moved


def test_knee_circle_finds_a_hip_keypoint_moved_in_front_of_the_joint():
    track, _ = make_track(fps=60, duration_s=8.0)
    found = KneeCircleHip().estimate(_shifted(track, 15.0))
    assert found.used and found.method == "knee_circle"
    assert found.offset_px == pytest.approx(-15.0, abs=0.5)  # the joint is behind it


def test_knee_circle_measures_the_far_hip_keypoints_own_extra_bias():
    """The far hip (right: this runner faces image-left, so the camera sees its left
    side) moved 8 px further forward than the near one: the extra offset is the
    difference of the legs' own fits, -8 px, and only the far leg gets it."""
    track, _ = make_track(fps=60, duration_s=8.0)
    moved = _shifted(track, 10.0)
    moved.xy[:, HIP["right"], 0] -= 8.0
    found = KneeCircleHip().estimate(moved)
    assert found.used and found.far_side == "right"
    assert found.far_extra_px == pytest.approx(-8.0, abs=0.5)
    legs = found.leg_offsets_px()
    assert legs["right"] - legs["left"] == pytest.approx(-8.0, abs=0.5)
    assert legs["left"] == found.offset_px
    # one shared offset: no extra
    same = KneeCircleHip().estimate(_shifted(track, 10.0))
    assert same.far_extra_px == pytest.approx(0.0, abs=0.5)
    assert KneeCircleHip(far_extra=False).estimate(moved).far_extra_px == 0.0


def test_knee_circle_keeps_blazepose_hip_when_nothing_is_resolved():
    track, _ = make_track(fps=60, duration_s=6.0, noise_px=1.5, seed=0)
    found = KneeCircleHip().estimate(track)
    assert not found.used and found.method == "blazepose"
    assert abs(found.offset_px) < 2 * found.spread_px
    assert "not resolved" in found.note


def test_analysis_measures_hip_extension_trunk_overstride_and_knee_peak_on_the_joint_centre():
    track, truth = make_track(fps=60, duration_s=8.0)
    moved = _shifted(track, 15.0)
    fixed = analyze_gait(moved)
    kept = analyze_gait(moved, hip_centre=HipCentre("blazepose", note="as asked"))
    for side in SIDES:
        for name, tol in (("hip_extension_peak_deg", 0.5), ("trunk_lean_deg", 0.5),
                          ("knee_flexion_stance_peak_deg", 0.5),
                          # leg lengths come from the keypoint hips (1.5 % longer here)
                          ("overstride_leg_lengths", 0.01)):
            want = truth.values[name][side]
            assert abs(fixed.value(name, side) - want) < tol, (name, side)
            assert abs(kept.value(name, side) - want) > 2 * tol, (name, side)
        # knee flexion at IC stays on the keypoint hip whatever the hip centre
        assert fixed.value("knee_flexion_ic_deg", side) == \
            pytest.approx(kept.value("knee_flexion_ic_deg", side))
    assert any(n.startswith("hip joint centre (knee circle") for n in fixed.quality.notes)
    assert any(n.startswith("BlazePose's hip point") for n in kept.quality.notes)


def _frame(track, k: int, mask: np.ndarray) -> SilhouetteFrame:
    return SilhouetteFrame(int(track.frame_index[k]), float(track.times[k]), mask, 1.0)


def test_outline_places_the_centre_at_its_proportion_of_the_depth():
    track, _ = make_track(fps=30, duration_s=2.0)
    w, h = track.frame_size
    frames = []
    for k in range(len(track.times)):
        hip = (track.xy[k, HIP["left"]] + track.xy[k, HIP["right"]]) / 2
        mask = np.zeros((h, w), bool)
        # body 60 px deep at hip height, keypoint 12 px behind its front edge (forward = -x)
        front = int(round(hip[0])) - 12
        mask[int(hip[1]) - 20:int(hip[1]) + 20, front:front + 60] = True
        frames.append(_frame(track, k, mask))
    found = OutlineHip(proportion=0.5).estimate(track, frames)
    assert found.method == "outline"
    assert found.offset_px == pytest.approx(-18.0, abs=1.5)  # 30 px from the front, not 12


def test_thigh_axis_follows_the_thigh_outline_to_the_hip():
    track, _ = make_track(fps=30, duration_s=2.0)
    w, h = track.frame_size
    yy, xx = np.mgrid[0:h, 0:w]
    frames = []
    for k in range(len(track.times)):
        mask = np.zeros((h, w), bool)
        for s in SIDES:
            hip, knee = track.xy[k, HIP[s]] + [8.0, 0.0], track.xy[k, KNEE[s]]
            u = (knee - hip) / np.linalg.norm(knee - hip)
            rel = np.stack([xx - hip[0], yy - hip[1]], axis=-1)
            along = rel @ u
            across = rel @ np.array([-u[1], u[0]])
            mask |= (along > -10) & (along < np.linalg.norm(knee - hip) + 10) & \
                (np.abs(across) < 22)
        frames.append(_frame(track, k, mask))
    # the thighs' outlines run through a point 8 px to image-right of the keypoint hips
    found = ThighAxisHip(min_frames=5).estimate(track, frames)
    assert found.method == "thigh_axis"
    assert found.offset_px == pytest.approx(-8.0, abs=2.0)  # image-right is backward here


def test_unknown_method_is_one_clear_error():
    track, _ = make_track(fps=30, duration_s=2.0)
    with pytest.raises(ValueError, match="hip method must be one of"):
        estimate_hip_centre(track, None, method="magic")
    assert estimate_hip_centre(track, None, method="outline").method == "blazepose"


def test_hip_centre_round_trips_through_a_dict():
    h = HipCentre("knee_circle", -7.5, 0.2, 400, "fit", "left", -4.0, 0.5)
    assert HipCentre.from_dict(h.to_dict()) == h
    assert h.leg_offsets_px() == {"left": -11.5, "right": -7.5}
    nan = HipCentre("blazepose")
    assert nan.to_dict()["spread_px"] is None
    assert np.isnan(HipCentre.from_dict(nan.to_dict()).spread_px)

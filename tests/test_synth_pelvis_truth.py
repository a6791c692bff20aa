"""The visible-pelvis truth maths and the new camera options (numpy only: run everywhere)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gaitvision.synth.camera import make_camera, parse_size
from gaitvision.synth.clothing import CLOTHING, clothing, inflate, random_phenotype
from gaitvision.synth.pelvis_truth import (
    gain_vs_bone,
    landmark_patches,
    obliquity_deg,
    stance_drop,
    visible_pelvis_truth,
)


def _tilted(angle_deg: float, half: float = 0.1, z: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Left and right world points (Y left) of a line tilted up on the left by angle."""
    a = math.radians(angle_deg)
    left = np.array([0.0, half * math.cos(a), z + half * math.sin(a)])
    right = np.array([0.0, -half * math.cos(a), z - half * math.sin(a)])
    return left, right


def test_obliquity_sign_and_value_in_plane_and_image():
    assert obliquity_deg([[-0.1, 1.1]], [[0.1, 1.0]], y_up=True)[0] == pytest.approx(
        math.degrees(math.atan2(0.1, 0.2)))
    # Image y grows downward: a left point with a smaller v is higher.
    assert obliquity_deg([[100, 90]], [[300, 100]], y_up=False)[0] > 0


@pytest.mark.parametrize("view", ["rear", "front"])
def test_image_obliquity_of_a_tilted_line_is_the_tilt_from_behind_and_from_the_front(view):
    cam = make_camera(view)
    left, right = _tilted(6.0, z=0.95)
    got = obliquity_deg(cam.project(left), cam.project(right), y_up=False)
    assert float(got) == pytest.approx(6.0, abs=0.05)


def test_camera_roll_turns_the_scene_counter_clockwise_and_adds_to_obliquity():
    cam = make_camera("rear", roll_deg=4.0)
    top, bottom = cam.project(np.array([[0, 0, 1.5], [0, 0, 0.5]]))
    assert top[0] < bottom[0]  # the top of a vertical line moves left
    left, right = _tilted(0.0, z=0.95)
    # From behind the runner's left is image left: turning the scene counter-clockwise
    # lowers the left point.
    assert float(obliquity_deg(cam.project(left), cam.project(right), False)) == pytest.approx(
        -4.0, abs=0.05)


def test_default_cameras_are_the_original_level_ones():
    for view, pos in (("side_right", (0.0, -4.0, 0.95)), ("side_left", (0.0, 4.0, 0.95)),
                      ("rear", (-4.0, 0.0, 0.95))):
        cam = make_camera(view)
        assert cam.position == pos
        assert "roll_deg" not in cam.to_json()


def test_yaw_orbits_the_side_camera_towards_the_front_and_keeps_the_distance():
    cam = make_camera("side_right", yaw_deg=30.0, distance_m=4.0)
    assert cam.position[0] == pytest.approx(2.0)
    assert math.hypot(cam.position[0], cam.position[1]) == pytest.approx(4.0)
    assert make_camera("front", size=(640, 480)).width == 640


def test_size_parsing_rejects_odd_and_malformed_sizes():
    assert parse_size("640x480") == (640, 480)
    for bad in ("640", "641x480", "axb", "100x100"):
        with pytest.raises(ValueError):
            parse_size(bad)


def test_gain_vs_bone_recovers_a_known_slope_and_correlation():
    bone = 5.0 * np.sin(np.linspace(0, 6 * np.pi, 200))
    g = gain_vs_bone(0.6 * bone + 0.3, bone)
    assert g["slope"] == pytest.approx(0.6)
    assert g["r"] == pytest.approx(1.0)
    assert math.isnan(gain_vs_bone(np.ones(5), np.ones(5))["slope"])


def test_stance_drop_takes_the_swing_side_lower_peak_within_the_stance():
    t = np.arange(0, 1, 0.01)
    ob = np.where(t < 0.5, 4.0 * np.sin(np.pi * t / 0.5), -3.0 * np.sin(np.pi * (t - 0.5) / 0.5))
    assert stance_drop(t, ob, "left", 0.0, 0.5) == pytest.approx(4.0, abs=0.01)
    assert stance_drop(t, ob, "right", 0.5, 0.99) == pytest.approx(3.0, abs=0.01)
    assert stance_drop(t, ob, "left", 2.0, 3.0) is None


def test_visible_truth_block_reports_the_skin_gain_and_per_side_drops():
    fps, n = 60.0, 120
    times = np.arange(n) / fps
    bone_deg = 5.0 * np.sin(2 * np.pi * times / 0.7)
    pts = [_tilted(a, half=0.09, z=0.95) for a in bone_deg]
    skin = [_tilted(0.5 * a, half=0.05, z=1.05) for a in bone_deg]
    bl, br = (np.array([p[i] for p in pts]) for i in (0, 1))
    sl, sr = (np.array([p[i] for p in skin]) for i in (0, 1))
    cam = make_camera("rear")
    stances = [{"side": "left", "ic_s": 0.0, "to_s": 0.3},
               {"side": "right", "ic_s": 0.35, "to_s": 0.65}]
    block = visible_pelvis_truth(times, {"psis": {"left": sl, "right": sr}}, bl, br,
                                 cam.project, stances)
    assert block["gain_vs_bone"]["psis"]["plane"]["slope"] == pytest.approx(0.5, abs=0.01)
    s = block["summary_pelvic_drop_deg"]
    assert s["bone"]["plane"]["left"] == pytest.approx(5.0, abs=0.05)
    assert s["psis"]["plane"]["left"] == pytest.approx(2.5, abs=0.05)
    assert s["psis"]["image"]["right"] == pytest.approx(2.5, abs=0.1)


def test_landmark_patches_sit_on_the_right_surface_and_side():
    # A box-shaped "pelvis" point cloud: x in [-0.1, 0.1] (back, front), y, z grid.
    g = np.arange(-0.2, 0.2001, 0.01)
    xs, ys, zs = np.meshgrid([-0.1, 0.0, 0.1], g, g + 1.0, indexing="ij")
    v = np.stack([xs.ravel(), ys.ravel(), zs.ravel()], axis=1)
    p = landmark_patches(v, np.array([0.0, 0.085, 0.95]), np.array([0.0, -0.085, 0.95]))
    assert np.all(v[p["psis"]["left"], 0] == -0.1) and np.all(v[p["asis"]["left"], 0] == 0.1)
    assert v[p["psis"]["left"], 1].mean() > 0 > v[p["psis"]["right"], 1].mean()
    assert v[p["psis"]["left"], 2].mean() == pytest.approx(0.95 + 0.58 * 0.17, abs=0.01)


def test_clothing_presets_and_inflation_and_body_seeds():
    assert clothing("default") == CLOTHING["default"]
    with pytest.raises(ValueError):
        clothing("kilt")
    tri = np.array([[0, 1, 2]])
    v = np.array([[0.0, 0, 0], [1, 0, 0], [0, 1, 0]])
    out = inflate(v, tri, np.array([0.1, 0.0, 0.0]))
    assert out[0] == pytest.approx([0, 0, 0.1]) and out[1] == pytest.approx(v[1])
    a, b = random_phenotype(1), random_phenotype(2)
    assert a == random_phenotype(1) and a != b
    assert all(0.0 <= x <= 1.0 for x in a[0].values())

"""Pelvic tilt from image motion: known rotations of a drawn waist, and the fusion maths."""

from __future__ import annotations

import math
from fractions import Fraction

import av
import numpy as np
import pytest

from gaitvision.evidence.pelvis import (
    MirroredLevel,
    PelvisMotion,
    PelvisRegionTracker,
    StridePeriodicFit,
    fuse,
    fuse_periodic,
    moving_mean,
)
from gaitvision.landmarks import HIP, N_LANDMARKS, SHOULDER

W, H, FPS = 320, 240, 30
CENTRE = np.array([160.0, 150.0])
HIP_HALF = 40.0


def _waist_image(angle_deg: float) -> np.ndarray:
    """A torso-coloured block with a smooth cloth texture around the hip line, turned
    by ``angle_deg`` about the mid-hip point (+ = image-right side lower, y down)."""
    yy, xx = np.mgrid[0:H, 0:W].astype(float)
    a = math.radians(angle_deg)
    # Coordinates in the body's own frame (undo the turn).
    dx, dy = xx - CENTRE[0], yy - CENTRE[1]
    u = math.cos(a) * dx + math.sin(a) * dy
    v = -math.sin(a) * dx + math.cos(a) * dy
    body = (np.abs(u) < 70) & (v > -90) & (v < 40)
    rng = np.random.default_rng(3)
    tex = np.zeros_like(u)
    for _ in range(8):  # smooth, non-periodic cloth texture fixed in the body
        ang, lam, ph = rng.uniform(0, np.pi), rng.uniform(7, 20), rng.uniform(0, 2 * np.pi)
        tex += np.sin(2 * np.pi * (math.cos(ang) * u + math.sin(ang) * v) / lam + ph)
    stripes = 0.5 + tex / 16.0
    img = np.where(body, 60 + 150 * stripes, 200.0)
    return np.repeat(img[..., None], 3, axis=2).astype(np.uint8)


def _clip(path, angles) -> None:
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=Fraction(FPS, 1))
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.options = {"crf": "4"}
        for k, ang in enumerate(angles):
            f = av.VideoFrame.from_ndarray(_waist_image(ang), format="rgb24")
            f.pts, f.time_base = k, Fraction(1, FPS)
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def _hips(angles) -> np.ndarray:
    """Keypoints: the two hips on the turned hip line (from behind: left = image left)."""
    xy = np.full((len(angles), N_LANDMARKS, 2), np.nan)
    for k, ang in enumerate(angles):
        a = math.radians(ang)
        d = HIP_HALF * np.array([math.cos(a), math.sin(a)])
        xy[k, HIP["left"]] = CENTRE - d
        xy[k, HIP["right"]] = CENTRE + d
    return xy


KWARGS = {"dis": {"method": "dis"}, "lk": {"method": "lk"},
          "dis_tilt": {"method": "dis", "fit": "tilt"},
          "dis_tilt_fb": {"method": "dis", "fit": "tilt", "fb_px": 0.5}}


@pytest.mark.parametrize("method", list(KWARGS))
def test_a_turning_waist_gives_its_tilt_back(tmp_path, method):
    angles = 4.0 * np.sin(2 * np.pi * np.arange(40) / 20)
    path = tmp_path / "waist.mp4"
    _clip(path, angles)
    times = np.arange(len(angles)) / FPS
    kw = KWARGS[method]
    m = PelvisRegionTracker(**kw, max_side=W, mirror_level=False).track(
        path, times, np.arange(len(angles)),
                                                    _hips(angles), (W, H))
    assert m.coverage > 0.9
    got = m.motion_deg - m.motion_deg.mean()
    want = angles - angles.mean()
    slope = float(np.dot(got, want) / np.dot(want, want))
    assert slope == pytest.approx(1.0, abs=0.2)
    assert np.corrcoef(got, want)[0, 1] > 0.95


def test_hips_too_close_are_not_measured(tmp_path):
    angles = np.zeros(5)
    path = tmp_path / "still.mp4"
    _clip(path, angles)
    xy = _hips(angles)
    xy[:, HIP["right"]] = xy[:, HIP["left"]] + np.array([3.0, 0.0])
    m = PelvisRegionTracker(max_side=W, mirror_level=False).track(
        path, np.arange(5) / FPS, np.arange(5), xy, (W, H))
    assert m.coverage == 0.0 and np.all(m.motion_deg == 0.0)


def test_moving_mean_ignores_nan_and_shortens_at_the_ends():
    x = np.array([1.0, np.nan, 3.0, 5.0, 7.0])
    mm = moving_mean(x, 3)
    assert mm[0] == pytest.approx(1.0) and mm[2] == pytest.approx(4.0)
    assert mm[4] == pytest.approx(6.0)


def test_fuse_keeps_the_keypoint_level_and_the_image_shape():
    t = np.arange(300) / 60.0
    stride = 0.7
    shape = 5.0 * np.sin(2 * np.pi * t / stride)
    keypoints = 2.0 + 0.3 * shape                       # right level, a third of the motion
    motion = shape + 0.8 * t                            # full motion, drifting integration
    fused = fuse(keypoints, motion, t, stride)
    inner = slice(60, 240)
    assert np.allclose(fused[inner], 2.0 + shape[inner], atol=0.35)


def test_the_tilt_fit_is_dis_only():
    with pytest.raises(ValueError):
        PelvisRegionTracker("lk", fit="tilt")


def _motion(t, increments, ok) -> PelvisMotion:
    """A tracked motion whose measured steps are ``increments`` (0 where not ``ok``)."""
    steps = np.where(ok, increments, 0.0)
    steps[0] = 0.0
    return PelvisMotion(t, np.cumsum(steps), ok, "dis")


def _stride_obliquity(t, stride):
    """A running pelvis: drop on each stance, a little asymmetric (deg)."""
    w = 2 * np.pi / stride
    return 4.0 * np.sin(2 * w * t) + 1.0 * np.sin(w * t + 0.4) + 0.5 * np.cos(3 * w * t)


def test_the_periodic_fit_recovers_the_stride_shape_through_gaps_outliers_and_drift():
    rng = np.random.default_rng(5)
    t = np.arange(300) / 60.0
    stride = 0.72
    truth = _stride_obliquity(t, stride)
    inc = np.diff(truth, prepend=truth[0]) + 0.02 + rng.normal(0, 0.15, t.size)  # drift, noise
    ok = rng.random(t.size) > 0.2                       # a fifth of the steps unmeasured
    inc[rng.random(t.size) < 0.05] += 3.0               # and some wild ones (hands)
    per = StridePeriodicFit().fit(t, _motion(t, inc, ok), stride)
    assert per.supported and per.p_value < 1e-6
    got, want = per.periodic_deg[30:-30], (truth - truth.mean())[30:-30]
    assert np.corrcoef(got, want)[0, 1] > 0.97
    assert float(np.dot(got, want) / np.dot(want, want)) == pytest.approx(1.0, abs=0.1)


def test_motion_without_a_stride_rhythm_is_not_supported():
    rng = np.random.default_rng(6)
    t = np.arange(300) / 60.0
    per = StridePeriodicFit().fit(t, _motion(t, rng.normal(0, 0.3, t.size),
                                             np.ones(t.size, bool)), 0.72)
    assert not per.supported and per.p_value > 1e-3


def test_fuse_periodic_keeps_the_keypoint_level_and_falls_back_where_unmeasured():
    t = np.arange(300) / 60.0
    stride = 0.72
    shape = _stride_obliquity(t, stride)
    keypoints = 1.5 + 0.3 * shape
    per = StridePeriodicFit().fit(t, _motion(t, np.diff(shape, prepend=shape[0]),
                                             np.ones(t.size, bool)), stride)
    per.periodic_deg[:10] = np.nan
    fused = fuse_periodic(keypoints, per, t, stride)
    assert np.allclose(fused[:10], keypoints[:10])
    inner = slice(60, 240)
    assert np.allclose(fused[inner], 1.5 + shape[inner] - shape.mean(), atol=0.4)


def _track_of(path, angles):
    from types import SimpleNamespace

    return SimpleNamespace(view=None, video=SimpleNamespace(path=str(path)),
                           times=np.arange(len(angles)) / FPS, frame_index=np.arange(len(angles)),
                           xy=_hips(angles), frame_size=(W, H))


@pytest.mark.parametrize("textured", [True, False])
def test_the_pipeline_uses_the_image_only_where_the_waist_shows_a_stride_rhythm(
        tmp_path, monkeypatch, textured):
    """A turning textured waist: the image's motion is used and said so; the same turn
    on a flat, textureless block gives the flow nothing to follow: the keypoints are kept
    and the note says why."""
    from gaitvision.kinematics.rear import image_pelvis

    stride = 0.7
    t = np.arange(90) / FPS
    angles = 4.0 * np.sin(2 * np.pi * t / stride)
    if not textured:
        monkeypatch.setattr(__name__ + "._waist_image", _flat_waist_image)
    path = tmp_path / "waist.mp4"
    _clip(path, angles)
    kp = 0.3 * angles
    series = {"pelvic_obliquity_deg": kp.copy()}
    # No person here for the mirrored pose pass (MirroredLevel): leave it out (its maths
    # is tested above; the committed rear clip runs it end to end).
    note = image_pelvis(_track_of(path, angles), series, stride,
                        tracker=PelvisRegionTracker(mirror_level=False))
    assert np.allclose(series["pelvic_obliquity_keypoints_deg"], kp)
    if textured:
        assert "from the waist's image motion" in note
        got = series["pelvic_obliquity_deg"][20:-20]
        assert np.ptp(got) > 2 * np.ptp(kp[20:-20]) * 0.8
    else:
        assert "no stride rhythm" in note
        assert np.allclose(series["pelvic_obliquity_deg"], kp)


def _flat_waist_image(angle_deg: float) -> np.ndarray:
    """One flat colour, nothing to track (shirt and shorts of one dark colour)."""
    return np.full((H, W, 3), 40, np.uint8)


def _skeleton(hip_turn_deg: float, trunk_turn_deg: float, n: int = 40,
              left_on_image_left: bool = True) -> np.ndarray:
    """Hips and shoulders of an upright runner, the hip line turned by ``hip_turn_deg``
    and the trunk axis by ``trunk_turn_deg`` (both + = clockwise on screen, y down)."""
    xy = np.full((n, N_LANDMARKS, 2), np.nan)
    s = 1.0 if left_on_image_left else -1.0
    h, t = math.radians(hip_turn_deg), math.radians(trunk_turn_deg)
    hip_d = 40.0 * np.array([math.cos(h), math.sin(h)])
    mid_sh = CENTRE + 200.0 * np.array([math.sin(t), -math.cos(t)])
    xy[:, HIP["left"]], xy[:, HIP["right"]] = CENTRE - s * hip_d, CENTRE + s * hip_d
    xy[:, SHOULDER["left"]] = mid_sh - s * np.array([60.0, 0.0])
    xy[:, SHOULDER["right"]] = mid_sh + s * np.array([60.0, 0.0])
    return xy


@pytest.mark.parametrize("left_on_image_left", [True, False])
def test_the_mirrored_reading_corrects_the_hip_lines_handedness(left_on_image_left):
    """The model reads the hip line turned 0.4 deg counter-clockwise, and its mirrored
    reading (mapped back) 0.4 deg clockwise: the level is corrected by 0.4 deg, in the
    series' sign (+ = the runner's right hip lower)."""
    orig = _skeleton(-0.4, 0.0, left_on_image_left=left_on_image_left)
    mirrored = _skeleton(+0.4, 0.0, left_on_image_left=not left_on_image_left)
    got = MirroredLevel().compare(orig, mirrored)
    want = 0.4 if left_on_image_left else -0.4
    assert got.hips_deg == pytest.approx(0.4, abs=1e-6)
    assert got.trunk_deg == pytest.approx(0.0, abs=1e-6)
    assert got.shift_deg == pytest.approx(want, abs=1e-6)
    assert got.frames == 40


def test_a_rigidly_turned_skeleton_needs_no_level_correction():
    """Hip line and trunk turned alike: the trunk-axis roll already takes the turn out."""
    got = MirroredLevel().compare(_skeleton(-0.8, -0.8), _skeleton(0.8, 0.8))
    assert got.shift_deg == pytest.approx(0.0, abs=1e-6)
    assert got.hips_deg == pytest.approx(0.8, abs=1e-6)


def test_too_few_mirrored_frames_give_no_correction():
    mirrored = _skeleton(0.4, 0.0)
    mirrored[5:] = np.nan
    got = MirroredLevel().compare(_skeleton(-0.4, 0.0), mirrored)
    assert np.isnan(got.shift_deg) and got.frames == 5


def test_fuse_periodic_adds_the_level_correction():
    t = np.arange(300) / 60.0
    stride = 0.72
    shape = _stride_obliquity(t, stride)
    per = StridePeriodicFit().fit(t, _motion(t, np.diff(shape, prepend=shape[0]),
                                             np.ones(t.size, bool)), stride)
    base = fuse_periodic(np.full(t.size, 1.0), per, t, stride)
    per.level_shift_deg = -0.5
    shifted = fuse_periodic(np.full(t.size, 1.0), per, t, stride)
    assert np.allclose(shifted - base, -0.5)


def test_no_child_process_leaves_the_level_uncorrected(monkeypatch):
    """Inside a daemonic worker no child process can start: the shift is unknown (NaN) and
    the tracker applies none, instead of failing the analysis."""
    from gaitvision.pose import estimate

    def refuse(*args, **kwargs):
        raise AssertionError("daemonic processes are not allowed to have children")

    monkeypatch.setattr(estimate, "estimate_pose", refuse)
    xy = _skeleton(0.0, 0.0)
    got = MirroredLevel().shift("clip.mp4", np.arange(len(xy)), xy, (W, H))
    assert np.isnan(got.shift_deg) and got.frames == 0

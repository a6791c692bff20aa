"""The synthetic runner's kinematic model (pure numpy; no torch, anny or OpenGL)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gaitvision.synth.camera import make_camera
from gaitvision.synth.kinematics import SIDES, RunModel, RunParams, Skeleton, crossover
from gaitvision.synth.truth import knee_flexion


@pytest.fixture(scope="module")
def model() -> RunModel:
    return RunModel(RunParams(seed=3), Skeleton.default())


def _contact_point(model: RunModel, t: float, side: str) -> np.ndarray:
    """World position of the foot's material point that touches the belt at time t."""
    k, ph = model._phase(side, t)
    s = ph / model.p.duty_factor
    pivot = "heel_pivot" if s < model.S_HEEL_OFF else "ball_pivot"
    pose = model.pose(t)
    sk = model.sk
    rot = pose.rotations[sk.index[f"foot.{'L' if side == 'left' else 'R'}"]]
    ankle = pose.landmarks[f"{side}_ankle"]
    return ankle + rot @ (sk.feet[side][pivot] - sk.joint(side, "ankle"))


@pytest.mark.parametrize("side", SIDES)
def test_stance_foot_moves_with_the_belt(model: RunModel, side: str) -> None:
    ic = model.ic_time(side, 2)
    dt = 1e-4
    for frac in np.linspace(0.02, 0.98, 15):
        if abs(frac - model.S_HEEL_OFF) < 0.01:
            continue
        t = ic + frac * model.Tc
        a, b = _contact_point(model, t, side), _contact_point(model, t + dt, side)
        assert a[2] == pytest.approx(0.0, abs=1e-9)          # on the belt
        vel = (b - a) / dt
        assert vel[0] == pytest.approx(-model.v, rel=1e-5)   # backward at belt speed
        assert abs(vel[1]) < 1e-6 and abs(vel[2]) < 1e-6


def test_contact_timing_matches_duty_factor(model: RunModel) -> None:
    fps = 500.0
    times = np.arange(0.0, 3.0, 1 / fps)
    contact = {s: np.array([model.pose(float(t)).contact[s] for t in times]) for s in SIDES}
    for s in SIDES:
        c = contact[s].astype(int)
        starts = times[1:][np.diff(c) == 1]
        ends = times[1:][np.diff(c) == -1]
        ics = [e["ic_s"] for e in model.events(0.0, 3.0) if e["side"] == s]
        # Each contact starts at an IC (to within the 1 ms sampling).
        assert len(starts) >= 3
        for t0 in starts:
            assert min(abs(t0 - np.array(ics))) <= 1.01 / fps
        # Contacts last duty_factor * stride time.
        for t0 in starts:
            if not (ends > t0).any():
                continue
            t1 = ends[ends > t0][0]
            assert t1 - t0 == pytest.approx(model.p.duty_factor * model.T, abs=1.01 / fps)
    # Flight: neither foot on the belt for stride/2 - contact time, twice a stride.
    whole = times < 4 * model.T
    flight = ~(contact["left"] | contact["right"])[whole]
    assert flight.mean() == pytest.approx(1 - 2 * model.p.duty_factor, abs=0.01)


def test_events_cadence_and_order(model: RunModel) -> None:
    ev = model.events(0.0, 5.0)
    ics = np.array([e["ic_s"] for e in ev])
    assert np.allclose(np.diff(ics), 60.0 / model.p.cadence_spm)
    assert [e["side"] for e in ev[:2]] != [ev[0]["side"]] * 2   # alternate
    for e in ev:
        assert e["to_s"] - e["ic_s"] == pytest.approx(model.p.duty_factor * model.T)


@pytest.mark.parametrize("side", SIDES)
def test_targets_are_met(model: RunModel, side: str) -> None:
    p = model.p
    ic = model.ic_time(side, 2)
    lm = model.pose(ic + 1e-9).landmarks
    kf = knee_flexion(lm[f"{side}_hip"], lm[f"{side}_knee"], lm[f"{side}_ankle"])
    assert kf == pytest.approx(p.knee_flexion_ic_deg * p.side_scale(side), abs=0.05)
    ts = ic + np.linspace(0, model.T, 500, endpoint=False)
    ext = []
    for t in ts:
        q = model.pose(float(t)).landmarks
        h, k = q[f"{side}_hip"], q[f"{side}_knee"]
        ext.append(math.degrees(math.atan2(h[0] - k[0], h[2] - k[2])))
    assert max(ext) == pytest.approx(p.peak_hip_extension_deg * p.side_scale(side), abs=0.3)
    # The peak comes at or just after TO.
    t_peak = ts[int(np.argmax(ext))] - ic
    assert model.Tc - 0.02 <= t_peak <= model.Tc + 0.08


def test_asymmetry_and_crossover() -> None:
    m = RunModel(RunParams(asymmetry=0.2, variability=0.0, arm_crossover=0.12),
                 Skeleton.default())
    left, right = m.crossover_frontal("left"), m.crossover_frontal("right")
    assert left == pytest.approx(0.12 * 1.1, abs=0.01)
    assert right == pytest.approx(0.12 * 0.9, abs=0.01)


def test_crossover_sign() -> None:
    lm = {"left_shoulder": np.array([0, 0.2, 1.4]), "right_shoulder": np.array([0, -0.2, 1.4]),
          "left_hip": np.array([0, 0.1, 0.9]), "right_hip": np.array([0, -0.1, 0.9]),
          "left_wrist": np.array([0.3, -0.04, 1.1]), "right_wrist": np.array([0.3, -0.3, 1.1])}
    assert crossover(lm, "left") == pytest.approx(0.1)      # 4 cm past the midline
    assert crossover(lm, "right") == pytest.approx(-0.75)   # 30 cm out on its own side


def test_no_foot_below_belt_and_rigid_segments(model: RunModel) -> None:
    lengths = []
    for t in np.arange(0.0, 1.5, 0.005):
        q = model.pose(float(t)).landmarks
        for s in SIDES:
            assert q[f"{s}_heel"][2] > -0.005
            assert q[f"{s}_foot_index"][2] > -0.005
            lengths.append((np.linalg.norm(q[f"{s}_knee"] - q[f"{s}_hip"]),
                            np.linalg.norm(q[f"{s}_ankle"] - q[f"{s}_knee"])))
    lengths = np.array(lengths)
    assert np.ptp(lengths, axis=0).max() < 1e-9


def test_motion_is_continuous(model: RunModel) -> None:
    dt = 1 / 500
    prev = None
    for t in np.arange(0.0, 1.0, dt):
        q = model.pose(float(t)).landmarks
        cur = np.array([q[n] for n in sorted(q)])
        if prev is not None:
            assert np.abs(cur - prev).max() < 14.0 * dt   # < 14 m/s anywhere
        prev = cur


def test_realistic_ranges(model: RunModel) -> None:
    knee = {s: [] for s in SIDES}
    for t in np.arange(0.0, model.T, 0.004):
        q = model.pose(float(t)).landmarks
        for s in SIDES:
            knee[s].append(knee_flexion(q[f"{s}_hip"], q[f"{s}_knee"], q[f"{s}_ankle"]))
    for s in SIDES:
        assert 85 < max(knee[s]) < 115          # swing knee flexion
        assert min(knee[s]) > 5


def test_camera_projection() -> None:
    cam = make_camera("side_right")
    c = cam.project(np.array([0.0, 0.0, cam.position[2]]))
    assert c == pytest.approx([cam.width / 2, cam.height / 2])
    ahead = cam.project(np.array([0.5, 0.0, cam.position[2] + 0.5]))
    assert ahead[0] > cam.width / 2 and ahead[1] < cam.height / 2   # faces right, up is up
    rear = make_camera("rear")
    left = rear.project(np.array([0.0, 0.2, rear.position[2]]))
    assert left[0] < rear.width / 2     # runner's left is image left from behind
    with pytest.raises(ValueError):
        RunModel(RunParams(duty_factor=0.55), Skeleton.default())

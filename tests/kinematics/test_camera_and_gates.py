"""Camera yaw from the shank, per-stride gates, reliability flags, walk/run, slowed clips."""

from __future__ import annotations

import numpy as np
import pytest

from gaitvision.kinematics.analysis import Quality, StrideRecord
from gaitvision.kinematics.assessment import Reliability
from gaitvision.kinematics.camera import SideOnCheck
from gaitvision.kinematics.gating import SlowedClipDetector, retime_track
from gaitvision.kinematics.plausibility import gate_reason, representative_stride
from gaitvision.kinematics.reference import summarize
from gaitvision.landmarks import ANKLE, KNEE


def _swinging_shank(yaw_deg: float, n: int = 300, noise: float = 0.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    phi = np.radians(35 * np.sin(np.linspace(0, 12 * np.pi, n)) + 5)  # swing, deg
    L = 200.0
    xy = np.full((n, 33, 2), np.nan)
    vis = np.zeros((n, 33))
    for side, off in (("left", 0.0), ("right", 30.0)):
        xy[:, KNEE[side]] = [400.0 + off, 500.0]
        xy[:, ANKLE[side], 0] = xy[:, KNEE[side], 0] + L * np.sin(phi) * np.cos(np.radians(yaw_deg))
        xy[:, ANKLE[side], 1] = 500.0 + L * np.cos(phi)
        xy[:, [KNEE[side], ANKLE[side]]] += noise * rng.standard_normal((n, 2, 2))
        vis[:, [KNEE[side], ANKLE[side]]] = 0.99 if side == "left" else 0.6
    return xy, vis


@pytest.mark.parametrize("yaw,tol", [(0.0, 12.0), (20.0, 6.0), (30.0, 5.0), (45.0, 5.0)])
def test_yaw_from_a_swinging_shank(yaw, tol):
    # near side-on the cosine is flat: 1 px of noise on a 200 px shank blurs small yaws
    xy, vis = _swinging_shank(yaw, noise=1.0)
    assert abs(SideOnCheck().yaw(xy, vis) - yaw) < tol


def test_oblique_camera_withholds_angles_but_keeps_timing():
    xy, vis = _swinging_shank(50.0)
    q = Quality()
    summary = {n: summarize(n, {"left": [v] * 8, "right": [v] * 8}, {"left": 8, "right": 8})
               for n, v in (("cadence_spm", 170.0), ("knee_flexion_ic_deg", 20.0))}
    cam = SideOnCheck().apply(xy, vis, 0.5, q, summary)
    assert not cam.angles_ok
    assert summary["knee_flexion_ic_deg"].flag == "unreliable"
    assert summary["cadence_spm"].flag != "unreliable"
    assert q.notes[0].startswith("check my setup")


def test_gate_reason_names_the_metric_and_range():
    assert gate_reason("knee_flexion_ic_deg", 20.0) is None
    why = gate_reason("knee_flexion_ic_deg", -75.5)
    assert "-75.5" in why and "-5 to 50" in why
    assert gate_reason("tibia_angle_ic_deg", 56.0) is not None


def test_spread_beyond_runners_is_unreliable_with_no_verdict():
    vals = {"left": [-20.0, 40.0, 10.0, 30.0, -3.0, 45.0], "right": [0.0, 35.0, 20.0, 5.0]}
    m = summarize("knee_flexion_ic_deg", vals, {"left": 6, "right": 4})
    q = Quality()
    Reliability().judge(m, vals, q)
    assert m.flag == "unreliable" and set(m.flags.values()) == {"unreliable"}
    assert "within" not in m.finding and "SD" in m.finding
    assert any("not reliable" in n for n in q.notes)
    steady = {"left": [20.0, 21.0, 22.0], "right": [19.0, 20.0, 21.0]}
    m2 = summarize("knee_flexion_ic_deg", steady, {"left": 3, "right": 3})
    Reliability().judge(m2, steady, Quality())
    assert m2.flag == "within"


def test_too_few_passing_strides_is_unreliable():
    vals = {"left": [20.0, 21.0], "right": [19.0]}
    m = summarize("knee_flexion_ic_deg", vals, {"left": 2, "right": 1})
    Reliability().judge(m, vals, Quality())
    assert m.flag == "unreliable" and "only 3 strides" in m.finding


def test_representative_stride_is_the_typical_one():
    def rec(i, knee, dur=0.7, excluded=None):
        return StrideRecord("left", i, i * dur, (i + 1) * dur, i * dur + 0.25, 0, 0,
                            excluded=excluded, metrics={"knee_flexion_ic_deg": knee})
    strides = [rec(0, 20.0), rec(1, 21.0), rec(2, 45.0), rec(3, 19.0),
               rec(4, 20.5, excluded="gate")]
    assert representative_stride(strides, "left").index in (0, 1)


def test_slowed_factor_prefers_the_phone_tag():
    det = SlowedClipDetector()
    assert det.factor(42.0, None) == 4
    assert det.factor(21.0, None) == 8
    assert det.factor(42.0, 4.0) == 4.0


def test_retime_divides_times():
    from tests.synthetic_runner import make_track

    track, _ = make_track(fps=30, duration_s=3.0)
    slow = retime_track(track, 4.0)
    assert np.allclose(slow.times * 4.0, track.times)
    assert retime_track(track, 1.0) is track


def test_slowed_synthetic_run_is_refused_naming_the_factor():
    from gaitvision.errors import SlowMotionError
    from tests.synthetic_runner import make_track

    track, _ = make_track(fps=120, duration_s=6.0)
    slowed = track.copy(times=track.times * 4.0)  # a 120 fps run played at 30 fps
    with pytest.raises(SlowMotionError, match="4x") as err:
        SlowedClipDetector().check(slowed)
    assert err.value.factor == 4
    SlowedClipDetector().check(track)  # the run itself passes


def test_pelvis_phase_tells_a_bounce_from_a_vault():
    from gaitvision.kinematics.gating import PelvisPhase
    from gaitvision.kinematics.geometry import body_frame
    from gaitvision.landmarks import HIP
    from tests.synthetic_runner import make_track

    track, _ = make_track(fps=60, duration_s=6.0, noise_px=1.0, seed=2)
    bf = body_frame(track.times, track.xy, track.visibility, track.frame_size, "side",
                    track.view.direction if track.view else "right")
    assert PelvisPhase().is_run(bf, None)
    # the same run with the pelvis's vertical bob inverted (highest at midstance): a vault
    y = bf.p[:, [HIP["left"], HIP["right"]], 1]
    bf.p[:, [HIP["left"], HIP["right"]], 1] = 2 * np.nanmean(y) - y
    assert not PelvisPhase().is_run(bf, None)

"""Side-view metrics on synthetic runs: truth, mirror invariance, frame-rate invariance."""

import numpy as np
import pytest

from gaitvision.kinematics import analyze_gait
from tests.synthetic_runner import make_track

#: Tolerance of each metric against the truth on clean 240 fps data.
TRUTH_TOL = {
    "cadence_spm": 0.1, "contact_time_ms": 1.0, "flight_time_ms": 1.0,
    "duty_factor_pct": 0.2, "knee_flexion_ic_deg": 0.5, "knee_flexion_stance_peak_deg": 0.5,
    "hip_extension_peak_deg": 0.5, "hip_extension_vs_trunk_peak_deg": 0.5,
    "tibia_angle_ic_deg": 0.5, "overstride_leg_lengths": 0.005, "foot_strike_angle_deg": 0.5,
    "trunk_lean_deg": 0.5,
    # Read below the ears along the head-trunk line (side.pelvis_height says why): this
    # runner's head does not turn with the trunk's lean, so 0.0676 vs 0.0667 leg lengths
    # (the shoulders read 0.070).
    "vertical_oscillation_leg_lengths": 0.002,
}

#: How far each metric may move when the same run is filmed at 60 or 30 fps instead of
#: 240 fps (the stated frame-rate tolerance; mean over strides, per side).
RESAMPLE_TOL = {
    "cadence_spm": 0.5, "step_time_ms": 8.0, "contact_time_ms": 8.0, "flight_time_ms": 8.0,
    "duty_factor_pct": 1.2, "knee_flexion_ic_deg": 3.5, "knee_flexion_stance_peak_deg": 0.5,
    "hip_extension_peak_deg": 1.0, "hip_extension_vs_trunk_peak_deg": 1.0,
    "tibia_angle_ic_deg": 2.5, "overstride_leg_lengths": 0.015, "foot_strike_angle_deg": 1.5,
    "trunk_lean_deg": 0.2, "vertical_oscillation_leg_lengths": 0.003,
    "overstride_cm": 1.5, "vertical_oscillation_cm": 0.3,
}


def test_every_side_metric_matches_the_truth_at_240fps(side_runs):
    _, truth, a = side_runs[240]
    assert a.view == "side" and a.direction == "left"
    for name, tol in TRUTH_TOL.items():
        for side in ("left", "right"):
            got, want = a.value(name, side), truth.values[name][side]
            assert abs(got - want) < tol, (name, side, got, want)
            # every stride, not just the mean
            for s in a.included(side):
                assert abs(s.metrics[name] - want) < 2 * tol, (name, side, s.index)


@pytest.mark.parametrize("fps", [60, 30])
def test_resampling_moves_each_metric_less_than_its_tolerance(side_runs, fps):
    a240, a = side_runs[240][2], side_runs[fps][2]
    for name, tol in RESAMPLE_TOL.items():
        if name not in a240.summary:
            continue
        for side in ("left", "right"):
            d = a.value(name, side) - a240.value(name, side)
            assert abs(d) < tol, (fps, name, side, d)


def test_mirroring_x_leaves_every_per_side_metric_unchanged():
    track, _ = make_track(fps=60, duration_s=8.0)
    mirror = track.copy()
    mirror.xy[..., 0] = track.frame_size[0] - track.xy[..., 0]
    mirror.view = None  # let the analysis find the direction itself
    a, b = analyze_gait(track), analyze_gait(mirror)
    assert (a.direction, b.direction) == ("left", "right")
    assert a.summary.keys() == b.summary.keys()
    for name, m in a.summary.items():
        for side in ("left", "right", "both"):
            x, y = getattr(m, side), getattr(b.summary[name], side)
            assert (x is None) == (y is None)
            if x is not None:
                assert abs(x.mean - y.mean) < 1e-6, (name, side)


def test_height_gives_centimetres():
    track, truth = make_track(fps=120, duration_s=8.0)
    a = analyze_gait(track, height_cm=183.3)  # leg 0.9 m = 0.491 x 183.3 cm
    leg_cm = 0.491 * 183.3
    want = truth.values["overstride_leg_lengths"]["left"] * leg_cm
    assert abs(a.value("overstride_cm", "left") - want) < 0.5
    assert "overstride_cm" not in analyze_gait(track).summary


def test_curves_are_normalised_to_the_gait_cycle(side_runs):
    _, truth, a = side_runs[240]
    knee = a.curves.per_stride["knee_flexion_deg"]["left"]
    assert knee.shape[1] == 101 and knee.shape[0] == len(a.included("left"))
    mean = a.curves.mean("knee_flexion_deg", "left")
    assert abs(mean[0] - truth.values["knee_flexion_ic_deg"]["left"]) < 0.5
    assert abs(a.curves.to_pct["left"] - 34.0) < 0.5  # toe-off at the duty factor


def test_findings_cite_sources_and_hedge_few_strides():
    track, _ = make_track(fps=60, duration_s=4.0)  # about 4 strides a side
    a = analyze_gait(track)
    assert a.quality.too_few_strides
    knee = a.summary["knee_flexion_ic_deg"]
    assert "Bramah" in knee.finding and knee.finding.startswith("Indicative only")
    assert knee.flag in ("within", "outside")
    assert a.summary["hip_extension_peak_deg"].flag == "no_norm"


def test_save_and_load_round_trip(side_runs, tmp_path):
    a = side_runs[60][2]
    a.save(tmp_path)
    from gaitvision.kinematics import GaitAnalysis

    b = GaitAnalysis.load(tmp_path)
    assert b.to_json_dict() == a.to_json_dict()
    np.testing.assert_allclose(b.series["knee_flexion_deg.left"], a.series["knee_flexion_deg.left"])
    header = (tmp_path / "strides.csv").read_text().splitlines()[0]
    assert "knee_flexion_ic_deg" in header and "contact_time_ms" in header


#: Tolerance on the pipeline's path (events on the unfiltered track, angles cleaned at
#: 10 Hz) at 60 fps with 1 px keypoint noise: the low-pass rounds the values at contact.
PIPELINE_TOL = {
    "cadence_spm": 0.2, "contact_time_ms": 8.0, "duty_factor_pct": 1.2,
    "knee_flexion_ic_deg": 3.0, "knee_flexion_stance_peak_deg": 0.5,
    "hip_extension_peak_deg": 1.0, "tibia_angle_ic_deg": 2.0, "foot_strike_angle_deg": 2.0,
    "overstride_leg_lengths": 0.015, "trunk_lean_deg": 0.2,
    "vertical_oscillation_leg_lengths": 0.004,  # shoulders vs pelvis, as above
}


def test_pipeline_path_with_cleaning_and_noise():
    from gaitvision.pose.cleaning import clean_track

    track, truth = make_track(fps=60, duration_s=10.0, noise_px=1.0, seed=3)
    track.cleaning = None
    a = analyze_gait(clean_track(track), raw=track)
    for name, tol in PIPELINE_TOL.items():
        for side in ("left", "right"):
            got, want = a.value(name, side), truth.values[name][side]
            assert abs(got - want) < tol, (name, side, got, want)


def test_vertical_oscillation_ignores_hip_and_shoulder_points_riding_on_the_limbs():
    """BlazePose's hip keypoints move with the thighs and its shoulders with the arms: a
    bump on both that follows the near thigh (one step up, the other down) moves either
    point's per-step range by over 10 % of VO per side, but not the pelvis read below the
    ears."""
    from gaitvision.landmarks import HIP, KNEE, SHOULDER

    track, _ = make_track(fps=60, duration_s=8.0)
    ride = track.copy()
    near = "left"  # the runner faces image-left: the camera sees the left side
    thigh_x = track.xy[:, KNEE[near], 0] - track.xy[:, HIP[near], 0]
    bump = 0.15 * thigh_x  # up to about 2.5 cm at this runner's scale
    for i in (*HIP.values(), *SHOULDER.values()):
        ride.xy[:, i, 1] += bump
    a, b = analyze_gait(track), analyze_gait(ride)
    leg_px = a.leg_length_px
    for side in ("left", "right"):  # in pixels: the hips' bump also moves the leg length
        vo_px = [x.value("vertical_oscillation_leg_lengths", side) * x.leg_length_px
                 for x in (a, b)]
        assert abs(vo_px[1] - vo_px[0]) < 0.001 * leg_px, (side, vo_px)
    # the bump itself is not small: it changes the mid-shoulder's range over the steps
    def shoulder_range(tr, side):
        y = tr.xy[:, [SHOULDER["left"], SHOULDER["right"]], 1].mean(axis=1)
        out = []
        for st in a.included(side):
            sel = (tr.times >= st.start_s) & \
                  (tr.times <= st.start_s + st.metrics["step_time_ms"] / 1000)
            out.append(np.ptp(y[sel]))
        return np.mean(out) / leg_px

    change = [abs(shoulder_range(ride, s) - shoulder_range(track, s)) for s in ("left", "right")]
    assert max(change) > 0.007, change

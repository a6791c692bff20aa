"""The whole pipeline on the committed synthetic clips, against their exact truth.

The clips in ``sample_videos/`` are rendered from a parametric runner whose joint
centres, events and metric values are known exactly (``*.truth.json``). Truth values
of the ``image`` kind (what a perfect 2D keypoint detector would give in that clip)
are the fair yardstick for 2D metrics. Tolerances are the issue's; nothing in the
pipeline is fitted to these renders.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gaitvision.kinematics import analyze_gait
from gaitvision.pose.cleaning import clean_track
from gaitvision.pose.tracking import label_track
from tests.conftest import SAMPLE_VIDEOS, raw_track
from tests.truth_track import truth_track

pytestmark = pytest.mark.slow


def known_miss(reason: str):
    """A check the pipeline does not pass yet, with the error measured when it was written.

    Strict: the day the pipeline meets the tolerance, the test reports XPASS as a failure,
    and this mark must go.
    """
    return pytest.mark.xfail(strict=True, reason=reason)


# Measured 2026-11-22 (see the issue notes), with mediapipe's own smoothing off. Causes
# are the pose model's keypoints, not the maths: the same metrics on the truth's own pixel
# positions pass (the last test).
ARMS = ("from behind, wrists crossing in front of the torso are hidden at their innermost "
        "point on every stride, and nothing in a rear image tells a forearm lying across the "
        "body from one pointing forward, so no stride has a value: each gives bounds instead "
        "(summaries: at least -0.50 / -0.53, at most +0.19 / +0.16 against a true +0.15 / +0.14 "
        "shoulder widths, 2026-12-03)")
SIDE_EVENTS = ("side-view events: 17 of 19 ICs and 16 of 18 TOs within one frame; the worst "
               "IC is 2.4 frames off where BlazePose blends both feet (frames 161-166), the "
               "worst TO 1.2 frames; mean |error| IC 0.64, TO 0.48 frame (on exact keypoints "
               "both within half a frame; 2026-12-03, after the crossing-order labels)")


def _clip(name: str) -> tuple[Path, dict]:
    path = SAMPLE_VIDEOS / f"{name}.mp4"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    truth = json.loads(path.with_name(f"{name}.truth.json").read_text())
    return path, truth


def _analyse(path: Path):
    labelled = label_track(raw_track(path))
    return analyze_gait(clean_track(labelled), raw=labelled)


@pytest.fixture(scope="module")
def side():
    path, truth = _clip("synthetic_side_60fps")
    return _analyse(path), truth


@pytest.fixture(scope="module")
def rear():
    path, truth = _clip("synthetic_rear_60fps")
    return _analyse(path), truth


def _event_errors(analysis, truth, kind: str) -> list[float]:
    """Frame error of each true event matched to the nearest detected one (same foot)."""
    fps = truth["clip"]["fps"]
    errors = []
    for stride in truth["strides"]:
        t_true = stride["ic_s" if kind == "IC" else "to_s"]
        found = [e.time_s for e in analysis.events if e.foot == stride["side"] and e.type == kind]
        if not found or t_true < 0.2 or t_true > truth["clip"]["duration_s"] - 0.2:
            continue  # events at the clip's very ends cannot be timed from both sides
        errors.append(min(abs(np.array(found) - t_true)) * fps)
    return errors


def _side_mean(analysis, name: str, side: str) -> float:
    return analysis.summary[name].__getattribute__(side).mean


def test_view_and_direction(side, rear):
    assert side[0].view == "side" and side[0].direction == "right"
    assert rear[0].view == "rear"


@pytest.mark.parametrize("clip", ["side", "rear"])
def test_cadence_within_one_percent(clip, side, rear):
    analysis, truth = {"side": side, "rear": rear}[clip]
    measured = analysis.summary["cadence_spm"].both.mean
    assert measured == pytest.approx(truth["summary"]["cadence_spm"], rel=0.01)


@pytest.mark.parametrize("kind", [pytest.param("IC", marks=known_miss(SIDE_EVENTS)),
                                  pytest.param("TO", marks=known_miss(SIDE_EVENTS))])
def test_side_view_events_within_one_frame(kind, side):
    errors = _event_errors(*side, kind)
    assert len(errors) >= 14
    assert max(errors) <= 1.0, np.round(errors, 2)


# Knee flexion, hip extension and every other side-view metric with a truth are tested
# per side in tests/test_accuracy_side.py.


def test_rear_view_finds_each_stance_in_phase(rear):
    """From behind, stances are placed about the pelvis's lowest point: each true stance's
    middle is matched by a detected one (pelvic drop is read in the right phase), though
    the toe-off, and so each edge, is seen poorly from behind."""
    analysis, truth = rear
    fps = truth["clip"]["fps"]
    found = {}
    for foot in ("left", "right"):
        ics = [e.time_s for e in analysis.events if e.foot == foot and e.type == "IC"]
        tos = [e.time_s for e in analysis.events if e.foot == foot and e.type == "TO"]
        found[foot] = [(ic + min(t for t in tos if t > ic)) / 2 for ic in ics
                       if any(t > ic for t in tos)]
    errors = []
    for stride in truth["strides"]:
        middle = (stride["ic_s"] + stride["to_s"]) / 2
        if 0.2 < middle < truth["clip"]["duration_s"] - 0.2:
            errors.append(min(abs(np.array(found[stride["side"]]) - middle)) * fps)
    assert len(errors) >= 14
    assert np.median(errors) <= 1.0 and max(errors) <= 3.0, np.round(errors, 2)


@pytest.mark.parametrize("foot", ["left", "right"])
@pytest.mark.parametrize("landmark", ["psis", "waistband_back"])
def test_pelvic_drop_within_1_5_deg_of_the_visible_pelvis(foot, landmark, rear):
    """Pelvic drop against the visible-pelvis truth (the tilt of the rendered skin over
    the posterior superior iliac spines, and of the shorts' waistband): on a skinned body
    the skin carries only about 0.57 of the bone's tilt (the bone drops 5.3 / 4.8 deg),
    and an image can show no more than the skin. Measured 2026-12-03 (stride-periodic fit of
    the waist's flow): 3.83 / 2.66 deg against PSIS 2.99 / 2.67 and waistband 3.77 / 3.30
    (keypoints alone: about 1.5 / 1.1)."""
    analysis, truth = rear
    true = truth["visible_pelvis"]["summary_pelvic_drop_deg"][landmark]["image"][foot]
    assert _side_mean(analysis, "pelvic_drop_peak_deg", foot) == pytest.approx(true, abs=1.5)


def test_pelvic_obliquity_follows_the_image_not_only_the_keypoints(rear):
    analysis, _ = rear
    assert "pelvic_obliquity_keypoints_deg" in analysis.series
    assert any("motion within each stride from the waist's image motion" in n
               for n in analysis.quality.notes)


@pytest.mark.parametrize("arm", [pytest.param("left", marks=known_miss(ARMS)),
                                 pytest.param("right", marks=known_miss(ARMS))])
def test_arm_crossover_within_a_tenth_of_shoulder_width(arm, rear):
    analysis, truth = rear
    true = truth["summary"]["arm_crossover"]["image"][arm]
    assert "arm_crossover_shoulder_widths" in analysis.summary
    measured = _side_mean(analysis, "arm_crossover_shoulder_widths", arm)
    assert measured == pytest.approx(true, abs=0.1)


def _truth_stride(truth: dict, rec) -> dict | None:
    same = [s for s in truth["strides"] if s["side"] == rec.side and s.get("arm_crossover")]
    return min(same, key=lambda s: abs(s["ic_s"] - rec.start_s)) if same else None


def test_hidden_wrists_give_bounds_that_hold(rear):
    """Rather than print a guess for a wrist it cannot see, each stride gives the range its
    crossover lies in: at least as far in as the elbow, at most one forearm length in
    from it (a value gives both); bounds on at least 80 % of strides, and they hold on
    every stride and in each arm's summary. Measured 2026-12-03: at most +0.03 above the
    truth on average (largest +0.05), at least 0.66 below it."""
    analysis, truth = rear
    assert truth["summary"]["arm_crossover"]["image"]["left"] > 0  # the arms do cross
    recs = analysis.strides
    m = [r.metrics for r in recs]
    lower = [x["arm_crossover_at_least_shoulder_widths"] for x in m]
    upper = [x["arm_crossover_at_most_shoulder_widths"] for x in m]
    assert sum(np.isfinite(lower)) >= 0.8 * len(recs)
    assert sum(np.isfinite(upper)) >= 0.8 * len(recs)
    for rec in recs:
        true = _truth_stride(truth, rec)["arm_crossover"]["image"]
        assert not rec.metrics["arm_crossover_at_least_shoulder_widths"] > true
        assert not rec.metrics["arm_crossover_at_most_shoulder_widths"] < true
        if np.isfinite(rec.metrics["arm_crossover_shoulder_widths"]):
            assert rec.metrics["arm_crossover_at_least_shoulder_widths"] == \
                rec.metrics["arm_crossover_at_most_shoulder_widths"]
    for arm in ("left", "right"):
        true = truth["summary"]["arm_crossover"]["image"][arm]
        assert _side_mean(analysis, "arm_crossover_at_least_shoulder_widths", arm) <= true
        assert _side_mean(analysis, "arm_crossover_at_most_shoulder_widths", arm) >= true
    assert any("give a bound, not a value" in n for n in analysis.quality.notes)


# ---------------------------------------------------------------- the maths alone
def _true_foot_placement(truth: dict) -> dict[str, float]:
    """Per side, the ankle's lateral distance from the mid-hip at each true IC, in leg
    lengths (the 3D joint centres; + on its own side), averaged over the clip."""
    frames = truth["frames"]
    j = {k: np.asarray(v, float) for k, v in frames["joints_3d_m"].items()}
    t = np.asarray(frames["time_s"], float)
    mid = 0.5 * (j["left_hip"] + j["right_hip"])
    lat = int(np.argmax(np.abs(j["left_hip"][0] - j["right_hip"][0])))
    left_sign = np.sign(np.median(j["left_hip"][:, lat] - j["right_hip"][:, lat]))
    leg = float(np.nanmax(np.linalg.norm(j["left_hip"] - j["left_ankle"], axis=1)))
    out = {}
    for side, sign in (("left", left_sign), ("right", -left_sign)):
        ics = [s["ic_s"] for s in truth["strides"] if s["side"] == side]
        out[side] = float(np.mean([
            sign * (np.interp(ic, t, j[f"{side}_ankle"][:, lat]) - np.interp(ic, t, mid[:, lat]))
            for ic in ics])) / leg
    return out


def test_foot_placement_from_the_midline_has_no_side_to_side_bias(rear):
    """One BlazePose reading leans the skeleton, and the roll from its trunk turns the feet
    against the midline (0.073 / 0.020 leg lengths for a true 0.034 on both sides); the
    mean with the mirrored frames' reading removes it (docs/pelvis-arms-front.md)."""
    analysis, truth = rear
    true = _true_foot_placement(truth)
    got = analysis.summary["step_width_leg_lengths"]
    left, right = got.left.mean, got.right.mean
    assert abs((left - right) - (true["left"] - true["right"])) < 0.01, (left, right, true)
    assert left == pytest.approx(true["left"], abs=0.02)
    assert right == pytest.approx(true["right"], abs=0.02)


def test_the_maths_on_perfect_keypoints_meets_every_tolerance():
    """With the truth's own joint pixels as keypoints, every metric is within tolerance:
    the misses above are the pose model's, not the pipeline's arithmetic."""
    side_path, side_truth = _clip("synthetic_side_60fps")
    rear_path, rear_truth = _clip("synthetic_rear_60fps")
    s_track = truth_track(side_path, side_truth, "side")
    side_a = analyze_gait(clean_track(s_track), raw=s_track)
    r_track = truth_track(rear_path, rear_truth, "rear")
    rear_a = analyze_gait(clean_track(r_track), raw=r_track)
    assert side_a.summary["cadence_spm"].both.mean == pytest.approx(170.0, rel=0.01)
    for foot in ("left", "right"):
        ts = side_truth["summary"]
        assert _side_mean(side_a, "knee_flexion_ic_deg", foot) == pytest.approx(
            ts["knee_flexion_ic_deg"]["image"][foot], abs=4.0)
        assert _side_mean(side_a, "hip_extension_peak_deg", foot) == pytest.approx(
            ts["peak_hip_extension_deg"]["image"][foot], abs=4.0)
        tr = rear_truth["summary"]
        assert _side_mean(rear_a, "pelvic_drop_peak_deg", foot) == pytest.approx(
            tr["pelvic_drop_deg"]["image"][foot], abs=2.0)
        assert _side_mean(rear_a, "arm_crossover_shoulder_widths", foot) == pytest.approx(
            tr["arm_crossover"]["image"][foot], abs=0.1)
    ic = _event_errors(side_a, side_truth, "IC")
    assert len(ic) >= 14 and max(ic) <= 0.25, np.round(ic, 2)
    # Toe-off on perfect keypoints: 0.14 frame off on average, at most 0.44 (the toe's
    # accelerating departure is fitted, kinematics/foot_contacts.py; 2026-12-03).
    to = _event_errors(side_a, side_truth, "TO")
    assert len(to) >= 14 and max(to) <= 0.5, np.round(to, 2)


# ---------------------------------------------------------------- front view
FRONT_PELVIS = ("from the front the pelvis comes from the hip keypoints alone: right stance 1.32 "
                "deg against 3.17 on the skin over the ASIS. The waist's image motion (rigid "
                "tilt + stride-periodic fit, as from behind) follows the front of the shorts, "
                "which carries 1.5-2.7 times the ASIS skin's tilt, and the hands cross it: on "
                "held-apart front renders it was worse than the keypoints (drop error 3.8 deg "
                "mean against 0.8; docs/pelvis-arms-front.md, 2026-12-03)")


@pytest.fixture(scope="module")
def front():
    path, truth = _clip("synthetic_front_30fps")
    return _analyse(path), truth


def test_front_clip_is_found_to_be_a_front_view_and_analysed(front):
    analysis, truth = front
    assert truth["clip"]["view"] == "front"
    assert analysis.view == "front"  # its own view: the rear metrics, mirrored sides
    assert sum(r.excluded is None for r in analysis.strides) >= 8


def test_front_crossover_is_reported_on_every_stride(front):
    analysis, _ = front
    kept = [r for r in analysis.strides if r.excluded is None]
    assert all(np.isfinite(r.metrics["arm_crossover_shoulder_widths"]) for r in kept)
    # every wrist seen: the bounds would repeat the values, so only the value is summarised
    assert "arm_crossover_shoulder_widths" in analysis.summary
    assert "arm_crossover_at_least_shoulder_widths" not in analysis.summary


@pytest.mark.parametrize("arm", ["left", "right"])
def test_front_crossover_within_0_05_shoulder_widths(arm, front):
    """The issue's tolerance, on the arm's mean and on every stride. Measured 2026-12-03
    with the hand-backed wrist (kinematics/rear.py:hand_backed_wrists): means 0.182 /
    0.186 against 0.169 / 0.150, per stride |error| at most 0.040 (the pose model's
    wrist alone: 0.111 / 0.125, up to 0.073 off, 6 of 11 strides within 0.05)."""
    analysis, truth = front
    true = truth["summary"]["arm_crossover"]["image"][arm]
    measured = _side_mean(analysis, "arm_crossover_shoulder_widths", arm)
    assert measured == pytest.approx(true, abs=0.05)
    kept = [r for r in analysis.strides if r.side == arm and r.excluded is None]
    errors = [r.metrics["arm_crossover_shoulder_widths"]
              - _truth_stride(truth, r)["arm_crossover"]["image"] for r in kept]
    assert len(errors) >= 4 and max(abs(e) for e in errors) <= 0.05, np.round(errors, 3)


@pytest.mark.parametrize("foot", ["left", pytest.param("right", marks=known_miss(FRONT_PELVIS))])
def test_front_pelvic_drop_within_1_5_deg_of_the_visible_pelvis(foot, front):
    analysis, truth = front
    true = truth["visible_pelvis"]["summary_pelvic_drop_deg"]["asis"]["image"][foot]
    assert _side_mean(analysis, "pelvic_drop_peak_deg", foot) == pytest.approx(true, abs=1.5)

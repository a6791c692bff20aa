"""Every side-view metric that has a truth, per side, on the committed synthetic side clip.

The clip ``sample_videos/synthetic_side_60fps.mp4`` is rendered from a parametric
runner whose joint centres and events are known exactly; ``tests/side_truth.py`` turns
its truth file into per-side values named like the pipeline's metrics. The pipeline
runs as it would on any clip, with the runner's height (1.81 m, so that distances come
in cm). Tolerances are the field's accuracy, not the pipeline's: angles 3 deg (trunk
lean 2 deg), distances 2 cm (overstride 3 cm, vertical oscillation 1 cm), times 10 ms at
60 fps, cadence 1 %. A metric that misses is a strict xfail carrying the numbers
measured when it was written; the day it passes, XPASS fails the run and the mark must
go. Nothing in the pipeline is fitted to this clip.
"""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLE_VIDEOS, raw_track
from tests.side_truth import SIDES, load_side_truth

pytestmark = pytest.mark.slow

CLIP = SAMPLE_VIDEOS / "synthetic_side_60fps.mp4"

#: (tolerance, relative?) per metric
TOLERANCES = {
    "cadence_spm": (0.01, True),
    "step_time_ms": (10.0, False),
    "contact_time_ms": (10.0, False),
    "flight_time_ms": (10.0, False),
    "duty_factor_pct": (1.5, False),  # 10 ms of a 706 ms stride
    "knee_flexion_ic_deg": (3.0, False),
    "knee_flexion_stance_peak_deg": (3.0, False),
    "hip_extension_peak_deg": (3.0, False),
    "hip_extension_vs_trunk_peak_deg": (3.0, False),
    "tibia_angle_ic_deg": (3.0, False),
    "foot_strike_angle_deg": (3.0, False),
    "overstride_cm": (3.0, False),
    "trunk_lean_deg": (2.0, False),
    "vertical_oscillation_cm": (1.0, False),
}

#: Known misses, (metric, side) -> reason with the numbers measured (true vs measured).
KNOWN_MISSES = {
    ("hip_extension_vs_trunk_peak_deg", "left"): "12.8 vs 9.8 deg: the far hip's remaining "
                                                 "bias enters both the thigh and the trunk "
                                                 "line (thigh vs vertical: 19.0 vs 17.0)",
}


@pytest.fixture(scope="module")
def measured():
    """(analysis, truth) of the committed side clip, pipeline run with the true height."""
    if not CLIP.exists():
        pytest.skip(f"{CLIP} is missing")
    from gaitvision.kinematics import analyze_gait
    from gaitvision.pose.cleaning import clean_track
    from gaitvision.pose.tracking import label_track

    truth = load_side_truth(CLIP.with_name("synthetic_side_60fps.truth.json"))
    labelled = label_track(raw_track(CLIP))
    analysis = analyze_gait(clean_track(labelled), raw=labelled,
                            height_cm=100 * truth.stature_m)
    return analysis, truth


def _cases():
    for metric in TOLERANCES:
        for side in SIDES:
            reason = KNOWN_MISSES.get((metric, side))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(metric, side, marks=marks, id=f"{metric}-{side}")


def test_every_side_metric_with_a_truth_is_covered(measured):
    """The truth reader defines a value for each tolerance here, and the pipeline reports
    each of them: no metric with a truth goes untested."""
    analysis, truth = measured
    assert set(truth.values) == set(TOLERANCES)
    assert set(TOLERANCES) <= set(analysis.summary)


@pytest.mark.parametrize(("metric", "side"), list(_cases()))
def test_side_metric_against_truth(metric, side, measured):
    analysis, truth = measured
    tol, relative = TOLERANCES[metric]
    true, value = truth.get(metric, side), analysis.value(metric, side)
    assert value == pytest.approx(true, rel=tol) if relative else \
        value == pytest.approx(true, abs=tol), f"{metric} {side}: {value:.2f} vs {true:.2f}"

"""The metric registry is the one description of a metric; everything else derives from it."""

import math

import pytest

from gaitvision.kinematics import reference
from gaitvision.kinematics.records import Reference, round_metric
from gaitvision.kinematics.reference import METRICS, MetricDef, register, unregister


def test_every_metric_fully_described():
    for name, m in METRICS.items():
        assert m.name == name and m.label and m.unit and m.definition
        assert m.reference.source and "running-metrics" not in m.reference.source
        assert "shared/" not in m.reference.source
        if m.gate is not None:
            lo, hi = m.gate
            assert lo < hi, name
            if m.reference.range is not None and name != "camera_roll_deg":
                # the gate is wider than the norm: it catches impossible strides only
                assert lo <= m.reference.range[0] and m.reference.range[1] <= hi, name
    assert [m.order for m in METRICS.values()] == list(range(len(METRICS)))


def test_per_stride_metrics_have_gates():
    for name in set(reference.SIDE_METRICS) | set(reference.REAR_METRICS):
        if name != "arm_crossover_strides_pct":
            assert METRICS[name].gate is not None, name
    assert METRICS["knee_flexion_ic_deg"].gate == (-5.0, 50.0)
    assert METRICS["tibia_angle_ic_deg"].gate == (-25.0, 35.0)


def test_decimals_agree_within_a_unit():
    by_unit = {}
    for m in METRICS.values():
        by_unit.setdefault(m.unit, set()).add(m.decimals)
    assert all(len(d) == 1 for d in by_unit.values()), by_unit
    assert round_metric(0.18749, "leg lengths") == 0.187
    assert round_metric(170.24, "spm") == 170.2


def test_derived_lists_follow_the_registry():
    from gaitvision.report import charts, keyframes, pdf_sections
    from gaitvision.web import worker

    assert list(pdf_sections.METRIC_ORDER) == list(METRICS)
    assert list(pdf_sections.METRIC_ORDER).index("step_time_ms") == 1  # not last any more
    assert pdf_sections.IMPORTANCE[0] == "pelvic_drop_peak_deg"
    assert "knee_flexion_ic_deg" in charts.LEFT_RIGHT
    assert charts.HEADLINE["rear"] == ["cadence_spm", "pelvic_drop_peak_deg",
                                       "arm_crossover_shoulder_widths", "step_width_leg_lengths"]
    assert keyframes.CAPTION["side"]["IC"][0] == ("knee_flexion_ic_deg", "knee flexion", 1)
    assert tuple(worker.HEADLINE_METRICS) == reference.headline_metrics()


def test_registered_metric_appears_everywhere_and_goes_away():
    m = MetricDef("test_bounce_cm", "Test bounce", "cm", "a test metric",
                  Reference(None, "descriptive", "test"), gate=(0.0, 10.0), importance=99,
                  charts={"left_right": 99}, keyframe=reference.KeyFrameCaption("side", "IC", "bounce"),
                  headline=True, views=("side",), decimals=1)
    try:
        register(m)
        assert reference.SIDE_METRICS[-1] == "test_bounce_cm"
        assert "test_bounce_cm" in reference.IMPORTANCE
        assert "test_bounce_cm" in reference.HEADLINE_METRICS
        assert reference.chart_metrics("left_right")[-1] == "test_bounce_cm"
        assert ("test_bounce_cm", "bounce", 1) in reference.keyframe_captions("side")["IC"]
    finally:
        unregister("test_bounce_cm")
    assert "test_bounce_cm" not in reference.SIDE_METRICS


@pytest.mark.parametrize("name", list(METRICS))
def test_finding_never_contradicts_flag(name):
    for mean in (-100.0, 0.0, 20.0, 245.0, 300.0, 1e4):
        s = reference.summarize(name, {"left": [mean] * 10, "right": [mean] * 10},
                                {"left": 10, "right": 10})
        text = s.finding
        if s.flag == "no_norm":
            for verdict in (" than the ", "within the", "outside"):
                assert verdict not in text, (name, text)
        elif s.flag == "within":
            assert "within the" in text
        elif s.flag == "outside":
            assert " than the " in text and "within" not in text.split("[")[0]
        assert math.isfinite(s.both.mean)

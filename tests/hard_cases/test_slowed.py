"""A 4x slowed copy of the real clip: refused naming the factor, exact with --time-scale."""

from __future__ import annotations

import pytest

from gaitvision.errors import SlowMotionError
from tests.hard_cases.conftest import TRUE_CADENCE


def test_slowed_clip_is_refused_with_the_likely_factor(hard_case_videos, tmp_path):
    from gaitvision.pipeline import analyze

    with pytest.raises(SlowMotionError) as err:
        analyze([hard_case_videos["slow4x"]], tmp_path / "out", render=False, workers=2)
    assert err.value.factor == 4
    assert "4x" in str(err.value) and "--time-scale 4" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_time_scale_gives_the_real_cadence(hard_case):
    slowed = hard_case("slow4x", 4.0).analysis
    clean = hard_case("clean").analysis
    got = slowed.summary["cadence_spm"].both.mean
    assert abs(got / TRUE_CADENCE - 1) < 0.01, got
    assert abs(got / clean.summary["cadence_spm"].both.mean - 1) < 0.01
    assert slowed.video["time_scale"] == 4.0
    # contact times are in real time too (a run's, not four times a run's)
    assert 150 < slowed.summary["contact_time_ms"].both.mean < 400

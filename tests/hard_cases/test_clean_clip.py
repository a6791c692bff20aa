"""The whole clean real clip keeps its cadence and its strides through every gate."""

from __future__ import annotations

from tests.conftest import shared_video
from tests.hard_cases.conftest import SOURCE, TRUE_CADENCE


def test_clean_clip_cadence_and_strides(tmp_path):
    from gaitvision.pipeline import analyze

    r = analyze([shared_video(SOURCE)], tmp_path / "out", render=False, workers=2).views[0]
    a = r.analysis
    assert abs(a.summary["cadence_spm"].both.mean / TRUE_CADENCE - 1) < 0.01
    for side in ("left", "right"):
        assert len(a.included(side)) >= 7, (side, [s.excluded for s in a.strides])
    assert a.summary["cadence_spm"].flag != "unreliable"

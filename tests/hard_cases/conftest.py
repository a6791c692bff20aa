"""Hard cases: degraded copies of the real side clip, made once per test session.

``tools/hard_cases.py`` writes them (25 fps, 30 deg oblique, heavy compression, 4x
slowed, and the clean segment they come from) into a temporary folder; each case is
analysed once (pose cached by content), without rendering.
"""

from __future__ import annotations

import importlib.util

import pytest

from tests.conftest import REPO, shared_video

SOURCE = "treadmill_side_male_30fps.mp4"
#: Cadence of the source clip measured from raw pixels (its ground-truth file).
TRUE_CADENCE = 168.9


@pytest.fixture(scope="session")
def hard_case_videos(tmp_path_factory):
    """name -> path of every hard case (skips when the real clip is absent)."""
    src = shared_video(SOURCE)
    spec = importlib.util.spec_from_file_location("tools_hard_cases",
                                                  REPO / "tools" / "hard_cases.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool.make_hard_cases(src, tmp_path_factory.mktemp("hard-cases"))


_RESULTS: dict = {}


@pytest.fixture(scope="session")
def hard_case(hard_case_videos, tmp_path_factory):
    """``hard_case(name, time_scale=1.0)`` -> the pipeline's ViewResult (once per session)."""
    from gaitvision.pipeline import analyze

    def run(name: str, time_scale: float = 1.0):
        key = (name, time_scale)
        if key not in _RESULTS:
            out = tmp_path_factory.mktemp(f"{name}-{time_scale:g}") / "result"
            _RESULTS[key] = analyze([hard_case_videos[name]], out, render=False, workers=2,
                                    time_scale=time_scale).views[0]
        return _RESULTS[key]

    return run

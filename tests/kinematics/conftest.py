"""Shared fixtures for the kinematics tests: synthetic runs and their truth."""

import pytest

from gaitvision.kinematics import analyze_gait
from tests.synthetic_runner import make_track


@pytest.fixture(scope="session")
def side_runs():
    """The same synthetic side-view run filmed at 240, 60 and 30 fps (10 s)."""
    out = {}
    for fps in (240, 60, 30):
        track, truth = make_track(fps=fps, duration_s=10.0)
        out[fps] = (track, truth, analyze_gait(track))
    return out

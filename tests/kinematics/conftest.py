"""Shared helpers for the kinematics tests: synthetic runs and their truth."""

import numpy as np
import pytest

from gaitvision.kinematics import analyze_gait
from gaitvision.kinematics.testing import make_track


def event_errors_ms(analysis, truth, kind=None):
    """Signed error (ms) of every detected event against the nearest true one."""
    out = []
    for e in analysis.events:
        if kind is not None and e.type != kind:
            continue
        cand = np.array([t for f, k, t in truth.events if f == e.foot and k == e.type])
        out.append(1000 * (e.time_s - cand[np.argmin(np.abs(cand - e.time_s))]))
    return np.array(out)


@pytest.fixture(scope="session")
def side_runs():
    """The same synthetic side-view run at 240, 60 and 30 fps (10 s)."""
    out = {}
    for fps in (240, 60, 30):
        track, truth = make_track(fps=fps, duration_s=10.0)
        out[fps] = (track, truth, analyze_gait(track))
    return out

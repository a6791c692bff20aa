"""Helpers for the kinematics tests."""

import numpy as np


def event_errors_ms(analysis, truth, kind=None):
    """Signed error (ms) of every detected event against the nearest true one."""
    out = []
    for e in analysis.events:
        if kind is not None and e.type != kind:
            continue
        cand = np.array([t for f, k, t in truth.events if f == e.foot and k == e.type])
        out.append(1000 * (e.time_s - cand[np.argmin(np.abs(cand - e.time_s))]))
    return np.array(out)

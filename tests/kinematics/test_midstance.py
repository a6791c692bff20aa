"""Rear view: midstances from the pelvis, on the parametric runner filmed from behind."""

import pytest

from gaitvision.kinematics.geometry import body_frame
from gaitvision.kinematics.midstance import midstances
from tests.synthetic_runner import make_track


@pytest.mark.parametrize("fps", [30, 60, 240])
def test_each_pelvis_low_is_a_midstance_of_the_right_foot(fps):
    track, truth = make_track(view="rear", fps=fps, duration_s=6.0)
    bf = body_frame(track.times, track.xy, track.visibility, track.frame_size, "rear", None)
    mids = midstances(bf.t, bf.p, stride_s=120.0 / 170.0)  # the runner takes 170 steps/min
    stances = []
    for foot in ("left", "right"):
        ics = [t for f, k, t in truth.events if f == foot and k == "IC"]
        tos = [t for f, k, t in truth.events if f == foot and k == "TO"]
        stances += [(foot, ic, min(t for t in tos if t > ic)) for ic in ics if any(t > ic for t in tos)]
    assert len(mids) >= len(stances) - 1
    for m in mids:
        owner = [(f, ic, to) for f, ic, to in stances if ic <= m.time_s <= to]
        if not owner:
            continue  # a low before the first or after the last whole stance
        foot, ic, to = owner[0]
        assert m.foot == foot
        # the parametric bounce is symmetric: its low sits mid-contact
        assert abs(m.time_s - (ic + to) / 2) < 0.5 / fps + 0.004
        a, b = m.window
        assert ic - 0.5 / fps <= bf.t[a + (b - a) // 5] and bf.t[b - 1 - (b - a) // 5] <= to + 0.5 / fps

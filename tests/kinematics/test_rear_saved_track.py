"""A small rendered rear clip, from its saved BlazePose track: every stride kept and timed.

``data/rear_640x360_30fps_s41.raw.npz`` is the raw BlazePose track of a ``gaitvision.synth``
render (``--seed 41 --views rear --fps 30 --duration 5 --orientation landscape --size
640x360``; 33 landmarks' image positions and visibilities, world and depth zeroed). Before
stances were centred on their midstances (``kinematics/midstance.py:steady_contacts``) the
pipeline kept 5 of its 10 strides found (single lift-off edges 50-170 ms after midstance,
true 127 ms: strides left out as irregular or implausible). The truth's ICs are below.
"""

from pathlib import Path

from gaitvision.kinematics import analyze_gait
from gaitvision.pose.track import PoseTrack
from gaitvision.pose.tracking import label_track, make_product
from gaitvision.settings import AnalysisSettings

TRACK = Path(__file__).parent / "data" / "rear_640x360_30fps_s41.raw.npz"
#: The render's truth (``*.truth.json``): ICs per foot (s) and the stride time.
TRUE_IC = {"left": [0.032, 0.738, 1.444, 2.150, 2.856, 3.562, 4.268],
           "right": [0.385, 1.091, 1.797, 2.503, 3.209, 3.915, 4.621]}
TRUE_STRIDE_S = 0.7059


def test_small_rear_render_keeps_every_stride_with_its_time():
    settings = AnalysisSettings()
    product = make_product(label_track(PoseTrack.load(TRACK)), settings.pose_stage)
    a = analyze_gait(product, contact_params=settings.contacts,
                     sequence_params=settings.sequence)
    assert a.view == "rear"
    kept = [s for s in a.strides if s.excluded is None]
    # 13 complete strides in the truth; the first starts at frame 1, its stance cut
    assert len(kept) >= 11 and len(kept) == len(a.strides)
    for s in kept:
        assert abs(s.duration_s - TRUE_STRIDE_S) < 1 / 30, s
        nearest = min(abs(ic - s.start_s) for ic in TRUE_IC[s.side])
        assert nearest < 0.05, (s.side, s.start_s)  # the stance's own IC, not a neighbour's
    assert abs(a.summary["cadence_spm"].both.mean - 120 / TRUE_STRIDE_S) < 1.0

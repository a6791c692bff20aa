"""Views and contact detectors as interchangeable objects, scored on the synthetic truth."""

import numpy as np
import pytest

from gaitvision.kinematics.detectors import BeltContactDetector, MidstanceContactDetector
from gaitvision.kinematics.foot_contacts import DepartureContactDetector
from gaitvision.kinematics.geometry import body_frame
from gaitvision.kinematics.views import RearView, SideView, view_for
from tests.synthetic_runner import make_track


def _ic_errors_ms(contacts, truth):
    err = []
    for foot, cs in contacts.items():
        true = np.array([t for f, k, t in truth.events if f == foot and k == "IC"])
        err += [1000 * (c.ic - true[np.argmin(np.abs(true - c.ic))]) for c in cs]
    return np.array(err)


def _frame(track):
    v = track.view
    return body_frame(track.times, track.xy, track.visibility, track.frame_size, v.view,
                      v.direction)


def test_view_classes_by_name():
    assert isinstance(view_for("side"), SideView) and not isinstance(view_for("side"), RearView)
    assert isinstance(view_for("rear"), RearView) and isinstance(view_for("front"), RearView)
    assert [view_for(v).name for v in ("side", "rear", "front")] == ["side", "rear", "front"]
    assert isinstance(view_for("side").detector(True), DepartureContactDetector)
    assert isinstance(view_for("rear").detector(True), MidstanceContactDetector)


def test_detectors_are_interchangeable_and_scored_on_truth():
    """The detectors run on the same side-view run; each is scored against the truth."""
    track, truth = make_track(fps=60, duration_s=8.0)
    bf = _frame(track)
    scores = {}
    for det in (BeltContactDetector(), BeltContactDetector(belt=False), MidstanceContactDetector(),
                DepartureContactDetector()):
        contacts = det.detect(bf, track.visibility, 0.7)
        err = _ic_errors_ms(contacts, truth)
        assert len(err) >= 8
        scores[type(det).__name__ + ("" if getattr(det, "belt", True) else "-height")] = \
            float(np.median(np.abs(err)))
    # the belt rule times IC within a third of a frame at 60 fps; the side view's
    # departure detector keeps its IC
    assert scores["BeltContactDetector"] < 1000 / 60 / 3, scores
    assert scores["DepartureContactDetector"] == scores["BeltContactDetector"], scores


def test_detector_parameters_live_in_init():
    from gaitvision.kinematics.events import ContactParams

    det = BeltContactDetector(ContactParams(min_window_s=0.08))
    assert det.params.min_window_s == 0.08
    assert SideView(ContactParams(min_window_s=0.08)).detector(True).params.min_window_s == 0.08


@pytest.mark.parametrize("view", ["side", "rear"])
def test_view_cadence_is_finite(view):
    from gaitvision.kinematics import analyze_gait

    track, _ = make_track(fps=60, duration_s=8.0, view=view)
    a = analyze_gait(track)
    assert a.view == view and np.isfinite(a.value("cadence_spm"))

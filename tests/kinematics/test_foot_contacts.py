"""The side view's departure contact detector: the edge fit, and toe-off on exact keypoints."""

import json

import numpy as np
import pytest

from gaitvision.kinematics.detectors import BeltContactDetector
from gaitvision.kinematics.events import ContactParams, line_edge, stance_exit
from gaitvision.kinematics.foot_contacts import DepartureContactDetector, departure_onset
from gaitvision.kinematics.geometry import body_frame
from tests.conftest import SAMPLE_VIDEOS
from tests.synthetic_runner import make_track
from tests.truth_track import truth_points

FPS = 60.0


def _departure(b: float, c: float, t0: float, step: int):
    """Samples at 60 fps of a residual leaving zero at ``t0`` as ``b s + c s^2``."""
    t = np.arange(0, 1.0, 1 / FPS)
    s = np.clip(step * (t - t0), 0.0, None)
    return t, b * s + c * s * s


@pytest.mark.parametrize("b,c", [(40.0, 0.0), (0.0, 2000.0), (20.0, 1000.0)])
@pytest.mark.parametrize("step", [1, -1])
def test_departure_onset_recovers_a_sub_frame_edge(b, c, step):
    t0 = 0.5123
    t, r = _departure(b, c, t0, step)
    k = int(np.floor(t0 * FPS)) + (1 if step > 0 else 0)  # first frame outside
    idx = np.arange(k - 2 * step, k + 3 * step, step)
    lo, hi = sorted((t[k - step] - step / FPS, t[k]))
    assert departure_onset(t[idx], r[idx], step, lo, hi) == pytest.approx(t0, abs=1e-3)


def test_a_line_times_an_accelerating_departure_late_and_the_detector_does_not():
    """A toe leaving from rest (b = 0): the straight line over the first frames outside
    meets zero late; the curved fit does not."""
    t0 = 0.5123
    t, r = _departure(0.0, 3000.0, t0, 1)
    params = ContactParams(delta_floor=1.0)
    norm = r / 0.2  # a threshold a little above zero, as on clean keypoints
    start = int(t0 * FPS) - 5
    line_t, _ = line_edge(t, norm, start, 1, 30, params, params.fit_noisy_s)
    fit_t, ok = DepartureContactDetector().edge(t, norm, start, 1, 30, params, 0.03)
    assert ok and abs(fit_t - t0) < 0.001
    assert line_t - t0 > 0.5 / FPS


def test_one_stance_exit_walk_for_both_edge_timings():
    """Both timings start from :func:`stance_exit`: a lone sample above the threshold is
    stance noise, the edge is the first sample that stays outside, and a foot unseen
    where it leaves gives no edge (for the line and the departure fit alike)."""
    t = np.arange(40) / FPS
    r = np.zeros(40)
    r[12] = 3.0                      # one noisy frame inside the stance
    r[20:] = np.arange(1, 21) * 1.5  # the toe leaves between frames 19 and 20
    params = ContactParams()
    assert stance_exit(t, r, 5, 1, 30, params) == (19, 20)
    assert stance_exit(t, r[::-1], 34, -1, 30, params) == (20, 19)
    unseen = r.copy()
    unseen[20] = np.nan
    assert stance_exit(t, unseen, 5, 1, 30, params) is None
    assert line_edge(t, unseen, 5, 1, 30, params, 0.03) == (None, False)
    assert DepartureContactDetector().edge(t, unseen, 5, 1, 30, params, 0.03) == (None, False)
    line_t, from_slope = line_edge(t, r, 5, 1, 30, params, 0.03)
    assert from_slope and t[19] <= line_t <= t[20]


def _sample_exact_frame():
    """Body frame of the committed side clip's exact joint pixels, and its truth."""
    path = SAMPLE_VIDEOS / "synthetic_side_60fps.truth.json"
    if not path.exists():
        pytest.skip(f"{path} is missing")
    truth = json.loads(path.read_text())
    times, xy, vis, direction = truth_points(truth)
    bf = body_frame(times, xy, vis, (truth["clip"]["width"], truth["clip"]["height"]), "side",
                    direction)
    return bf, vis, truth


def _to_errors_ms(contacts, truth) -> np.ndarray:
    err = []
    for s in truth["strides"]:
        if 0.2 < s["to_s"] < truth["clip"]["duration_s"] - 0.2:
            found = np.array([c.to for c in contacts[s["side"]]])
            err.append(1000 * (found[np.argmin(np.abs(found - s["to_s"]))] - s["to_s"]))
    return np.array(err)


def test_toe_off_on_exact_keypoints_of_the_rendered_runner():
    """On the rendered runner's exact joint pixels toe-off comes 1.2 ms late on average,
    at most 7.4 ms, under half a frame (the belt detector's line: 11 ms late on average;
    measured 2026-12-03); IC is the belt detector's."""
    bf, vis, truth = _sample_exact_frame()
    new = DepartureContactDetector().detect(bf, vis, 0.7)
    old = BeltContactDetector().detect(bf, vis, 0.7)
    err_new, err_old = _to_errors_ms(new, truth), _to_errors_ms(old, truth)
    assert len(err_new) >= 14
    assert abs(err_new.mean()) < 3.0 and np.abs(err_new).max() < 500 / FPS, np.round(err_new, 1)
    assert err_old.mean() > 8.0, np.round(err_old, 1)
    for foot in ("left", "right"):
        assert [c.ic for c in new[foot]] == [c.ic for c in old[foot]]


def test_below_three_frames_in_the_fit_span_the_line_is_kept():
    """At 30 fps three frames span 100 ms, longer than the toe's acceleration stays
    constant: the detector is then the belt detector."""
    track, _ = make_track(fps=30, duration_s=6.0)
    v = track.view
    bf = body_frame(track.times, track.xy, track.visibility, track.frame_size, v.view,
                    v.direction)
    new = DepartureContactDetector().detect(bf, track.visibility, 0.7)
    old = BeltContactDetector().detect(bf, track.visibility, 0.7)
    assert {f: [(c.ic, c.to) for c in cs] for f, cs in new.items()} == \
        {f: [(c.ic, c.to) for c in cs] for f, cs in old.items()}


def test_parameters_live_in_init():
    det = DepartureContactDetector(ContactParams(min_window_s=0.08), fit_s=0.05)
    assert det.params.min_window_s == 0.08 and det.fit_s == 0.05

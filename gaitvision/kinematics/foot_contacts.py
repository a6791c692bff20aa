"""Side-view foot contacts whose toe-off follows the toe's accelerating departure.

The belt detector (:class:`~.detectors.BeltContactDetector`, :mod:`.events`) finds each
stance where the foot rides the treadmill belt on a straight line, and times its edges
by following the first residuals outside the threshold back to zero along a straight
line: over 5 ms, or over 30 ms where keypoint noise sets the threshold (every real or
rendered clip; three frames at 60 fps). A straight line is right for a point whose
velocity jumps at the edge. That holds at IC, where the heel strikes the belt (the
impact stops it within a frame). It does not hold at toe-off: the toe is at rest on the
belt until it leaves, then accelerates away as the hip flexes the swing leg forward and
up. Handsaker et al. (2016) time toe-off at the onset of that acceleration (the peak of
the toe marker's vertical jerk, +2 ms from force plates over speeds and strike types);
Fellin et al. (2010) and DeWitt (2010) likewise found the toe's own motion the best
kinematic cue on a treadmill. A straight line through the first points of a bending
path meets zero too late: the belt detector's toe-off came out 11-16 ms late on exact
keypoints at 60 fps (contact time long, flight time short).

Here toe-off is fitted with the path of a point that leaves its stance line with a jump
in velocity *and* a constant acceleration, ``r(s) = b s + c s^2`` with ``s`` the time
since toe-off and ``b, c >= 0`` (``r = 0`` before), by least squares over the last
frames inside the stance and ``fit_s`` seconds after the first frame outside (at least
``min_fit_frames``); toe-off is searched between frames on a grid. With ``c = 0`` this is
the belt detector's line, with ``b = 0`` a lift from rest. The stance windows, the
residuals (toe height and toe forward position against their late-stance lines) and
their thresholds are the belt detector's. IC stays the belt detector's unless
``ic_departure`` is set (then the heel's approach is fitted the same way, backward).

Measured against synthetic truth with ``tools/contact_eval.py`` (2026-12-03; mean
absolute error of contact / flight time, ms, left / right, this detector vs the belt's).
On exact keypoints toe-off moves from 11-16 ms late to 1-3 ms at 60 fps. BlazePose on
the 60 fps renders: committed sample clip contact 1.9 / 4.8 (11.6 / 12.2), flight
3.2 / 0.4 (12.8 / 16.6) (re-measured on main at fa3b46c; 0.9 / 1.9 and 4.5 / 0.3 when
the detector was written); build renders d1, d2 contact 7.2 / 2.9 (5.1 / 6.1), flight
8.9 / 3.4 (3.3 / 8.1); held-apart renders h1, h2 contact 10.7 / 4.1 (22.7 / 13.4),
flight 3.7 / 10.7 (14.1 / 20.7), where h2's BlazePose toe still leaves 10 ms late (its
exact keypoints: 2 ms early). Fitting IC the same way (``ic_departure``) moved IC
4-10 ms late on the build renders and was left off. Three more held-apart renders
(declared before scoring, ``docs/contact-timing.md``): over h1, h2, h5, h7 contact
8.2 / 5.5, flight 7.0 / 7.7; on h6 BlazePose swapped the legs and the pipeline gives
no verdict on its timing (exact keypoints: within 1 ms). Rigid-foot, foot-triangle,
rolling-point, optical-flow and image-patch toes were tried against this fit there
and none beat it on the build renders.
Three frames after toe-off span 100 ms at 30 fps, longer than the toe's acceleration
stays constant (toe-off came 14 ms early on the parametric runner, 21 ms late on a
render), so below ``min_fit_frames`` frames in ``fit_s`` the line is kept: at 30 fps
this detector is the belt detector.

References
----------
Handsaker, J. C., Forrester, S. E., Folland, J. P., Black, M. I., Allen, S. J. (2016). A
kinematic algorithm to identify gait events during running at different speeds and with
different footstrike types. Journal of Biomechanics 49(16), 4128-4133.
Fellin, R. E., Rose, W. C., Royer, T. D., Davis, I. S. (2010). Comparison of methods for
kinematic identification of footstrike and toe-off during overground and treadmill
running. Journal of Science and Medicine in Sport 13(6), 646-650.
DeWitt, J. K. (2010). Determination of toe-off event time during treadmill locomotion
using kinematic data. Journal of Biomechanics 43(15), 3067-3069.
"""

from __future__ import annotations

import numpy as np

from gaitvision.kinematics.events import Contact, ContactParams, detect_contacts, line_edge, stance_exit
from gaitvision.kinematics.geometry import BodyFrame
from gaitvision.landmarks import SIDES


class DepartureContactDetector:
    """Side view on a treadmill: belt-line stances, toe-off on the toe's curved departure.

    Parameters
    ----------
    params : ContactParams, optional
        The belt detector's parameters (stance windows, residual thresholds, IC).
    belt : bool
        False when the runner moves across the frame (no treadmill): stances are then
        found from the foot's height alone.
    fit_s : float
        Span after the first frame outside the stance that the departure is fitted over (s).
    min_fit_frames : int
        Frames outside the stance that a curve needs (three); at frame rates where
        ``fit_s`` holds fewer (under 43 fps with the defaults) the edge is the belt
        detector's line.
    inside_frames : int
        Frames inside the stance (up to the last one under the threshold) in the fit.
    ic_departure : bool
        Fit the heel's approach at IC the same way (default: the belt detector's line,
        right for an impact).
    grid_steps : int
        Candidate edge times per frame interval.
    """

    def __init__(self, params: ContactParams | None = None, belt: bool = True,
                 fit_s: float = 0.035, min_fit_frames: int = 3, inside_frames: int = 2,
                 ic_departure: bool = False, grid_steps: int = 20):
        self.params = params or ContactParams()
        self.belt = belt
        self.fit_s = fit_s
        self.min_fit_frames = int(min_fit_frames)
        self.inside_frames = int(inside_frames)
        self.ic_departure = ic_departure
        self.grid_steps = int(grid_steps)

    def detect(self, bf: BodyFrame, visibility: np.ndarray, stride_s: float
               ) -> dict[str, list[Contact]]:
        """Stances of both feet."""
        return {f: detect_contacts(bf.t, bf.p, visibility, f, self.params, side_view=self.belt,
                                   edge=self.edge)
                for f in SIDES}

    def edge(self, t: np.ndarray, r: np.ndarray, start: int, step: int, reach: int,
             params: ContactParams, span: float) -> tuple[float | None, bool]:
        """One stance edge, walking from ``start`` outward (``step`` -1: IC, +1: TO).

        The walk of :func:`~.events.stance_exit` (the first frame whose normalised
        residual ``r`` exceeds 1 and stays above it for ``persist_s``), then timed by
        :func:`departure_onset` (toe-off, or IC with ``ic_departure``), falling back to
        the line when no departure fits.
        """
        dt = float(np.median(np.diff(t)))
        q = int(round(self.fit_s / dt)) + 1
        if (step < 0 and not self.ic_departure) or q < self.min_fit_frames:
            return line_edge(t, r, start, step, reach, params, span)
        found = stance_exit(t, r, start, step, reach, params)
        if found is None:
            return None, False
        last_in, j = found
        idx = np.arange(last_in - step * (self.inside_frames - 1), j + step * q, step)
        idx = idx[(idx >= 0) & (idx < len(r))]
        idx = idx[np.isfinite(r[idx])]
        lo, hi = sorted((float(t[last_in] - step * dt), float(t[j])))
        onset = departure_onset(t[idx], r[idx], step, lo, hi, self.grid_steps)
        if onset is None:
            return line_edge(t, r, start, step, reach, params, span)
        return onset, True


def departure_onset(t: np.ndarray, r: np.ndarray, step: int, lo: float, hi: float,
                    grid_steps: int = 20) -> float | None:
    """Edge ``t0`` in ``[lo, hi]`` of a departure ``r = b s + c s^2`` after it.

    ``s = step (t - t0)`` outside the stance (``r = 0`` inside), ``b, c >= 0``; least
    squares on a grid of ``grid_steps`` candidate times per frame interval. None with
    fewer than three samples or when no departure fits.
    """
    if len(t) < 3:
        return None
    dt = float(np.median(np.abs(np.diff(t))))
    if dt <= 0:
        return None
    best, best_t0 = np.inf, None
    for t0 in np.linspace(lo, hi, max(2, int(round((hi - lo) / dt * grid_steps)) + 1)):
        s = np.clip(step * (t - t0), 0.0, None)
        sse = _nonneg_fit_sse(np.column_stack([s, s * s]), r)
        if sse < best:
            best, best_t0 = sse, float(t0)
    return best_t0


def _nonneg_fit_sse(x: np.ndarray, y: np.ndarray) -> float:
    """Smallest squared error of ``y ~ x @ coef`` with positive coefficients: both of the
    two columns, or either alone (inf when none fits with a positive coefficient)."""
    best = np.inf
    for cols in ((0, 1), (0,), (1,)):
        xs = x[:, cols]
        coef = np.linalg.lstsq(xs, y, rcond=None)[0]
        if np.all(coef > 0):
            best = min(best, float(np.sum((y - xs @ coef) ** 2)))
    return best

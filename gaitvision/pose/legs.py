"""Left/right leg labels repaired as whole legs before timing the feet (side view).

BlazePose sometimes exchanges the two legs' labels for a few frames (on rendered runs,
typically just after the near foot lands). The pose stage's pairwise repair
(:func:`gaitvision.pose.identity.correct_leg_swaps`) tests each landmark pair on its
own and needs a jump at both ends of a swapped run; a swap that begins where the legs
cross, or whose jump is split over two frames, can slip through. Here the paired-jump
test looks at the whole leg at once, knee, ankle, heel and toe stacked into one vector,
so the evidence of all four adds up, and one clear end is enough. The threshold is in
leg lengths and the longest run in seconds, so it behaves alike at any resolution and
frame rate. On the real 30 fps side clip it changes nothing.

Single leg points that leave their own path for a few frames (a foot point put on the
other foot) are not a swap; :func:`bridge_leg_glitches` interpolates over them, in any
view.
"""

from __future__ import annotations

import numpy as np

from gaitvision.landmarks import ANKLE, HEEL, HIP, KNEE, TOE, leg_length_px
from gaitvision.pose.cleaning import bridge_glitches
from gaitvision.pose.track import PoseTrack

_L = [KNEE["left"], ANKLE["left"], HEEL["left"], TOE["left"]]
_R = [KNEE["right"], ANKLE["right"], HEEL["right"], TOE["right"]]


def leg_swap_states(xy: np.ndarray, leg_px: float, fps: float, jump_legs: float = 0.3,
                    max_swap_s: float = 0.35) -> np.ndarray:
    """Frames (bool, T) in which the two legs' labels are exchanged.

    Exchanging the labels over a run of frames ``[i, j)`` changes the leg's travel only
    at the run's two ends. A run is accepted when the travel it saves at its ends
    (summed over the leg's four points) exceeds ``jump_legs`` leg lengths; a run may
    begin or end where the legs cross (nothing saved at that end) as long as the other
    end saves it all. The best run is taken first, then the next, without overlaps.

    Parameters
    ----------
    xy : ndarray (T, 33, 2)
        Pixel positions.
    leg_px : float
        Leg length in pixels.
    fps : float
        Frame rate.
    jump_legs : float
        Travel (leg lengths) that exchanging the labels must save.
    max_swap_s : float
        Longest run that is exchanged.
    """
    t = len(xy)
    a = xy[:, _L].reshape(t, -1)
    b = xy[:, _R].reshape(t, -1)
    with np.errstate(invalid="ignore"):
        keep = np.linalg.norm(a[1:] - a[:-1], axis=1) + np.linalg.norm(b[1:] - b[:-1], axis=1)
        cross = np.linalg.norm(a[1:] - b[:-1], axis=1) + np.linalg.norm(b[1:] - a[:-1], axis=1)
    gain = np.where(np.isfinite(keep) & np.isfinite(cross), keep - cross, 0.0)  # frame k -> k+1
    gain = np.concatenate([[0.0], gain, [0.0]])  # gain[i]: exchanging from frame i on
    threshold = jump_legs * leg_px
    max_len = max(1, int(round(max_swap_s * fps)))
    runs = []
    for i in range(1, t):
        for j in range(i + 1, min(t, i + max_len) + 1):
            total = gain[i] + (gain[j] if j < t else 0.0)
            if total > threshold and min(gain[i], gain[j] if j < t else 0.0) > -0.1 * threshold:
                runs.append((total, i, j))
    swapped = np.zeros(t, bool)
    for _, i, j in sorted(runs, reverse=True):
        if not swapped[max(0, i - 1):min(t, j + 1)].any():
            swapped[i:j] = True
    return swapped


def unswap_legs(swapped: np.ndarray, *arrays: np.ndarray) -> None:
    """Exchange the leg labels in place in the given frames of (T, 33[, k]) arrays."""
    for arr in arrays:
        sub = arr[swapped]
        left, right = sub[:, _L].copy(), sub[:, _R].copy()
        sub[:, _L], sub[:, _R] = right, left
        arr[swapped] = sub


def repair_leg_swaps(ev_track: PoseTrack, track: PoseTrack) -> tuple[PoseTrack, PoseTrack, int]:
    """Exchange back whole legs whose labels the pose model swapped (:func:`leg_swap_states`).

    ``ev_track`` is searched; the same frames are exchanged in ``track`` (the track the
    angles come from) unless it is the same object. Returns both and the frame count.
    """
    leg = leg_length_px(ev_track.xy, ev_track.visibility)
    swapped = leg_swap_states(ev_track.xy, leg, ev_track.fps) if np.isfinite(leg) else None
    if swapped is None or not swapped.any():
        return ev_track, track, 0
    same = track is ev_track
    ev_track = ev_track.copy()
    unswap_legs(swapped, ev_track.xy, ev_track.visibility, ev_track.z, ev_track.world)
    if same:
        return ev_track, ev_track, int(swapped.sum())
    track = track.copy()
    unswap_legs(swapped, track.xy, track.visibility, track.z, track.world)
    return ev_track, track, int(swapped.sum())


def bridge_leg_glitches(ev_track: PoseTrack, glitch_legs: float = 0.25) -> tuple[PoseTrack, int]:
    """Leg points far off their own path for a few frames, interpolated over.

    Glitches are ``glitch_legs`` leg lengths from their moving median of 0.05 s either
    side (:func:`gaitvision.signal.glitches`). A quarter leg: on exact
    joint paths (the rendered sample clips; the parametric runner at 30-240 fps) real
    motion comes within 0.12 leg lengths of it, and the feet are further apart than a
    quarter leg around contact, where a foot point jumping to the other foot matters.
    """
    leg = leg_length_px(ev_track.xy, ev_track.visibility)
    if not np.isfinite(leg):
        return ev_track, 0
    points = _L + _R
    return bridge_glitches(ev_track, points, glitch_legs * leg)


# ------------------------------------------------------------------ whole-leg identity
def _seg(xy: np.ndarray, a: int, b: int) -> np.ndarray:
    return np.linalg.norm(xy[:, b] - xy[:, a], axis=1)


def _chain_cost(xy: np.ndarray, knees: tuple[int, int], med: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: summed and largest relative deviation of the thighs and shanks from
    their medians when the left and right legs use knees ``knees``."""
    devs = []
    for side, knee in zip(("left", "right"), knees):
        devs.append(np.abs(_seg(xy, HIP[side], knee) / med[("thigh", side)] - 1))
        devs.append(np.abs(_seg(xy, knee, ANKLE[side]) / med[("shank", side)] - 1))
    d = np.stack(devs, axis=1)
    return np.nansum(d, axis=1), np.nanmax(np.where(np.isfinite(d), d, 0.0), axis=1)


def _continuity_gain(xy: np.ndarray, points_l: list[int], points_r: list[int]) -> np.ndarray:
    """Per frame: how much exchanging these points' labels in that frame alone shortens
    their travel from the previous frame (positive: the exchange is more continuous)."""
    a, b = xy[:, points_l].reshape(len(xy), -1), xy[:, points_r].reshape(len(xy), -1)
    keep = np.linalg.norm(a[1:] - a[:-1], axis=1) + np.linalg.norm(b[1:] - b[:-1], axis=1)
    cross = np.linalg.norm(b[1:] - a[:-1], axis=1) + np.linalg.norm(a[1:] - b[:-1], axis=1)
    return np.concatenate([[0.0], np.nan_to_num(keep - cross)])


class MixedLegRelabeller:
    """Hip, knee, ankle, heel and toe of one leg labelled together (side view).

    The pose model can put one leg's knee with the other leg's ankle and foot: each
    landmark pair is then labelled right on its own, but the chain hip-knee-ankle joins
    the two legs, and the angles of that frame (knee flexion, tibia) are those of no
    leg. Bones keep their length: in such a frame the thighs and shanks are far from
    their lengths over the clip, and become normal when the knees are exchanged. Where
    exchanging the knees brings every thigh and shank within ``tol`` of its median,
    and lowers their summed deviation by at least ``margin``, the frame is relabelled:
    the knees are exchanged, or the ankle, heel and toe, whichever keeps the points on
    a more continuous path from the previous frame.

    Parameters
    ----------
    tol : float
        Largest relative segment-length deviation of an accepted relabelling.
    margin : float
        Least improvement of the summed relative deviation (four segments).
    """

    def __init__(self, tol: float = 0.25, margin: float = 0.4) -> None:
        self.tol = tol
        self.margin = margin

    def states(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Frames (bool, T) whose knees, and whose feet, are to be exchanged."""
        with np.errstate(invalid="ignore", divide="ignore"):
            med = {}
            for side in ("left", "right"):
                med[("thigh", side)] = np.nanmedian(_seg(xy, HIP[side], KNEE[side]))
                med[("shank", side)] = np.nanmedian(_seg(xy, KNEE[side], ANKLE[side]))
            cost0, worst0 = _chain_cost(xy, (KNEE["left"], KNEE["right"]), med)
            cost1, worst1 = _chain_cost(xy, (KNEE["right"], KNEE["left"]), med)
        mixed = (worst0 > self.tol) & (worst1 <= self.tol) & (cost1 < cost0 - self.margin)
        knee_gain = _continuity_gain(xy, [KNEE["left"]], [KNEE["right"]])
        foot_gain = _continuity_gain(xy, _L[1:], _R[1:])
        knees = mixed & (knee_gain >= foot_gain)
        return knees, mixed & ~knees

    def apply(self, track: PoseTrack) -> tuple[PoseTrack, int]:
        """A relabelled copy of ``track`` and the number of frames relabelled."""
        knees, feet = self.states(track.xy)
        n = int(knees.sum() + feet.sum())
        if n == 0:
            return track, 0
        out = track.copy()
        for arr in (out.xy, out.visibility, out.z, out.world):
            for mask, pts_l, pts_r in ((knees, [KNEE["left"]], [KNEE["right"]]),
                                       (feet, _L[1:], _R[1:])):
                sub = arr[mask]
                left, right = sub[:, pts_l].copy(), sub[:, pts_r].copy()
                sub[:, pts_l], sub[:, pts_r] = right, left
                arr[mask] = sub
        return out, n

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

from gaitvision.landmarks import ANKLE, HEEL, KNEE, TOE, leg_length_px
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

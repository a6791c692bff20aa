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
"""

from __future__ import annotations

import numpy as np

from gaitvision.landmarks import ANKLE, HEEL, KNEE, TOE

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

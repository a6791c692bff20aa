"""Left/right leg labels made continuous over time (side view), by a Viterbi search.

BlazePose can exchange the legs' labels for a stretch of frames. Each frame is either
labelled as given or with the legs exchanged; the labelling chosen minimises, over the
whole clip, the squared deviation of the knees, ankles, heels and toes from
constant-velocity motion (``2 x[t-1] - x[t-2]``, small for real motion even at 30 fps)
plus a fixed price for each change of labelling. A real swap shows as both legs jumping
into each other's place, which costs far more than the price; where the legs cross,
exchanging them costs nearly nothing either way and the price keeps the labels as they
were. Being a global optimum, it also finds swaps that begin or end while the legs
cross, which pairwise jump tests miss.

It is only meaningful when both legs are seen: a hidden far leg is guessed by the
model and jumps about on its own, which is not a label swap (:data:`MIN_VISIBILITY`).
"""

from __future__ import annotations

import numpy as np

from gaitvision.landmarks import ANKLE, HEEL, KNEE, TOE

_L = [KNEE["left"], ANKLE["left"], HEEL["left"], TOE["left"]]
_R = [KNEE["right"], ANKLE["right"], HEEL["right"], TOE["right"]]

#: Median visibility both legs need for the repair to run.
MIN_VISIBILITY = 0.85


def both_legs_seen(vis: np.ndarray) -> bool:
    """True when both legs' points are confidently seen (median visibility)."""
    return bool(min(np.median(vis[:, _L]), np.median(vis[:, _R])) >= MIN_VISIBILITY)


def leg_swap_states(xy: np.ndarray, leg_px: float, price_legs: float = 0.3) -> np.ndarray:
    """Frames (bool, T) whose leg labels should be exchanged.

    Parameters
    ----------
    xy : ndarray (T, 33, 2)
        Pixel positions (NaN where missing: no cost).
    leg_px : float
        Leg length in pixels; a change of labelling costs ``(price_legs * leg_px)**2``.
    """
    t = len(xy)
    if t < 3:
        return np.zeros(t, bool)
    lab = [xy[:, _L + _R], xy[:, _R + _L]]  # as given, exchanged
    price = (price_legs * leg_px) ** 2
    cost = np.array([[0.0, price], [price, 0.0]])  # [labelling at t-1, labelling at t]
    back = np.zeros((t, 2, 2), dtype=int)  # best labelling at t-2 for each (t-1, t)
    for i in range(2, t):
        new = np.full((2, 2), np.inf)
        for p in (0, 1):
            for c in (0, 1):
                for q in (0, 1):
                    d = lab[c][i] - (2 * lab[p][i - 1] - lab[q][i - 2])
                    v = cost[q, p] + float(np.nansum(d * d)) + (price if c != p else 0.0)
                    if v < new[p, c]:
                        new[p, c], back[i, p, c] = v, q
        cost = new
    states = np.zeros(t, dtype=int)
    p, c = np.unravel_index(int(np.argmin(cost)), (2, 2))
    states[-2], states[-1] = p, c
    for i in range(t - 1, 1, -1):
        states[i - 2] = back[i, states[i - 1], states[i]]
    swapped = states.astype(bool)
    if swapped.mean() > 0.5:  # the model's labels hold for most of the clip
        swapped = ~swapped
    return swapped


def unswap_legs(swapped: np.ndarray, *arrays: np.ndarray) -> None:
    """Exchange the leg labels in place in the given frames of (T, 33[, k]) arrays."""
    for arr in arrays:
        sub = arr[swapped]
        left, right = sub[:, _L].copy(), sub[:, _R].copy()
        sub[:, _L], sub[:, _R] = right, left
        arr[swapped] = sub

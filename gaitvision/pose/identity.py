"""Left/right identity: find and undo label swaps using continuity over time.

BlazePose names landmarks by the subject's own left and right. In side view the far
leg is often hidden and the model can swap the legs for a few frames; in rear view,
with the face hidden, it can take the back for the front and swap every left/right
label (mediapipe issue 3500; ``docs/metrics.md``, "Rear and front view").

Side view: each leg pair (knee, ankle, heel, toe) is checked for short runs where
both points jump into each other's place and back (:func:`swap_states`); exchanging
the labels inside such a run makes the trajectories continuous again, while a real
leg crossing, where the two points pass close by, is left alone.

Rear/front view: the runner's left is on image-left seen from behind and on
image-right seen from the front, so labels are checked against the image-x order of
shoulders and hips, smoothed over time.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter

from gaitvision.landmarks import BODY_PAIRS, INDEX, LR_SWAP
from gaitvision.pose.track import CleaningReport, PoseTrack
from gaitvision.signal import quiet_nan_warnings

#: Landmarks whose labels BlazePose swaps together: the knee, and the foot (ankle,
#: heel and toe move as one rigid unit, which makes a jump of the foot unmistakable).
_SWAP_UNITS = (("knee",), ("ankle", "heel", "foot_index"))


def _apply(track: PoseTrack, swap: np.ndarray) -> PoseTrack:
    out = track.copy()
    idx = np.asarray(LR_SWAP)
    for name in ("xy", "z", "visibility", "world"):
        arr = getattr(out, name)
        arr[swap] = arr[swap][:, idx]
    rep = out.cleaning or CleaningReport()
    rep.swaps_corrected += int(swap.sum())
    out.cleaning = rep
    return out


def swap_states(a: np.ndarray, b: np.ndarray, threshold: float, max_len: int) -> np.ndarray:
    """Frames where a left/right pair is exchanged: the cheapest labelling over time.

    Exchanging the labels between frames ``k`` and ``k+1`` changes the pair's travel
    there from ``keep[k]`` (each point to itself) to ``cross[k]`` (each to the other),
    and only there. A two-state Viterbi path (labels as given / exchanged) is solved
    exactly with, per change of state, the cost ``threshold / 2 - (keep - cross)``:
    a change is rewarded where both points jump into each other's place, cheap where
    they pass close by (a leg crossing: either labelling fits), and costly elsewhere. Each
    frame in the exchanged state also costs ``threshold / max_len``, so an exchanged
    run ends at the first place it can: a swap lasts a few frames, the model's own
    labelling holds for the rest.

    Parameters
    ----------
    a, b : ndarray, shape (T, 2) or (T, K, 2)
        Positions labelled left and right (K points moved as one unit, distances
        averaged over them).
    threshold : float
        Pixels of travel that identify a jump.
    max_len : int
        Frames of exchanged state that cost as much as one jump saves.

    Returns
    -------
    ndarray of bool, shape (T,)
    """
    t = len(a)
    states = np.zeros(t, bool)
    if t < 2:
        return states
    with np.errstate(invalid="ignore"):
        a = a.reshape(len(a), -1, 2)
        b = b.reshape(len(b), -1, 2)

        def dist(p, q):
            return np.linalg.norm(p - q, axis=-1).mean(axis=-1)

        keep = dist(a[1:], a[:-1]) + dist(b[1:], b[:-1])
        cross = dist(a[1:], b[:-1]) + dist(b[1:], a[:-1])
        apart = dist(a, b)
    gain = np.where(np.isfinite(keep) & np.isfinite(cross), keep - cross, 0.0)  # boundary k -> k+1
    # Where the points pass close by (a leg crossing) travel cannot tell the labellings
    # apart, and fast legs would even seem to favour exchanging: no reward there.
    close = ~(np.nan_to_num(np.minimum(apart[1:], apart[:-1]), nan=0.0) > threshold / 2)
    gain[close] = 0.0
    switch = threshold / 2 - gain
    stay_swapped = threshold / max(max_len, 1)
    cost = np.array([0.0, stay_swapped])
    back = np.zeros((t, 2), dtype=int)
    for k in range(1, t):
        # to state 0: from 0 (free) or from 1 (a switch); to state 1 likewise.
        from0 = cost + np.array([0.0, switch[k - 1]])
        from1 = cost + np.array([switch[k - 1], 0.0])
        back[k] = [int(np.argmin(from0)), int(np.argmin(from1))]
        cost = np.array([from0.min(), from1.min() + stay_swapped])
    s = int(np.argmin(cost))
    for k in range(t - 1, -1, -1):
        states[k] = bool(s)
        s = back[k, s]
    if states.mean() > 0.5:  # the labelling used most of the time is the model's own
        states = ~states
    return states


def correct_leg_swaps(track: PoseTrack, jump_bodies: float = 0.1,
                      swap_cost_s: float = 0.1) -> PoseTrack:
    """Undo left/right swaps of leg landmarks in a side-view track.

    The knee pair and the foot pair (ankle, heel and toe together) are checked on
    their own, because BlazePose often swaps the lower leg while keeping the hips.
    The model's own labelling is the default: exchanged runs are kept short.

    Parameters
    ----------
    track : PoseTrack
    jump_bodies : float
        Travel a correction must save, as a fraction of the body's height.
    swap_cost_s : float
        Seconds of exchanged labelling that cost as much as one jump saves: BlazePose's
        swaps last a few frames, so a run much longer than this needs several jumps
        to justify it.

    Returns
    -------
    PoseTrack
        Corrected copy; ``cleaning.swaps_corrected`` counts the frames with any
        landmark pair exchanged.
    """
    out = track.copy()
    threshold = jump_bodies * _body_height_px(track)
    max_len = max(1, int(round(swap_cost_s * track.fps)))
    any_swap = np.zeros(track.n_frames, bool)
    for unit in _SWAP_UNITS:
        left = [INDEX["left_" + p] for p in unit]
        right = [INDEX["right_" + p] for p in unit]
        st = swap_states(track.xy[:, left], track.xy[:, right], threshold, max_len)
        st &= track.detected
        for name in ("xy", "z", "visibility", "world"):
            arr = getattr(out, name)
            rows = np.flatnonzero(st)
            lv, rv = arr[np.ix_(rows, left)].copy(), arr[np.ix_(rows, right)].copy()
            arr[np.ix_(rows, left)], arr[np.ix_(rows, right)] = rv, lv
        any_swap |= st
    rep = out.cleaning or CleaningReport()
    rep.swaps_corrected += int(any_swap.sum())
    out.cleaning = rep
    return out


def correct_front_back_flips(track: PoseTrack, view: str, window_s: float = 0.5) -> PoseTrack:
    """Make rear/front-view labels agree with the image-x order of the body.

    Seen from behind, the runner's left shoulder and hip are on image-left; seen from
    the front, on image-right. Frames where the majority of shoulder/hip pairs say
    otherwise (smoothed over ``window_s``) get every left/right label exchanged.
    """
    expected = -1.0 if view == "rear" else 1.0  # sign of (left x - right x)
    pairs = [p for p in BODY_PAIRS if p[0] in (11, 23)]
    dx = np.stack([track.xy[:, a, 0] - track.xy[:, b, 0] for a, b in pairs], axis=1)
    vote = np.nansum(np.sign(dx), axis=1) * expected  # >0: labels agree
    size = max(1, int(round(window_s * track.fps)) | 1)
    vote = median_filter(vote, size=size, mode="nearest")
    swap = (vote < 0) & track.detected
    return _apply(track, swap)


def _body_height_px(track: PoseTrack) -> float:
    ys = track.xy[:, :, 1]
    with quiet_nan_warnings():
        h = np.nanmax(ys, axis=1) - np.nanmin(ys, axis=1)
    h = h[np.isfinite(h)]
    return float(np.median(h)) if h.size else float(track.frame_size[1]) / 2

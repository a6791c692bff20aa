"""Keep one subject: cut the track where the model jumps to another person.

In tracking mode BlazePose follows one person, but when it loses them it detects
afresh and may pick up somebody else (a second person on the next treadmill, a
passer-by). The track is cut into segments wherever the body centre jumps further
than a person can move between two frames; segments are chained when one continues
where the other ended, and the longest chain is kept. Frames of other chains are
marked missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitvision.landmarks import INDEX
from gaitvision.pose.track import PoseTrack
from gaitvision.signal import quiet_nan_warnings, runs

_TORSO = [INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip")]


@dataclass
class SubjectReport:
    """What subject selection found."""

    segments: int  # detected runs after cutting at jumps
    frames_dropped: int  # frames attributed to someone else
    other_people: bool


def _centre_and_size(track: PoseTrack) -> tuple[np.ndarray, np.ndarray]:
    with quiet_nan_warnings():
        c = np.nanmean(track.xy[:, _TORSO], axis=1)
        ys = track.xy[:, :, 1]
        size = np.nanmax(ys, axis=1) - np.nanmin(ys, axis=1)
    return c, size


def keep_main_subject(track: PoseTrack, max_jump_bodies: float = 0.35,
                      max_jump_s: float = 1.0) -> tuple[PoseTrack, SubjectReport]:
    """Drop frames that belong to somebody other than the main subject.

    Parameters
    ----------
    track : PoseTrack
    max_jump_bodies : float
        A jump of the torso centre larger than this fraction of the body height
        between consecutive detected frames starts a new segment; so does a change
        of body height by more than 40 %.
    max_jump_s : float
        Segments separated by a longer gap are never chained.

    Returns
    -------
    PoseTrack, SubjectReport
    """
    with quiet_nan_warnings():
        centre, size = _centre_and_size(track)
    det = track.detected & np.isfinite(centre[:, 0])
    seg_id = np.full(track.n_frames, -1)
    k = -1
    prev = None
    for i in np.flatnonzero(det):
        new = prev is None or i - prev > 1
        if not new:
            jump = np.linalg.norm(centre[i] - centre[prev]) / max(size[prev], 1.0)
            ratio = size[i] / max(size[prev], 1.0)
            new = jump > max_jump_bodies or not (0.6 < ratio < 1.0 / 0.6)
        if new:
            k += 1
        seg_id[i] = k
        prev = i
    n_seg = k + 1
    if n_seg <= 1:
        return track, SubjectReport(n_seg, 0, False)
    # Chain segments: each links to the later segment that starts nearest to where it ended.
    first = np.array([np.flatnonzero(seg_id == s)[0] for s in range(n_seg)])
    last = np.array([np.flatnonzero(seg_id == s)[-1] for s in range(n_seg)])
    length = np.array([(seg_id == s).sum() for s in range(n_seg)])
    best = length.astype(float).copy()
    nxt = np.full(n_seg, -1)
    for s in range(n_seg - 1, -1, -1):
        for u in range(s + 1, n_seg):
            gap_s = track.times[first[u]] - track.times[last[s]]
            if gap_s <= 0 or gap_s > max_jump_s:
                continue
            dist = np.linalg.norm(centre[first[u]] - centre[last[s]]) / max(size[last[s]], 1.0)
            if dist < max_jump_bodies * (1 + gap_s / 0.1) and length[s] + best[u] > best[s]:
                best[s] = length[s] + best[u]
                nxt[s] = u
    chain = []
    s = int(np.argmax(best))
    while s != -1:
        chain.append(s)
        s = int(nxt[s])
    keep = np.isin(seg_id, chain)
    drop = det & ~keep
    out = track.copy()
    out.xy[drop] = np.nan
    out.z[drop] = np.nan
    out.world[drop] = np.nan
    out.visibility[drop] = 0.0
    out.detected[drop] = False
    return out, SubjectReport(n_seg, int(drop.sum()), bool(drop.sum() > 0 and len(runs(drop))))

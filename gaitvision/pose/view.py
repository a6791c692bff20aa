"""Classify the camera view (side / rear / front) and, for side view, the direction.

From the keypoints alone:

- Side vs rear/front: seen side-on, the two shoulders and the two hips nearly overlap
  in x; seen from behind or in front they are a shoulder width apart. The ratio of
  their x separation to the trunk length decides.
- Rear vs front: BlazePose's depth estimate puts the nose beyond the ears when it
  sees the back of the head, and in front of them when it sees the face.
- Direction (side view): the toes point, and the nose sits, ahead of the heels and
  the ears in the direction the runner faces.
"""

from __future__ import annotations

import numpy as np

from gaitvision.landmarks import ANKLE, HEEL, HIP, SHOULDER, TOE
from gaitvision.pose.track import PoseTrack, ViewEstimate
from gaitvision.signal import quiet_nan_warnings

#: Ratio (shoulder and hip x separation / trunk length) below which a view is side-on
#: and above which it is rear/front; between the two the call has low confidence.
SIDE_BELOW = 0.25
FRONTAL_ABOVE = 0.45
_EARS = [7, 8]


def frontal_ratio(track: PoseTrack) -> float:
    """Median over frames of shoulder and hip x separation divided by trunk length."""
    xy = track.xy
    sh = np.abs(xy[:, SHOULDER["left"], 0] - xy[:, SHOULDER["right"], 0])
    hp = np.abs(xy[:, HIP["left"], 0] - xy[:, HIP["right"], 0])
    mid_sh = (xy[:, SHOULDER["left"]] + xy[:, SHOULDER["right"]]) / 2
    mid_hp = (xy[:, HIP["left"]] + xy[:, HIP["right"]]) / 2
    trunk = np.linalg.norm(mid_sh - mid_hp, axis=1)
    with np.errstate(all="ignore"):
        r = (sh + hp) / 2 / trunk
    r = r[np.isfinite(r)]
    return float(np.median(r)) if r.size else float("nan")


def rear_or_front(track: PoseTrack) -> tuple[str, float]:
    """Whether a frontal-plane view looks at the runner's back or face, and a confidence.

    BlazePose's world landmarks carry its depth estimate (z grows away from the
    camera). Seen from behind, the nose lies beyond the ears; seen from the front, in
    front of them. This is steadier than the face landmarks' visibility, which the
    model often reports as high even for the back of a head. The product films
    treadmill runs from the side or from behind, so an unclear case is called rear.
    """
    with quiet_nan_warnings():
        depth = track.world[:, 0, 2] - np.nanmean(track.world[:, _EARS, 2], axis=1)
    depth = depth[np.isfinite(depth)]
    if depth.size == 0:
        return "rear", 0.3
    med = float(np.median(depth))
    agree = float(np.mean(np.sign(depth) == np.sign(med)))
    view = "front" if med < -0.03 else "rear"
    strength = min(1.0, abs(med) / 0.08)
    return view, round(max(0.3, strength * agree), 3)


def facing_direction(track: PoseTrack) -> tuple[str, float]:
    """Direction a side-view runner faces in the image, and the share of votes for it."""
    xy = track.xy
    votes = []
    for side in ("left", "right"):
        votes.append(xy[:, TOE[side], 0] - xy[:, HEEL[side], 0])
        votes.append(xy[:, TOE[side], 0] - xy[:, ANKLE[side], 0])
    with quiet_nan_warnings():
        votes.append(xy[:, 0, 0] - np.nanmean(xy[:, _EARS, 0], axis=1))
    v = np.concatenate([np.sign(a[np.isfinite(a)]) for a in votes])
    if v.size == 0:
        return "left", 0.0
    share_right = float(np.mean(v > 0))
    return ("right", share_right) if share_right >= 0.5 else ("left", 1 - share_right)


def classify_view(track: PoseTrack, override: str | None = None,
                  direction: str | None = None) -> ViewEstimate:
    """Estimate the view of a track (or take the user's word for it).

    Parameters
    ----------
    track : PoseTrack
    override : {"side", "rear", "front"}, optional
        The user's view; confidence 1.
    direction : {"left", "right"}, optional
        The user's side-view direction.

    Returns
    -------
    ViewEstimate
    """
    ratio = frontal_ratio(track)
    if override is not None:
        view, conf, source = override, 1.0, "user"
    else:
        source = "auto"
        if not np.isfinite(ratio):
            view, conf = "side", 0.0
        elif ratio < SIDE_BELOW:
            view, conf = "side", min(1.0, 0.6 + (SIDE_BELOW - ratio) / SIDE_BELOW)
        elif ratio > FRONTAL_ABOVE:
            view, facing_conf = rear_or_front(track)
            conf = min(1.0, 0.6 + (ratio - FRONTAL_ABOVE)) * facing_conf
        else:
            view = "side" if ratio < (SIDE_BELOW + FRONTAL_ABOVE) / 2 else "rear"
            conf = 0.4
    if view != "side":
        return ViewEstimate(view=view, direction=None, confidence=round(conf, 3), source=source)
    if direction is not None:
        return ViewEstimate(view, direction, 1.0 if source == "user" else round(conf, 3), "user")
    facing, share = facing_direction(track)
    return ViewEstimate(view=view, direction=facing, confidence=round(min(conf, share), 3),
                        source=source)

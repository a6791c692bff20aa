"""BlazePose landmark indices and names (subject's own left/right, odd = left)."""

from __future__ import annotations

import numpy as np

NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist",
    "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index", "left_thumb",
    "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle", "left_heel", "right_heel", "left_foot_index", "right_foot_index",
)
N_LANDMARKS = len(NAMES)
INDEX = {name: i for i, name in enumerate(NAMES)}

NOSE = 0
SHOULDER = {"left": 11, "right": 12}
ELBOW = {"left": 13, "right": 14}
WRIST = {"left": 15, "right": 16}
HIP = {"left": 23, "right": 24}
KNEE = {"left": 25, "right": 26}
ANKLE = {"left": 27, "right": 28}
HEEL = {"left": 29, "right": 30}
TOE = {"left": 31, "right": 32}  # BlazePose "foot index"
SIDES = ("left", "right")


def _mirror_index(i: int) -> int:
    name = NAMES[i]
    if name.startswith("left_"):
        return INDEX["right_" + name[5:]]
    if name.startswith("right_"):
        return INDEX["left_" + name[6:]]
    if name == "mouth_left":
        return INDEX["mouth_right"]
    if name == "mouth_right":
        return INDEX["mouth_left"]
    return i


#: ``xy[:, LR_SWAP]`` exchanges every left landmark with its right partner.
LR_SWAP = tuple(_mirror_index(i) for i in range(N_LANDMARKS))

#: Left/right landmark pairs of the body below the head, used for identity checks.
BODY_PAIRS = tuple((INDEX["left_" + p], INDEX["right_" + p]) for p in (
    "shoulder", "elbow", "wrist", "hip", "knee", "ankle", "heel", "foot_index"))
LEG_PAIRS = tuple((INDEX["left_" + p], INDEX["right_" + p]) for p in (
    "hip", "knee", "ankle", "heel", "foot_index"))

#: Skeleton edges for drawing.
EDGES = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16), (11, 23), (12, 24), (23, 24),
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31), (24, 26), (26, 28), (28, 30),
    (30, 32), (28, 32), (0, 11), (0, 12),
)

#: Each leg's points below the hip (knee, ankle, heel, toe); their visibility judges how
#: well a leg was seen.
LEG_POINTS = {s: (KNEE[s], ANKLE[s], HEEL[s], TOE[s]) for s in SIDES}


def leg_length_px(xy: np.ndarray, vis: np.ndarray) -> float:
    """Leg length in pixels: 90th percentile of thigh plus of shank length.

    The high percentile takes the frames where each segment lies in the image plane
    (foreshortening only ever shortens a segment). The better-seen leg is used.
    """
    best, best_vis = float("nan"), -1.0
    for s in SIDES:
        thigh = np.linalg.norm(xy[:, KNEE[s]] - xy[:, HIP[s]], axis=1)
        shank = np.linalg.norm(xy[:, ANKLE[s]] - xy[:, KNEE[s]], axis=1)
        ok = np.isfinite(thigh) & np.isfinite(shank)
        if ok.sum() < 3:
            continue
        v = float(np.mean(vis[ok][:, LEG_POINTS[s]]))
        if v > best_vis:
            best_vis = v
            best = float(np.percentile(thigh[ok], 90) + np.percentile(shank[ok], 90))
    return best

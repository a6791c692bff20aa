"""Keypoint-name tables, one per model skeleton (Pose2Sim's habit).

gaitvision addresses keypoints by name (:data:`gaitvision.landmarks.INDEX`); a
:class:`~gaitvision.pose.track.PoseTrack` holds them in the order of
:data:`gaitvision.landmarks.NAMES`. A model whose skeleton is another one maps its
keypoints onto those names with its table here; names it does not have stay missing
(NaN, visibility 0), and the stages that need them say so.
"""

from __future__ import annotations

import numpy as np

from gaitvision.landmarks import INDEX, N_LANDMARKS, NAMES

#: skeleton name -> the model's keypoint names, in the model's output order.
SKELETONS: dict[str, tuple[str, ...]] = {
    "blazepose33": NAMES,
    # COCO-17 (MoveNet, RTMPose body, OpenPose-COCO): BlazePose names where they mean
    # the same point; COCO's eyes and ears map to BlazePose's; it has no heels or toes.
    "coco17": (
        "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder",
        "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
        "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    ),
}


def name_indices(skeleton: str) -> np.ndarray:
    """For each of the model's keypoints, its index in gaitvision's landmark order."""
    try:
        names = SKELETONS[skeleton]
    except KeyError:
        raise ValueError(f"unknown skeleton {skeleton!r}; known: {', '.join(SKELETONS)}") from None
    return np.array([INDEX[n] for n in names], dtype=int)


def to_landmarks(points: np.ndarray, skeleton: str, fill: float = np.nan) -> np.ndarray:
    """Place a model's keypoints (K, ...) into gaitvision's landmark order (33, ...).

    Landmarks the skeleton lacks are ``fill``.
    """
    points = np.asarray(points, dtype=float)
    out = np.full((N_LANDMARKS, *points.shape[1:]), fill, dtype=float)
    out[name_indices(skeleton)] = points
    return out

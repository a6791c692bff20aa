"""The runner's silhouette in chosen stretches of a clip (MediaPipe's segmentation mask).

Background subtraction does not work on a treadmill: the runner stays in place, so the
torso covers the same pixels in nearly every frame and a temporal median of the clip
is the torso itself. The person-segmentation head of MediaPipe BlazePose (``Pose``
with ``enable_segmentation=True``; Bazarevsky et al. 2020, "BlazePose: On-device
Real-time Body Pose tracking", arXiv:2006.10204) gives a per-pixel probability that
the pixel belongs to the person instead, from the same model files the pose stage
uses, so nothing new is downloaded.

Only the requested stretches of the clip are decoded (:func:`gaitvision.video.iter_frames`,
streamed, never the whole video in memory), in tracking mode within each stretch. Masks
are returned at the (possibly scaled-down) inference size with the scale to the
full-size upright frame, so callers can map between mask pixels and the track's
landmark pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaitvision.video import iter_frames


@dataclass
class SilhouetteFrame:
    """One frame's person mask.

    Attributes
    ----------
    index : int
        Source frame number.
    time_s : float
        Frame time, s.
    mask : ndarray (h, w) bool
        Person pixels at the inference size.
    scale : float
        Full-size pixels per mask pixel (landmark xy = mask xy * scale).
    """

    index: int
    time_s: float
    mask: np.ndarray
    scale: float


class PoseSegmentation:
    """Person masks from MediaPipe BlazePose's segmentation output.

    Parameters
    ----------
    threshold : float
        A pixel is the runner's where the mask's probability is at least this (0.5:
        the model's own decision boundary).
    max_side : int
        Frames are scaled down to at most this many pixels on the longer side before
        inference (the model works at 256 px internally; more only costs decoding).
    model_complexity : int
        BlazePose model (1 = "full", the pose stage's default; its file ships with
        mediapipe).
    """

    def __init__(self, threshold: float = 0.5, max_side: int = 640,
                 model_complexity: int = 1) -> None:
        self.threshold = threshold
        self.max_side = max_side
        self.model_complexity = model_complexity

    def masks(self, video: str | Path, spans: list[tuple[float, float]],
              full_width: int) -> Iterator[SilhouetteFrame]:
        """Masks of every frame in each ``(start_s, end_s)`` span, in order.

        ``full_width`` is the upright frame's width at full size (the track's
        ``frame_size[0]``), to give each mask its scale.
        """
        import mediapipe as mp  # slow import, only where needed

        for start_s, end_s in spans:
            pose = mp.solutions.pose.Pose(
                static_image_mode=False, model_complexity=self.model_complexity,
                smooth_landmarks=False, enable_segmentation=True, smooth_segmentation=False)
            with pose:
                for frame in iter_frames(video, start_s, end_s, max_side=self.max_side):
                    result = pose.process(frame.image)
                    if result.segmentation_mask is None:
                        continue
                    mask = np.asarray(result.segmentation_mask) >= self.threshold
                    yield SilhouetteFrame(frame.index, frame.time_s, mask,
                                          full_width / frame.image.shape[1])

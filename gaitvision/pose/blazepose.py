"""Run MediaPipe BlazePose (``mp.solutions.pose``) over a stream of frames.

Video (tracking) mode: after the first detection the model follows the person from
frame to frame, which is both faster and steadier than detecting in every frame.
Large frames are scaled down before inference: BlazePose works on a 256x256 crop of
the person, so a frame much larger than that only costs decoding and colour
conversion (see ``bench/bench_pose.py`` for the measurement).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from gaitvision.landmarks import N_LANDMARKS
from gaitvision.pose.models import verify_model
from gaitvision.video.ingest import Frame

#: Longer side, in pixels, that frames are scaled to before inference. Measured on the
#: synthetic side clip re-encoded at 1920x1080, against its exact joint positions: median
#: keypoint error 15.7 px when scaled to 1280 versus 15.9 px at full size (no loss),
#: while decoding and colour conversion cost about half as much.
DEFAULT_MAX_SIDE = 1280


@dataclass
class PoseSettings:
    """Parameters of the pose stage; part of the cache key.

    ``smooth_landmarks`` switches on mediapipe's landmark smoothing, a causal filter made
    for live display: it can only look back, so every landmark trails the body by a
    little, most where the motion turns quickly, as the knee does just before contact.
    gaitvision filters afterwards with zero lag (:mod:`gaitvision.pose.cleaning`; Winter's
    two-pass Butterworth) and times events on unfiltered positions, so it is off by
    default. Measured with it on: knee flexion at initial contact read 4.6-5.0 deg high
    on the rendered sample clip (0.8-3.0 deg without) and 4.8 deg higher on the real
    30 fps clip, in the direction a lag predicts (the knee is still extending there).
    """

    model: str = "blazepose_full"
    max_side: int = DEFAULT_MAX_SIDE
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    smooth_landmarks: bool = False  #: mediapipe's causal smoothing; off (see above)
    #: the model reads each frame mirrored left-right and its points are mapped back
    #: (x -> width - x; labels as the model gave them): a second reading for flip tests
    #: (:class:`gaitvision.evidence.pelvis.MirroredLevel`)
    mirrored: bool = False

    def key(self) -> str:
        """A stable string for cache keys."""
        return (f"{self.model}-s{self.max_side}-d{self.min_detection_confidence:g}"
                f"-t{self.min_tracking_confidence:g}" + ("" if self.smooth_landmarks else "-raw")
                + ("-mirrored" if self.mirrored else ""))


@dataclass
class FramePose:
    """Landmarks of one frame, in pixels of the full-size upright frame."""

    index: int
    time_s: float
    xy: np.ndarray  # (33, 2) NaN when not detected
    z: np.ndarray  # (33,)
    visibility: np.ndarray  # (33,)
    world: np.ndarray  # (33, 3)
    detected: bool


def run_blazepose(
    frames: Iterable[Frame],
    full_size: tuple[int, int],
    settings: PoseSettings | None = None,
    on_frame: Callable[[int], None] | None = None,
) -> list[FramePose]:
    """Estimate pose in each frame.

    Parameters
    ----------
    frames : iterable of Frame
        Upright RGB frames, possibly scaled down (coordinates are rescaled to
        ``full_size``).
    full_size : (int, int)
        (width, height) of the upright frame at full resolution.
    settings : PoseSettings, optional
    on_frame : callable, optional
        Called with the number of frames done after each frame (progress).

    Returns
    -------
    list of FramePose
        One per input frame, in order; frames without a person have ``detected=False``.
    """
    import mediapipe as mp  # slow import, so only where needed

    settings = settings or PoseSettings()
    model = verify_model(settings.model)
    width, height = full_size
    out: list[FramePose] = []
    pose = mp.solutions.pose.Pose(
        static_image_mode=False,
        model_complexity=model.model_complexity,
        smooth_landmarks=settings.smooth_landmarks,
        enable_segmentation=False,
        min_detection_confidence=settings.min_detection_confidence,
        min_tracking_confidence=settings.min_tracking_confidence,
        )
    with pose:
        for n, frame in enumerate(frames, start=1):
            result = pose.process(frame.image)
            out.append(_to_frame_pose(frame, result, width, height))
            if on_frame is not None:
                on_frame(n)
    return out


def _to_frame_pose(frame: Frame, result, width: int, height: int) -> FramePose:
    xy = np.full((N_LANDMARKS, 2), np.nan)
    z = np.full(N_LANDMARKS, np.nan)
    vis = np.zeros(N_LANDMARKS)
    world = np.full((N_LANDMARKS, 3), np.nan)
    lms = result.pose_landmarks
    if lms is not None:
        # Normalised coordinates are relative to the image given to the model, so
        # they map onto the full-size frame whatever the inference scale was.
        arr = np.array([(p.x, p.y, p.z, p.visibility) for p in lms.landmark])
        xy[:, 0] = arr[:, 0] * width
        xy[:, 1] = arr[:, 1] * height
        z[:] = arr[:, 2] * width
        vis[:] = arr[:, 3]
        if result.pose_world_landmarks is not None:
            world[:] = [(p.x, p.y, p.z) for p in result.pose_world_landmarks.landmark]
    return FramePose(index=frame.index, time_s=frame.time_s, xy=xy, z=z, visibility=vis,
                     world=world, detected=lms is not None)

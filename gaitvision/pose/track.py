"""The pose track: per-frame BlazePose landmarks of one runner, saved and reloaded.

A :class:`PoseTrack` is the hand-off between the pose stage and everything after
it. It can be saved to ``.npz`` (lossless) and exported as a tidy CSV, so that
kinematics and reports can be re-run without running pose again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from gaitvision.landmarks import N_LANDMARKS, NAMES
from gaitvision.video.ingest import VideoInfo

TRACK_FORMAT = "gaitvision.posetrack/1"


@dataclass
class ViewEstimate:
    """Camera view of the runner.

    Attributes
    ----------
    view : str
        ``"side"``, ``"rear"`` or ``"front"``.
    direction : str or None
        Side view only: ``"left"`` when the runner faces image-left, else ``"right"``.
    confidence : float
        0-1; 1.0 when the user set it.
    source : str
        ``"auto"`` or ``"user"``.
    """

    view: str
    direction: str | None
    confidence: float
    source: str = "auto"


@dataclass
class CleaningReport:
    """What cleaning did to a track, so results can state their own quality."""

    gaps_filled: int = 0
    frames_filled: int = 0
    long_gaps: list[tuple[int, int]] = field(default_factory=list)  # [start, end) frames left missing
    outliers_removed: int = 0
    cutoff_hz: float | None = None
    swaps_corrected: int = 0  # frames whose left/right labels were exchanged
    other_person_frames: int = 0  # detections dropped as belonging to someone else
    legs_relabelled: int = 0  # frames whose whole legs were exchanged back (side view)
    glitches_bridged: int = 0  # leg keypoints interpolated over (off their own path)
    # side view, where the model's leg labels followed image order and carried no identity:
    # how much larger (%) the near thigh was drawn when that named the legs
    # (pose.legs.NearLegBySize), or True in leg_identity_unknown when nothing could
    leg_identity_from_size_pct: float | None = None
    leg_identity_unknown: bool = False


@dataclass
class PoseTrack:
    """Per-frame 2D landmarks of one person.

    Attributes
    ----------
    times : ndarray, shape (T,)
        Presentation time of each frame, seconds from the clip's first frame.
    frame_index : ndarray of int, shape (T,)
        Index of each frame in the source video.
    xy : ndarray, shape (T, 33, 2)
        Landmark positions in pixels of the upright frame; NaN where missing.
    z : ndarray, shape (T, 33)
        BlazePose relative depth (same scale as x, hips ~0, smaller = nearer camera).
    visibility : ndarray, shape (T, 33)
        BlazePose visibility/confidence in [0, 1]; 0 where missing.
    world : ndarray, shape (T, 33, 3)
        BlazePose world landmarks in metres, hip-centred; NaN where missing.
    detected : ndarray of bool, shape (T,)
        True where the model found the person in that frame.
    frame_size : tuple of int
        (width, height) of the upright frame in pixels.
    video : VideoInfo
        Source clip.
    model : str
        Name of the pose model in the model registry (:mod:`gaitvision.pose.models`).
    view : ViewEstimate or None
        Filled in by :func:`gaitvision.pose.view.classify_view`.
    cleaning : CleaningReport or None
        Filled in by :func:`gaitvision.pose.cleaning.clean_track`.
    """

    times: np.ndarray
    frame_index: np.ndarray
    xy: np.ndarray
    z: np.ndarray
    visibility: np.ndarray
    world: np.ndarray
    detected: np.ndarray
    frame_size: tuple[int, int]
    video: VideoInfo
    model: str
    view: ViewEstimate | None = None
    cleaning: CleaningReport | None = None

    def __post_init__(self) -> None:
        t = len(self.times)
        if self.xy.shape != (t, N_LANDMARKS, 2):
            raise ValueError(f"xy must have shape ({t}, {N_LANDMARKS}, 2), got {self.xy.shape}")

    @property
    def n_frames(self) -> int:
        """Number of frames in the track."""
        return len(self.times)

    @property
    def fps(self) -> float:
        """Median frame rate from the timestamps."""
        dt = np.diff(self.times)
        return float(1.0 / np.median(dt)) if dt.size else float(self.video.fps)

    @property
    def detection_rate(self) -> float:
        """Share of frames in which the person was found."""
        return float(np.mean(self.detected)) if self.n_frames else 0.0

    def copy(self, **changes) -> PoseTrack:
        """A deep copy with the given fields replaced."""
        arrays = {k: getattr(self, k).copy() for k in
                  ("times", "frame_index", "xy", "z", "visibility", "world", "detected")}
        arrays.update(changes)
        return replace(self, **arrays)

    # ------------------------------------------------------------------ io
    def save(self, path: str | os.PathLike) -> Path:
        """Write the track to ``path`` (``.npz``), atomically."""
        path = Path(path)
        meta = {
            "format": TRACK_FORMAT,
            "frame_size": list(self.frame_size),
            "video": self.video.to_dict(),
            "model": self.model,
            "view": None if self.view is None else vars(self.view),
            "cleaning": None if self.cleaning is None else vars(self.cleaning),
        }
        tmp = path.with_name(path.name + ".part.npz")
        np.savez_compressed(
            tmp, times=self.times, frame_index=self.frame_index, xy=self.xy, z=self.z,
            visibility=self.visibility, world=self.world, detected=self.detected,
            meta=np.array(json.dumps(meta)),
        )
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> PoseTrack:
        """Read a track written by :meth:`save`."""
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta.get("format") != TRACK_FORMAT:
                raise ValueError(f"{path}: not a gaitvision pose track")
            cleaning = meta.get("cleaning")
            if cleaning is not None:
                cleaning["long_gaps"] = [tuple(g) for g in cleaning.get("long_gaps", [])]
            return cls(
                times=data["times"], frame_index=data["frame_index"], xy=data["xy"],
                z=data["z"], visibility=data["visibility"], world=data["world"],
                detected=data["detected"], frame_size=tuple(meta["frame_size"]),
                video=VideoInfo.from_dict(meta["video"]), model=meta["model"],
                view=None if meta.get("view") is None else ViewEstimate(**meta["view"]),
                cleaning=None if cleaning is None else CleaningReport(**cleaning),
            )

    def to_csv(self, path: str | os.PathLike) -> Path:
        """Tidy CSV: one row per frame and landmark, written atomically."""
        path = Path(path)
        tmp = path.with_name(path.name + ".part")
        t, n = self.n_frames, N_LANDMARKS
        frame = np.repeat(np.arange(t), n)
        # column by column (formatting each value on its own was most of the time)
        columns = [
            [str(int(v)) for v in self.frame_index[frame].tolist()],
            [f"{v:.6f}" for v in self.times[frame].tolist()],
            [str(j) for j in range(n)] * t,
            list(NAMES[:n]) * t,
            _fmt_column(self.xy[..., 0]), _fmt_column(self.xy[..., 1]), _fmt_column(self.z),
            [f"{v:.4f}" for v in self.visibility.ravel().tolist()],
            *(_fmt_column(self.world[..., k]) for k in range(3)),
            [str(int(bool(v))) for v in self.detected[frame].tolist()],
        ]
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write("frame,time_s,landmark,name,x_px,y_px,z,visibility,"
                     "world_x_m,world_y_m,world_z_m,detected\n")
            fh.writelines(",".join(row) + "\n" for row in zip(*columns, strict=True))
        os.replace(tmp, path)
        return path


def _fmt_column(values: np.ndarray) -> list[str]:
    """Every value with three decimals, row-major; empty where missing."""
    flat = np.asarray(values, float).ravel()
    out = [f"{v:.3f}" for v in flat.tolist()]
    for k in np.flatnonzero(~np.isfinite(flat)):
        out[k] = ""
    return out


def empty_track(n: int, video: VideoInfo, model: str, frame_size: tuple[int, int]) -> PoseTrack:
    """A track of ``n`` frames with nothing detected (filled in by the pose stage)."""
    return PoseTrack(
        times=np.zeros(n), frame_index=np.zeros(n, dtype=int),
        xy=np.full((n, N_LANDMARKS, 2), np.nan), z=np.full((n, N_LANDMARKS), np.nan),
        visibility=np.zeros((n, N_LANDMARKS)), world=np.full((n, N_LANDMARKS, 3), np.nan),
        detected=np.zeros(n, dtype=bool), frame_size=frame_size, video=video, model=model,
    )

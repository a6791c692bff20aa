"""Decode phone video one frame at a time, upright, with container timestamps.

PyAV (FFmpeg) decodes H.264, HEVC and VP9, exposes the display matrix that phones
use to mark a portrait recording stored landscape, and gives each frame its
presentation time, so variable-frame-rate and slow-motion (120/240 fps) files keep
their true times. Frames are yielded one by one: memory does not grow with the
length of the video.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import cv2
import numpy as np

from gaitvision.errors import VideoError

#: Shorter clips cannot hold the 7 steps per side that a stable average needs
#: (Dingenen 2018); a run at 150+ spm needs about 3 s for that.
MIN_DURATION_S = 2.0


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a clip, measured where it matters.

    Attributes
    ----------
    path : str
        The file as given.
    sha256 : str
        Content hash (keys the pose cache).
    codec : str
        Decoder name, e.g. ``"h264"``.
    width, height : int
        Size of the *upright* frame (after rotation).
    rotation : int
        Clockwise degrees applied to stored frames to make them upright (0/90/180/270).
    n_frames : int
        Frames that decode (counted, or estimated from duration when not counted).
    duration_s : float
        From the first to one frame past the last timestamp.
    fps : float
        Capture rate measured from timestamps (median frame interval).
    fps_nominal : float
        The rate the container advertises (slow-motion files often say 30).
    variable_frame_rate : bool
        True when frame intervals vary by more than 10 %.
    capture_fps : float or None
        The capture rate the phone wrote into the file's metadata, when it did (e.g.
        Android's ``com.android.capture.fps``): a slow-motion export stored at 30 fps
        says 120 or 240 here (:func:`slowed_by_metadata`).
    """

    path: str
    sha256: str
    codec: str
    width: int
    height: int
    rotation: int
    n_frames: int
    duration_s: float
    fps: float
    fps_nominal: float
    variable_frame_rate: bool
    capture_fps: float | None = None

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> VideoInfo:
        """Inverse of :meth:`to_dict`."""
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass
class Frame:
    """One decoded, upright RGB frame with its presentation time in seconds."""

    index: int
    time_s: float
    image: np.ndarray  # (H, W, 3) uint8 RGB, upright


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hash a file's content in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def _open(path: str | os.PathLike) -> av.container.InputContainer:
    p = Path(path)
    if not p.exists():
        raise VideoError(f"{p}: no such file; check the path.")
    if p.is_dir():
        raise VideoError(f"{p}: is a folder, not a video file; give the path of a video.")
    if not os.access(p, os.R_OK):
        raise VideoError(f"{p}: cannot be read (permission denied); check the file's permissions.")
    if p.stat().st_size == 0:
        raise VideoError(f"{p}: the file is empty; record or copy the video again.")
    try:
        container = av.open(str(p))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        if _looks_like_video_container(p):
            raise VideoError(
                f"{p}: the video is corrupt or truncated ({_short(exc)}); export or copy it again."
            ) from None
        raise VideoError(
            f"{p}: not a readable video ({_short(exc)}); upload an MP4 or MOV from a phone or camera."
        ) from None
    if not container.streams.video:
        kind = "an audio-only file" if container.streams.audio else "not a video"
        container.close()
        raise VideoError(f"{p}: {kind}, there is no video track; upload a video of the run.")
    stream = container.streams.video[0]
    if _is_still_image(container, stream):
        container.close()
        raise VideoError(f"{p}: is a still image, not a video; upload a video of the run.")
    return container


def _short(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc).split(":")[-1].strip() or type(exc).__name__
    return str(text).splitlines()[0][:80]


def _looks_like_video_container(path: Path) -> bool:
    """True when the file starts like MP4/MOV, Matroska/WebM or AVI."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    return head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free") or \
        head[:4] == b"\x1a\x45\xdf\xa3" or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")


_IMAGE_CODECS = {"mjpeg", "png", "bmp", "gif", "webp", "tiff", "jpeg2000", "jpegls", "heif"}


def _is_still_image(container, stream) -> bool:
    fmt = container.format.name or ""
    if "image2" in fmt or fmt.endswith("_pipe"):
        return True
    codec = stream.codec_context.name
    return codec in _IMAGE_CODECS and (stream.frames or 0) <= 1


def _upright_rotation(frame: av.VideoFrame) -> int:
    """Clockwise rotation that makes the stored frame upright.

    FFmpeg's display matrix gives the counter-clockwise angle the stored frame must
    be turned through (-90 for a typical portrait phone recording): turning it
    clockwise by minus that angle shows it as the phone saw it.
    """
    rotation = getattr(frame, "rotation", 0) or 0
    return int(round(-rotation)) % 360


def _rotate(image: np.ndarray, clockwise: int) -> np.ndarray:
    if clockwise == 0:
        return image
    return np.ascontiguousarray(np.rot90(image, k=-(clockwise // 90)))


def iter_frames(
    path: str | os.PathLike,
    start_s: float | None = None,
    end_s: float | None = None,
    *,
    max_side: int | None = None,
    frame_times: np.ndarray | None = None,
    fast_colour: bool = False,
) -> Iterator[Frame]:
    """Yield upright RGB frames of ``path`` one at a time.

    Parameters
    ----------
    path : path-like
        The video file.
    start_s, end_s : float, optional
        Keep frames whose presentation time lies in ``[start_s, end_s)`` (seconds
        from the first frame).
    max_side : int, optional
        Scale frames down (never up) so their longer side is at most this many
        pixels; decoding big frames straight to the smaller size saves real time.
    frame_times : ndarray, optional
        All frame times of the clip (:func:`read_frame_times`); with it, indices
        are exact even after seeking in a variable-frame-rate file.
    fast_colour : bool
        Convert 4:2:0 frames to RGB with OpenCV: about twice as fast as FFmpeg's
        converter and within about one level of it (chroma is upsampled differently).
        For frames that are drawn on and encoded again; the pose stage keeps FFmpeg's.

    Yields
    ------
    Frame
        ``index`` counts decoded frames from the first one in the file, so indices
        stay valid when trimming.

    Raises
    ------
    VideoError
        When the file cannot be decoded.
    """
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        t0 = None
        index = -1
        if start_s and start_s > 0:
            # Seek to the keyframe before start; indices are then counted from the
            # timestamps, which keeps them stable across workers.
            container.seek(int(start_s / stream.time_base), stream=stream, backward=True)
        try:
            for frame in container.decode(stream):
                if frame.pts is None:
                    continue
                t = float(frame.pts * stream.time_base)
                if t0 is None:
                    t0 = float((stream.start_time or 0) * stream.time_base)
                rel = t - t0
                if frame_times is not None:
                    index = max(int(np.argmin(np.abs(frame_times - rel))), index + 1)
                elif start_s:
                    index = _frame_index(rel, stream, index)
                else:
                    index += 1
                if start_s is not None and rel < start_s - 1e-6:
                    continue
                if end_s is not None and rel >= end_s - 1e-6:
                    break
                rot = _upright_rotation(frame)
                w, h = frame.width, frame.height
                if max_side and max(w, h) > max_side:
                    scale = max_side / max(w, h)
                    w, h = int(round(w * scale / 2) * 2), int(round(h * scale / 2) * 2)
                    image = frame.to_ndarray(format="rgb24", width=w, height=h)
                elif fast_colour and frame.format.name == "yuv420p":
                    image = cv2.cvtColor(frame.to_ndarray(format="yuv420p"),
                                         cv2.COLOR_YUV2RGB_I420)
                else:
                    image = frame.to_ndarray(format="rgb24")
                yield Frame(index=index, time_s=rel, image=_rotate(image, rot))
        except av.error.FFmpegError as exc:
            raise VideoError(
                f"{path}: the video is corrupt or truncated ({_short(exc)}); "
                "export or copy it again."
            ) from None
    finally:
        container.close()


def _frame_index(rel_t: float, stream, previous: int) -> int:
    """Frame number from the timestamp (stable under seeking), strictly increasing."""
    rate = float(stream.average_rate or stream.guessed_rate or 30)
    guess = int(round(rel_t * rate))
    return max(guess, previous + 1)


def read_frame_times(path: str | os.PathLike) -> np.ndarray:
    """Presentation time of every frame, seconds from the first, from packets only."""
    return _packet_times(path, keyframes_only=False)


def read_keyframe_times(path: str | os.PathLike) -> np.ndarray:
    """Presentation times of the key frames (where decoding can start after a seek)."""
    return _packet_times(path, keyframes_only=True)


def _packet_times(path: str | os.PathLike, keyframes_only: bool) -> np.ndarray:
    container = _open(path)
    try:
        stream = container.streams.video[0]
        tb = float(stream.time_base)
        t0 = float(stream.start_time or 0) * tb
        pts = [p.pts for p in container.demux(stream) if p.pts is not None and p.size > 0
               and (p.is_keyframe or not keyframes_only)]
    finally:
        container.close()
    return np.sort(np.asarray(pts, dtype=float)) * tb - t0


#: Metadata keys where phones write the capture rate of a (slow-motion) recording.
CAPTURE_FPS_KEYS = ("com.android.capture.fps", "com.apple.quicktime.capture-fps",
                    "com.apple.quicktime.camera.capture-fps", "capture_fps", "capture-fps")


def capture_fps_tag(container, stream) -> float | None:
    """Capture rate from the container's or stream's metadata tags, if a phone wrote one."""
    for tags in (stream.metadata, container.metadata):
        for key, value in tags.items():
            if key.lower() in CAPTURE_FPS_KEYS:
                try:
                    fps = float(str(value).strip())
                except ValueError:
                    continue
                if 1.0 < fps < 2000.0:
                    return fps
    return None


def slowed_by_metadata(info: VideoInfo) -> float | None:
    """How many times slower than real time the file plays, from its capture-rate tag.

    A phone's slow-motion export records at 120/240 fps and stores the frames at 30 fps:
    the tag says 240 while the timestamps say 30, so the motion plays 8x slower. None
    when no tag or when the file plays at its capture rate.
    """
    if not info.capture_fps or not info.fps:
        return None
    factor = info.capture_fps / info.fps
    return round(factor, 2) if factor > 1.2 else None


def probe_video(path: str | os.PathLike, *, hash_content: bool = True) -> VideoInfo:
    """Read a clip's metadata and measure its real frame rate from timestamps.

    Decodes packets' timestamps only (no pixels), so it is fast even for long clips.

    Raises
    ------
    VideoError
        Not a video, an image, audio only, corrupt, no frames, or shorter than
        :data:`MIN_DURATION_S`.
    """
    container = _open(path)
    try:
        stream = container.streams.video[0]
        codec = stream.codec_context.name
        pts = []
        rotation = 0
        decoded_one = False
        try:
            for packet in container.demux(stream):
                if packet.pts is not None and packet.size > 0:
                    pts.append(packet.pts)
                if not decoded_one and packet.size > 0:
                    for frame in packet.decode():
                        rotation = _upright_rotation(frame)
                        decoded_one = True
                        break
        except av.error.FFmpegError as exc:
            raise VideoError(
                f"{path}: the video is corrupt or truncated ({_short(exc)}); export or copy it again."
            ) from None
        if not pts or not decoded_one:
            raise VideoError(f"{path}: the video has no decodable frames; record or export it again.")
        start = float((stream.start_time or 0) * stream.time_base)
        times = np.sort(np.asarray(pts, dtype=float)) * float(stream.time_base) - start
        dt = np.diff(times)
        dt = dt[dt > 0]
        median_dt = float(np.median(dt)) if dt.size else 1 / float(stream.average_rate or 30)
        fps = 1.0 / median_dt
        vfr = bool(dt.size and (np.percentile(dt, 95) > 1.1 * median_dt
                                or np.percentile(dt, 5) < 0.9 * median_dt))
        duration = float(times[-1] - times[0] + median_dt)
        w, h = stream.codec_context.width, stream.codec_context.height
        if rotation in (90, 270):
            w, h = h, w
        info = VideoInfo(
            path=str(path),
            sha256=file_sha256(path) if hash_content else "",
            codec=codec,
            width=int(w),
            height=int(h),
            rotation=rotation,
            n_frames=len(times),
            duration_s=duration,
            fps=round(fps, 3),
            fps_nominal=float(stream.average_rate or 0),
            variable_frame_rate=vfr,
            capture_fps=capture_fps_tag(container, stream),
        )
    finally:
        container.close()
    if info.n_frames < 2 or info.duration_s < MIN_DURATION_S:
        raise VideoError(
            f"{path}: the clip is only {info.duration_s:.1f} s long; film at least "
            f"{MIN_DURATION_S:.0f} s (10-20 s of steady running is best)."
        )
    return info

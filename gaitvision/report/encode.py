"""H.264 MP4 writing with PyAV: browser- and phone-friendly, written atomically.

Every file is H.264 (libx264), ``yuv420p``, with the ``moov`` atom at the front
(``movflags=+faststart``) so that a browser starts playing before the whole file has
arrived. Files are written under a temporary name in the target folder and moved into
place when complete, so a reader never sees half a video.

Slow motion re-times the *same* encoded packets (:func:`remux_retimed`): no frame is
invented and no frame is encoded twice. A clip of ``n`` frames at ``fps`` becomes ``n``
frames at ``fps * factor``, lasting ``duration / factor``.
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

#: x264 settings: "ultrafast" keeps rendering well under the pose stage's time on two
#: cores (about 3x faster than "veryfast"); CRF 26 keeps a 12 s 720p clip near 5 MB.
PRESET = "ultrafast"
CRF = 26


def rate_fraction(fps: float) -> Fraction:
    """A frame rate as an exact fraction (29.97 -> 30000/1001, 7.5 -> 15/2)."""
    return Fraction(float(fps)).limit_denominator(1001)


def even_size(width: int, height: int) -> tuple[int, int]:
    """yuv420p needs even dimensions: round each down to even."""
    return int(width) // 2 * 2, int(height) // 2 * 2


def _tmp_path(path: Path) -> Path:
    return path.with_name(f".{path.stem}.part{path.suffix}")


def rgb_to_i420(image: np.ndarray) -> np.ndarray:
    """Planar 4:2:0 YUV (BT.601, limited range, as FFmpeg's default) of an RGB frame.

    OpenCV's converter is about twice as fast as letting libswscale do it inside the
    encoder, which was a third of the video pass.
    """
    return cv2.cvtColor(image, cv2.COLOR_RGB2YUV_I420)


class H264Writer:
    """Write RGB frames to an H.264 MP4 at a constant frame rate, atomically.

    Parameters
    ----------
    path : path-like
        Final file name (``.mp4``).
    width, height : int
        Frame size; odd sizes are cropped by one pixel.
    fps : float
        Frame rate. A frame written with ``time_s`` gets the pts nearest that time on
        the ``1/fps`` grid (never earlier than the previous frame's next slot), so
        dropped source frames keep the timing right.

    zero_based : bool
        Store timestamps from 0 and keep the first frame's slot in ``first_pts`` (units
        of ``1/fps``): a part of a longer video, placed exactly by
        :func:`concat_packets` (an MP4 start offset is rounded to the millisecond).

    Use as a context manager: the file appears under ``path`` only when the block
    finishes without an exception.
    """

    def __init__(self, path: str | os.PathLike, width: int, height: int, fps: float,
                 *, crf: int = CRF, preset: str = PRESET, zero_based: bool = False) -> None:
        self.path = Path(path)
        self.zero_based = zero_based
        self.first_pts: int | None = None
        self.tmp = _tmp_path(self.path)
        self.width, self.height = even_size(width, height)
        self.rate = rate_fraction(fps)
        self.n_frames = 0
        self._last_pts = -1
        self._container = av.open(str(self.tmp), mode="w", format="mp4",
                                  options={"movflags": "+faststart"})
        stream = self._container.add_stream("libx264", rate=self.rate)
        stream.width, stream.height = self.width, self.height
        stream.pix_fmt = "yuv420p"
        stream.time_base = 1 / self.rate
        stream.codec_context.time_base = 1 / self.rate
        stream.options = {"preset": preset, "crf": str(crf)}
        self._stream = stream

    def write(self, image: np.ndarray, time_s: float | None = None) -> None:
        """Encode one RGB frame (``uint8`` (H, W, 3))."""
        if image.shape[0] != self.height or image.shape[1] != self.width:
            image = image[: self.height, : self.width]
        image = np.ascontiguousarray(image)
        if time_s is None:
            pts = self._last_pts + 1
        else:
            pts = max(self._last_pts + 1, int(round(float(time_s) * self.rate)))
        # wraps the converted planes without a copy (x264 copies its input when encoding)
        frame = av.VideoFrame.from_numpy_buffer(rgb_to_i420(image), format="yuv420p")
        if self.first_pts is None:
            self.first_pts = pts
        frame.pts = pts - self.first_pts if self.zero_based else pts
        self._last_pts = pts
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.n_frames += 1

    def close(self) -> Path:
        """Flush the encoder and move the file into place."""
        if self._container is None:
            return self.path
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
        self._container = None
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Drop the partial file."""
        if self._container is not None:
            with contextlib.suppress(Exception):  # the file is discarded anyway
                self._container.close()
            self._container = None
        self.tmp.unlink(missing_ok=True)

    def __enter__(self) -> H264Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def remux_retimed(src: str | os.PathLike, dst: str | os.PathLike, factor: float) -> Path:
    """Copy ``src``'s H.264 packets into ``dst`` playing ``factor`` times as fast.

    ``factor`` 0.25 makes a 4x slow motion: every frame is kept (none invented, none
    re-encoded), the frame rate becomes ``fps * factor`` and the duration
    ``duration / factor``. The timestamps are unchanged; only the time base is
    stretched, so the result is exact.
    """
    return concat_packets([src], dst, factor)


def concat_packets(parts: list, dst: str | os.PathLike, factor: float = 1.0,
                   starts: list[Fraction] | None = None) -> Path:
    """Join MP4 parts encoded with the same settings into ``dst``, without re-encoding.

    Each part keeps its own timestamps, shifted by its entry in ``starts`` (seconds;
    for parts written with ``zero_based``), so the parts must be given in time order
    and must not overlap. ``factor`` plays
    the result that many times as fast (see :func:`remux_retimed`). Every part starts
    with an IDR frame, and the same encoder settings give the same parameter sets, so
    the first part's decoder configuration serves them all.
    """
    dst = Path(dst)
    if not factor > 0:
        raise ValueError("factor must be positive")
    stretch = Fraction(float(factor)).limit_denominator(1000)
    tmp = _tmp_path(dst)
    try:
        with av.open(str(parts[0])) as first, av.open(str(tmp), mode="w", format="mp4",
                                                      options={"movflags": "+faststart"}) as out:
            template = first.streams.video[0]
            ost = out.add_stream_from_template(template)
            tb = template.time_base / stretch
            ost.time_base = tb
            base = Fraction(template.time_base)
            for part, start in zip(parts, starts or [Fraction(0)] * len(parts), strict=True):
                _copy_packets(part, base, round(Fraction(start) / base), ost, tb, out)
        os.replace(tmp, dst)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dst


def _copy_packets(part, base: Fraction, shift: int, ost, tb: Fraction, out) -> None:
    """Mux one part's packets, timestamps rescaled to ``base`` and moved by ``shift``."""
    with av.open(str(part)) as inp:
        ist = inp.streams.video[0]
        k = Fraction(ist.time_base) / base
        for packet in inp.demux(ist):
            if packet.dts is None and packet.pts is None:
                continue
            if k != 1 or shift:
                packet.pts = None if packet.pts is None else round(packet.pts * k) + shift
                packet.dts = None if packet.dts is None else round(packet.dts * k) + shift
            packet.stream = ost
            packet.time_base = tb
            out.mux(packet)


def video_facts(path: str | os.PathLike) -> dict:
    """Codec, pixel format, frame count, fps and duration of an MP4 (for tests and README)."""
    with av.open(str(path)) as c:
        st = c.streams.video[0]
        n = sum(1 for p in c.demux(st) if p.size > 0)
        dur = float(st.duration * st.time_base) if st.duration else float(c.duration or 0) / 1e6
        return {"codec": st.codec_context.name, "pix_fmt": st.codec_context.pix_fmt,
                "width": st.codec_context.width, "height": st.codec_context.height,
                "frames": n, "fps": float(st.average_rate or 0), "duration_s": dur}

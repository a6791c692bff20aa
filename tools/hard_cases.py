"""Hard cases made from a clean side-on clip: what ordinary phone footage does to it.

Each case is a short segment of the source clip, degraded one way:

``clean``
    The segment as it is (re-encoded losslessly enough to be the baseline).
``fps25``
    Decimated to 25 fps (each output frame is the source frame nearest its time).
``oblique30``
    A perspective warp that shows the runner's sagittal plane as a camera 30 deg off
    side-on would: the plane is turned about a vertical axis through the image centre
    and projected with a phone-like focal length (about 65 deg field of view across
    the longer side). Out-of-plane depth is not recreated, the plane's foreshortening
    and keystone are.
``compressed``
    Re-encoded at H.264 CRF 36 (about 0.4 Mbit/s here): blocky, smeared edges, as a
    messaging app delivers a clip.
``slow4x``
    The motion slowed 4x at the same frame rate, as a phone's slow-motion export:
    output frame k shows source time k / (4 fps), each source frame repeated.

Usage::

    python tools/hard_cases.py SOURCE.mp4 OUT_DIR [--start 2 --duration 7]

The pytest fixture ``hard_cases`` (tests/hard_cases/conftest.py) calls
:func:`make_hard_cases` once per session.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import cv2
import numpy as np

CASES = ("clean", "fps25", "oblique30", "compressed", "slow4x")
#: Time-stretch factor of the slowed case.
SLOW_FACTOR = 4
#: Yaw of the oblique case (deg).
OBLIQUE_DEG = 30.0


def read_segment(src: Path, start_s: float, duration_s: float) -> tuple[list[np.ndarray], float]:
    """Upright RGB frames of ``[start_s, start_s + duration_s)`` and the clip's frame rate."""
    from gaitvision.video.ingest import iter_frames, probe_video

    fps = probe_video(src, hash_content=False).fps
    frames = [f.image for f in iter_frames(src)
              if start_s <= f.time_s < start_s + duration_s]
    return frames, fps


def write_h264(path: Path, frames: Iterator[np.ndarray], fps: float, crf: int = 18) -> Path:
    """Encode RGB frames to an H.264 MP4 (yuv420p), deterministic (one thread)."""
    from fractions import Fraction

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".partial.mp4")
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(round(fps * 1000), 1000))
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast", "threads": "1"}
        stream.thread_count = 1
        first = True
        for img in frames:
            if first:
                h, w = img.shape[:2]
                stream.width, stream.height = w - w % 2, h - h % 2
                first = False
            img = np.ascontiguousarray(img[:stream.height, :stream.width])
            for pkt in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)
    tmp.replace(path)
    return path


def oblique_homography(width: int, height: int, yaw_deg: float,
                       fov_deg: float = 65.0) -> np.ndarray:
    """Homography showing the image plane turned by ``yaw_deg`` about a vertical axis.

    The image is taken as a plane at depth ``f`` (focal length from ``fov_deg`` across
    the longer side); it is rotated about the vertical line through its centre and
    projected again with the same camera. The result is scaled back to fill the same
    height, so the runner keeps roughly her size in pixels.
    """
    f = 0.5 * max(width, height) / math.tan(math.radians(fov_deg) / 2)
    cx, cy = width / 2, height / 2
    th = math.radians(yaw_deg)
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    dst = []
    for x, y in src:
        X, Y = x - cx, y - cy
        Xr, Zr = X * math.cos(th), f + X * math.sin(th)
        dst.append([f * Xr / Zr, f * Y / Zr])
    dst = np.array(dst, np.float32)
    scale = height / (dst[:, 1].max() - dst[:, 1].min())
    dst = dst * scale + np.array([cx, cy], np.float32)
    return cv2.getPerspectiveTransform(src, dst)


def _warp(frames, yaw_deg: float):
    h, w = frames[0].shape[:2]
    H = oblique_homography(w, h, yaw_deg)
    for img in frames:
        yield cv2.warpPerspective(img, H, (w, h), flags=cv2.INTER_LINEAR,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=(40, 40, 40))


def _decimate(frames, fps_in: float, fps_out: float):
    n_out = int(len(frames) * fps_out / fps_in)
    for k in range(n_out):
        yield frames[min(len(frames) - 1, int(round(k * fps_in / fps_out)))]


def _stretch(frames, factor: int):
    for img in frames:
        for _ in range(factor):
            yield img


def make_case(name: str, frames: list[np.ndarray], fps: float, out: Path) -> Path:
    """Write one hard case ``name`` (see :data:`CASES`) of ``frames`` to ``out``."""
    makers: dict[str, Callable[[], Path]] = {
        "clean": lambda: write_h264(out, iter(frames), fps, crf=16),
        "fps25": lambda: write_h264(out, _decimate(frames, fps, 25.0), 25.0, crf=18),
        "oblique30": lambda: write_h264(out, _warp(frames, OBLIQUE_DEG), fps, crf=18),
        "compressed": lambda: write_h264(out, iter(frames), fps, crf=36),
        "slow4x": lambda: write_h264(out, _stretch(frames, SLOW_FACTOR), fps, crf=20),
    }
    return makers[name]()


def make_hard_cases(src: Path, out_dir: Path, *, start_s: float = 2.0, duration_s: float = 7.0,
                    slow_duration_s: float = 5.0, cases=CASES) -> dict[str, Path]:
    """Write every hard case of ``src`` into ``out_dir``; returns name -> path.

    The slowed case uses the first ``slow_duration_s`` of the segment (it becomes
    ``SLOW_FACTOR`` times longer).
    """
    frames, fps = read_segment(src, start_s, duration_s)
    if not frames:
        raise ValueError(f"{src}: no frames between {start_s} and {start_s + duration_s} s")
    out = {}
    for name in cases:
        part = frames[:int(round(slow_duration_s * fps))] if name == "slow4x" else frames
        out[name] = make_case(name, part, fps, Path(out_dir) / f"{name}.mp4")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--start", type=float, default=2.0)
    ap.add_argument("--duration", type=float, default=7.0)
    ap.add_argument("--cases", nargs="*", default=list(CASES), choices=CASES)
    args = ap.parse_args(argv)
    for name, path in make_hard_cases(args.source, args.out_dir, start_s=args.start,
                                      duration_s=args.duration, cases=args.cases).items():
        print(f"{name:11s} {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

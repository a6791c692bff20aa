"""H.264 (yuv420p, +faststart) writing with PyAV, atomically (temp name, then rename)."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import av
import numpy as np


class Mp4Writer:
    def __init__(self, path: str | os.PathLike, fps: int, width: int, height: int,
                 crf: int = 26, preset: str = "medium") -> None:
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.stem}.tmp{self.path.suffix}")
        self.container = av.open(str(self.tmp), mode="w",
                                 options={"movflags": "+faststart"})
        self.stream = self.container.add_stream("libx264", rate=Fraction(fps, 1))
        self.stream.width, self.stream.height = width, height
        self.stream.pix_fmt = "yuv420p"
        self.stream.options = {"crf": str(crf), "preset": preset}
        self.n = 0
        self.fps = fps

    def write(self, rgb: np.ndarray) -> None:
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        frame.pts = self.n
        frame.time_base = Fraction(1, self.fps)
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.n += 1

    def close(self) -> None:
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()
        os.replace(self.tmp, self.path)

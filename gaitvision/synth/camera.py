"""Pinhole cameras for the synthetic clips (pure numpy).

Pixel coordinates are continuous, x to the right and y downward, with the image
spanning [0, width] x [0, height] (the centre of pixel (i, j) is at (i + 0.5, j + 0.5)),
the same convention as BlazePose's normalised landmark times the frame size. The
projection is an ideal perspective one with square pixels, no distortion and the
principal point at the image centre; pyrender renders with the same intrinsics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Frame sizes (width, height) by orientation.
SIZES = {"landscape": (1280, 720), "portrait": (720, 1280)}

#: Views: "side_right" films the runner's right side (the runner faces image right),
#: "side_left" the left side (the runner faces image left), "rear" from behind.
VIEWS = ("side_right", "side_left", "rear")


@dataclass(frozen=True)
class Camera:
    position: tuple[float, float, float]
    target: tuple[float, float, float]
    yfov_deg: float
    width: int
    height: int

    @property
    def focal_px(self) -> float:
        return 0.5 * self.height / math.tan(math.radians(self.yfov_deg) / 2)

    def camera_to_world(self) -> np.ndarray:
        """4x4 pose in the OpenGL convention (camera looks along its -z, y up)."""
        pos = np.asarray(self.position, float)
        fwd = np.asarray(self.target, float) - pos
        fwd /= np.linalg.norm(fwd)
        up = np.array([0.0, 0.0, 1.0])
        right = np.cross(fwd, up)
        right /= np.linalg.norm(right)
        true_up = np.cross(right, fwd)
        m = np.eye(4)
        m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, true_up, -fwd, pos
        return m

    def project(self, points: np.ndarray) -> np.ndarray:
        """World points (..., 3) to pixel coordinates (..., 2)."""
        m = self.camera_to_world()
        rel = np.asarray(points, float) - m[:3, 3]
        xc = rel @ m[:3, 0]
        yc = rel @ m[:3, 1]
        zc = rel @ m[:3, 2]
        f = self.focal_px
        u = 0.5 * self.width + f * xc / -zc
        v = 0.5 * self.height - f * yc / -zc
        return np.stack([u, v], axis=-1)

    def to_json(self) -> dict:
        m = self.camera_to_world()
        return {
            "position_m": list(self.position), "target_m": list(self.target),
            "yfov_deg": self.yfov_deg, "width": self.width, "height": self.height,
            "fx_px": self.focal_px, "fy_px": self.focal_px,
            "cx_px": self.width / 2, "cy_px": self.height / 2,
            "camera_to_world": np.round(m, 9).tolist(),
            "model": "ideal pinhole, square pixels, no distortion, camera looks along its -z "
                     "(OpenGL); u = cx + fx * x_c / -z_c, v = cy - fy * y_c / -z_c",
        }


def make_camera(view: str, orientation: str = "landscape", distance_m: float = 4.0,
                height_m: float = 0.95, centre_x_m: float = 0.0) -> Camera:
    """A tripod camera at hip height, level, ``distance_m`` from the runner, zoomed so
    that the runner (about 2 m of height in flight) fills most of the frame.

    Heights are above the belt; the camera looks horizontally (no tilt, no roll)."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    width, height = SIZES[orientation]
    # Vertical extent to show: about 2.35 m (landscape) / 3.0 m (portrait), at the runner.
    extent = 2.35 if orientation == "landscape" else 3.0
    yfov = math.degrees(2 * math.atan(0.5 * extent / distance_m))
    if view == "side_right":
        pos, tgt = (centre_x_m, -distance_m, height_m), (centre_x_m, 0.0, height_m)
    elif view == "side_left":
        pos, tgt = (centre_x_m, distance_m, height_m), (centre_x_m, 0.0, height_m)
    else:
        pos, tgt = (centre_x_m - distance_m, 0.0, height_m), (centre_x_m, 0.0, height_m)
    return Camera(position=pos, target=tgt, yfov_deg=yfov, width=width, height=height)

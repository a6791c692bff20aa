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
#: "side_left" the left side (the runner faces image left), "rear" from behind,
#: "front" from ahead (the runner faces the camera; the runner's left is image right).
VIEWS = ("side_right", "side_left", "rear", "front")

#: Direction from the runner to the camera (world X forward, Y left) for each view.
_VIEW_DIRECTION = {"side_right": (0.0, -1.0), "side_left": (0.0, 1.0), "rear": (-1.0, 0.0),
                   "front": (1.0, 0.0)}


@dataclass(frozen=True)
class Camera:
    position: tuple[float, float, float]
    target: tuple[float, float, float]
    yfov_deg: float
    width: int
    height: int
    #: Tilt of the optical axis below level (deg, + = looking down), about the camera's
    #: own horizontal axis (the target then leaves the image centre).
    pitch_deg: float = 0.0
    #: Roll about the optical axis (deg): the scene turns this much counter-clockwise on
    #: screen (the sign of the pipeline's camera roll: a vertical line's top moves left).
    roll_deg: float = 0.0

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
        if self.pitch_deg:
            fwd, true_up = _turn(fwd, true_up, -math.radians(self.pitch_deg))
        if self.roll_deg:
            # The camera turning clockwise about its axis turns the scene counter-clockwise.
            right, true_up = _turn(right, true_up, -math.radians(self.roll_deg))
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
        out = {
            "position_m": list(self.position), "target_m": list(self.target),
            "yfov_deg": self.yfov_deg, "width": self.width, "height": self.height,
            "fx_px": self.focal_px, "fy_px": self.focal_px,
            "cx_px": self.width / 2, "cy_px": self.height / 2,
            "camera_to_world": np.round(m, 9).tolist(),
            "model": "ideal pinhole, square pixels, no distortion, camera looks along its -z "
                     "(OpenGL); u = cx + fx * x_c / -z_c, v = cy - fy * y_c / -z_c",
        }
        if self.pitch_deg or self.roll_deg:  # level cameras keep the original keys
            out["pitch_deg"], out["roll_deg"] = self.pitch_deg, self.roll_deg
        return out

    @classmethod
    def from_json(cls, c: dict) -> Camera:
        """The camera of a truth file's ``camera`` block."""
        return cls(position=tuple(c["position_m"]), target=tuple(c["target_m"]),
                   yfov_deg=c["yfov_deg"], width=c["width"], height=c["height"],
                   pitch_deg=c.get("pitch_deg", 0.0), roll_deg=c.get("roll_deg", 0.0))


def _turn(a: np.ndarray, b: np.ndarray, angle: float) -> tuple[np.ndarray, np.ndarray]:
    """Turn the orthonormal pair (a, b) by ``angle`` (rad) in their own plane, a towards b."""
    c, s = math.cos(angle), math.sin(angle)
    return c * a + s * b, c * b - s * a


def parse_size(text: str) -> tuple[int, int]:
    """'640x480' -> (640, 480); both even (H.264 yuv420p needs even sides)."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"size must look like 640x480, not {text!r}") from None
    if w < 160 or h < 160 or w % 2 or h % 2:
        raise ValueError(f"size {text!r}: both sides even and at least 160 px")
    return w, h


def make_camera(view: str, orientation: str = "landscape", distance_m: float = 4.0,
                height_m: float = 0.95, centre_x_m: float = 0.0, *, yaw_deg: float = 0.0,
                pitch_deg: float = 0.0, roll_deg: float = 0.0,
                size: tuple[int, int] | None = None) -> Camera:
    """A tripod camera ``distance_m`` from the runner at ``height_m`` above the belt,
    zoomed so that the runner (about 2 m of height in flight) fills most of the frame.

    By default it looks horizontally at hip height (no tilt, no roll). ``yaw_deg`` orbits
    it about the vertical through the runner: towards the runner's front for the side
    views, towards the runner's right for the rear and front views. ``pitch_deg`` tilts it
    down, ``roll_deg`` rolls it (see :class:`Camera`). ``size`` (width, height) overrides
    the orientation's frame size; the orientation still sets the framing."""
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    width, height = size or SIZES[orientation]
    # Vertical extent to show: about 2.35 m (landscape) / 3.0 m (portrait), at the runner.
    extent = 2.35 if orientation == "landscape" else 3.0
    yfov = math.degrees(2 * math.atan(0.5 * extent / distance_m))
    dx, dy = _VIEW_DIRECTION[view]
    if yaw_deg:
        a = math.radians(yaw_deg) * (1.0 if view in ("side_right", "rear") else -1.0)
        dx, dy = dx * math.cos(a) - dy * math.sin(a), dx * math.sin(a) + dy * math.cos(a)
    pos = (centre_x_m + distance_m * dx, distance_m * dy, height_m)
    tgt = (centre_x_m, 0.0, height_m)
    return Camera(position=pos, target=tgt, yfov_deg=yfov, width=width, height=height,
                  pitch_deg=pitch_deg, roll_deg=roll_deg)

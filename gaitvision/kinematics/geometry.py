"""Body-centred coordinates and per-frame angle series.

The image is turned into a frame the metrics can reason in:

- ``up`` is image-up (pixels' y flipped), after undoing the camera's roll;
- side view: ``fwd`` points in the running direction, so a runner facing image-left
  and one facing image-right give the same numbers;
- rear/front view: ``lat`` points to the runner's own left (image-left seen from
  behind, image-right seen from the front);
- lengths are in leg lengths ``L`` (hip to knee plus knee to ankle keypoints), so the
  numbers do not depend on zoom or resolution.

Angles of a segment are measured from the downward vertical, positive when the
distal end is forward (side) or toward the runner's left (rear). Segment-angle
definitions follow the project's ``docs/metrics.md`` ("Side view", "Rear view").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitvision.landmarks import (  # noqa: F401  (LEG_POINTS, leg_length_px re-exported)
    ANKLE,
    HEEL,
    HIP,
    KNEE,
    LEG_POINTS,
    SHOULDER,
    SIDES,
    TOE,
    WRIST,
    leg_length_px,
)


@dataclass
class BodyFrame:
    """Landmarks in body-centred units.

    Attributes
    ----------
    t : ndarray (T,)
        Frame times, seconds.
    p : ndarray (T, 33, 2)
        Positions: column 0 is ``fwd`` (side) or ``lat`` (rear), column 1 is ``up``;
        in leg lengths, origin at the image centre.
    vis : ndarray (T, 33)
        Visibility.
    leg_px : float
        Leg length in pixels.
    roll_deg : float
        Camera roll that was undone (image rotated by ``-roll_deg``).
    sign : float
        +1 or -1: image x times ``sign`` gives ``fwd``/``lat``.
    """

    t: np.ndarray
    p: np.ndarray
    vis: np.ndarray
    leg_px: float
    roll_deg: float
    sign: float

    def point(self, index: int) -> np.ndarray:
        """(T, 2) trajectory of one landmark."""
        return self.p[:, index]

    def mid(self, a: int, b: int) -> np.ndarray:
        """(T, 2) midpoint of two landmarks."""
        return (self.p[:, a] + self.p[:, b]) / 2


def image_sign(xy: np.ndarray, view: str, direction: str | None) -> float:
    """+1 when image x already points forward (side) or to the runner's left (rear)."""
    if view == "side":
        return 1.0 if direction == "right" else -1.0
    return 1.0 if view == "front" else -1.0


def body_frame(times: np.ndarray, xy: np.ndarray, vis: np.ndarray, frame_size, view: str,
               direction: str | None, roll_deg: float = 0.0) -> BodyFrame:
    """Build a :class:`BodyFrame` from pixel landmarks.

    Parameters
    ----------
    times, xy, vis
        As in :class:`~gaitvision.pose.track.PoseTrack`.
    frame_size : (int, int)
        Width and height of the frame (origin moved to its centre).
    view : str
        ``"side"``, ``"rear"`` or ``"front"``.
    direction : str or None
        Side view: the way the runner faces in the image.
    roll_deg : float
        Camera roll to undo: the angle (deg, counter-clockwise on screen) at which a
        truly horizontal line appears in the image.
    """
    w, h = frame_size
    x = xy[..., 0] - w / 2
    y = -(xy[..., 1] - h / 2)  # up
    a = np.radians(roll_deg)
    c, s = np.cos(a), np.sin(a)
    xr, yr = c * x + s * y, -s * x + c * y  # rotate by -roll: the horizon becomes level
    leg = leg_length_px(xy, vis)
    sign = image_sign(xy, view, direction)
    p = np.stack([sign * xr, yr], axis=-1) / leg
    return BodyFrame(np.asarray(times, float), p, vis, leg, roll_deg, sign)


# ------------------------------------------------------------------ angles
def segment_angle(proximal: np.ndarray, distal: np.ndarray) -> np.ndarray:
    """Angle (deg) of proximal->distal from the downward vertical, + when distal is forward."""
    d = distal - proximal
    return np.degrees(np.arctan2(d[:, 0], -d[:, 1]))


def trunk_lean(bf: BodyFrame) -> np.ndarray:
    """Trunk (mid-hip -> mid-shoulder) vs vertical, deg, + leaning forward (Teng & Powers 2014)."""
    hip = bf.mid(HIP["left"], HIP["right"])
    sh = bf.mid(SHOULDER["left"], SHOULDER["right"])
    d = sh - hip
    return np.degrees(np.arctan2(d[:, 0], d[:, 1]))


def side_series(bf: BodyFrame) -> dict[str, np.ndarray]:
    """Per-frame sagittal angles of both sides.

    Returns ``{"knee_flexion_deg.left": ..., ...}``:

    - ``knee_flexion_deg``: thigh angle minus shank angle (= 180 deg minus the
      hip-knee-ankle angle when bent), + when bent (Bramah 2018).
    - ``hip_extension_deg``: thigh (hip->knee) vs vertical, + when the knee is behind
      the hip (Souza lab "thigh extension").
    - ``hip_extension_vs_trunk_deg``: thigh vs the trunk line, + when extended.
    - ``tibia_angle_deg``: shank (knee->ankle) vs vertical, + when the ankle is ahead
      of the knee (Lieberman 2015).
    - ``foot_angle_deg``: sole line heel->toe vs the belt, + toe up (Mo et al. 2021).
    - ``trunk_lean_deg``: plain, + forward.
    """
    out: dict[str, np.ndarray] = {}
    lean = trunk_lean(bf)
    for s in SIDES:
        thigh = segment_angle(bf.point(HIP[s]), bf.point(KNEE[s]))
        shank = segment_angle(bf.point(KNEE[s]), bf.point(ANKLE[s]))
        heel, toe = bf.point(HEEL[s]), bf.point(TOE[s])
        sole = np.degrees(np.arctan2(toe[:, 1] - heel[:, 1], toe[:, 0] - heel[:, 0]))
        out[f"knee_flexion_deg.{s}"] = thigh - shank
        out[f"hip_extension_deg.{s}"] = -thigh
        out[f"hip_extension_vs_trunk_deg.{s}"] = -thigh - lean
        out[f"tibia_angle_deg.{s}"] = shank
        out[f"foot_angle_deg.{s}"] = sole
    out["trunk_lean_deg"] = lean
    return out


def rear_series(bf: BodyFrame) -> dict[str, np.ndarray]:
    """Per-frame frontal-plane series (rear/front view), lengths in leg lengths.

    - ``pelvic_obliquity_deg``: hip line vs horizontal, + when the right hip is lower
      (= pelvic drop while the left foot is in stance).
    - ``wrist_offset_sw.left/right``: wrist's lateral position past the body midline
      (mid-hip -> mid-shoulder line at the wrist's height), in shoulder widths, + when it
      has crossed to the other side.
    - ``foot_offset_ll.left/right``: ankle's lateral distance from the mid-hip vertical,
      in leg lengths, + on its own side.
    - ``trunk_lateral_deg``: trunk vs vertical in the frontal plane, + leaning left.
    """
    out: dict[str, np.ndarray] = {}
    lh, rh = bf.point(HIP["left"]), bf.point(HIP["right"])
    # lat points to the runner's left: right hip lower -> (left - right) up is positive.
    d = lh - rh
    out["pelvic_obliquity_deg"] = np.degrees(np.arctan2(d[:, 1], d[:, 0]))
    hip = bf.mid(HIP["left"], HIP["right"])
    sh = bf.mid(SHOULDER["left"], SHOULDER["right"])
    width = np.abs(bf.point(SHOULDER["left"])[:, 0] - bf.point(SHOULDER["right"])[:, 0])
    sw = float(np.nanmedian(width)) if np.isfinite(width).any() else float("nan")
    axis = sh - hip
    for s, sgn in (("left", 1.0), ("right", -1.0)):
        wr = bf.point(WRIST[s])
        with np.errstate(invalid="ignore", divide="ignore"):
            f = (wr[:, 1] - hip[:, 1]) / axis[:, 1]
        mid_x = hip[:, 0] + f * axis[:, 0]
        out[f"wrist_offset_sw.{s}"] = -sgn * (wr[:, 0] - mid_x) / sw
        out[f"foot_offset_ll.{s}"] = sgn * (bf.point(ANKLE[s])[:, 0] - hip[:, 0])
    out["trunk_lateral_deg"] = np.degrees(np.arctan2(axis[:, 0], axis[:, 1]))
    out["shoulder_width_ll"] = width
    return out

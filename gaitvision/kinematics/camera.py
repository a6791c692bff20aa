"""Camera checks measured from the clip: how far from side-on, how far from level.

A side-view camera that is not square to the belt sees the runner's sagittal plane at
an angle: lengths along the belt shrink by the cosine of that angle while heights do
not, so joint angles against vertical read wrong (``tan`` of the apparent angle is
``cos(yaw)`` times the true one), worse the larger the angle. A tilted (rolled) camera
turns every angle against vertical by the roll.

**Yaw from the shank.** The shank (knee->ankle) is a rigid segment that swings through
a wide arc in the sagittal plane. Seen square, its image length is the same at every
swing angle; seen at yaw ``y``, its horizontal extent is multiplied by ``c = cos(y)``.
``c`` is the factor that makes ``dy^2 + (dx / c)^2`` most constant over the clip
(the robust spread, median absolute deviation over median, is minimised over a grid).
Only geometry is used: no scale learned from renders or from the clip's truth. The
better-seen leg's shank is used (the far leg's keypoints are the pose model's guesses).
Near side-on the cosine is flat, so small yaws cannot be told apart (a 1 % error in
``c`` is 8 deg); perspective, keypoint noise and the knee leaving the plane add to it
(0-27 deg on copies of one side-on real clip at 25-30 fps, 42 deg for the same clip
warped to 30 deg off side-on). So it is reported in words and used only to withhold
angles beyond a generous limit.

**Level from the belt.** The stance foot rides the belt on a straight line; its tilt
in the image is the camera's roll (measured by the side view, passed in here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitvision.kinematics.analysis import Quality
from gaitvision.landmarks import ANKLE, KNEE, SIDES

#: Metrics that rest on the contacts' timing only: kept whatever the camera angle.
TIMING_METRICS = ("cadence_spm", "step_time_ms", "contact_time_ms", "flight_time_ms",
                  "duty_factor_pct")


@dataclass
class CameraCheck:
    """What the clip says about the camera set-up (side view)."""

    yaw_deg: float    #: estimated angle away from side-on (0 = square to the belt)
    roll_deg: float   #: belt line tilt in the image
    angles_ok: bool   #: False: sagittal angles and distances are withheld

    def summary_line(self) -> str:
        """The short "check my setup" line for the top of the report."""
        parts = []
        if np.isfinite(self.yaw_deg):
            verdict = "fine" if self.angles_ok else "too far for joint angles"
            parts.append(f"camera about {self.yaw_deg:.0f} deg from side-on ({verdict})")
        if np.isfinite(self.roll_deg):
            level = "level" if abs(self.roll_deg) <= 3 else "tilted: level the camera"
            parts.append(f"belt {self.roll_deg:+.1f} deg in the image ({level})")
        if not parts:
            return "check my setup: the camera angle could not be measured from this clip"
        text = "check my setup: " + "; ".join(parts)
        if not self.angles_ok:
            text += (": joint angles and distances are withheld, timing metrics are kept; "
                     "film square to the belt")
        return text


class SideOnCheck:
    """Estimates the side camera's yaw and level, and withholds angles beyond a limit.

    Parameters
    ----------
    max_yaw_deg : float
        Largest estimated yaw at which sagittal angles are reported. At 35 deg a knee
        angle of 20 deg reads about 17 deg and the shank's swing shrinks by a fifth;
        the estimate itself is rough, so the limit is generous.
    min_visibility : float
        Knee and ankle must be seen at least this well for a frame to count.
    min_frames : int
        Fewest usable frames for an estimate.
    """

    def __init__(self, max_yaw_deg: float = 35.0, min_visibility: float = 0.5,
                 min_frames: int = 30) -> None:
        self.max_yaw_deg = max_yaw_deg
        self.min_visibility = min_visibility
        self.min_frames = min_frames

    def yaw(self, xy: np.ndarray, vis: np.ndarray) -> float:
        """Estimated yaw (deg) from the better-seen shank; NaN when it cannot be told."""
        side = max(SIDES, key=lambda s: float(np.nanmean(vis[:, [KNEE[s], ANKLE[s]]])))
        d = xy[:, ANKLE[side]] - xy[:, KNEE[side]]
        ok = np.isfinite(d).all(axis=1) & (vis[:, [KNEE[side], ANKLE[side]]].min(axis=1)
                                           >= self.min_visibility)
        if ok.sum() < self.min_frames:
            return float("nan")
        dx, dy = d[ok, 0], d[ok, 1]
        if np.ptp(dx) < 0.3 * np.median(np.hypot(dx, dy)):
            return float("nan")  # the shank hardly swings: nothing to compare
        # past 1 too: noise can make a square view look stretched; that reads 0 deg
        cs = np.linspace(0.2, 1.2, 201)
        spread = [_rel_mad(np.sqrt(dy ** 2 + (dx / c) ** 2)) for c in cs]
        return float(np.degrees(np.arccos(min(1.0, cs[int(np.argmin(spread))]))))

    def check(self, xy: np.ndarray, vis: np.ndarray, roll_deg: float) -> CameraCheck:
        """The :class:`CameraCheck` of a side clip."""
        yaw = self.yaw(xy, vis)
        ok = not (np.isfinite(yaw) and yaw > self.max_yaw_deg)
        return CameraCheck(yaw, float(roll_deg), ok)

    def apply(self, xy: np.ndarray, vis: np.ndarray, roll_deg: float, quality: Quality,
              summary: dict) -> CameraCheck:
        """Check, put the setup line first in the quality notes, withhold angles if needed."""
        from gaitvision.kinematics.assessment import mark_unreliable

        cam = self.check(xy, vis, roll_deg)
        quality.notes.insert(0, cam.summary_line())
        if not cam.angles_ok:
            why = (f"the camera looks about {cam.yaw_deg:.0f} deg off side-on (over "
                   f"{self.max_yaw_deg:.0f}): angles and distances along the belt are "
                   "foreshortened")
            for name, m in summary.items():
                if name not in TIMING_METRICS and m.flag != "unreliable":
                    mark_unreliable(m, why, quality)
        return cam


def _rel_mad(v: np.ndarray) -> float:
    med = float(np.median(v))
    return float(np.median(np.abs(v - med)) / med) if med > 0 else float("inf")

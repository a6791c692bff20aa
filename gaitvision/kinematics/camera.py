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

**Level from the background (rear/front view).** Filmed from behind or in front, the
treadmill's console bar, the belt's slats and the line where wall meets floor run across
the view, square to it: a camera's pitch leaves such a line parallel to the image rows,
only its roll turns it (pinhole geometry). :class:`BackgroundLevel` takes the roll from the
long near-horizontal straight edges of the still background (a temporal median of frames
spread over the clip, the runner's box blanked out). Unlike the trunk's mean axis
(``kinematics.rear.camera_roll``) it does not depend on the pose model or on the runner
standing straight.
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


@dataclass
class BackgroundRoll:
    """The background's level: the camera roll and what it rests on."""

    roll_deg: float      #: counter-clockwise on screen, as ``kinematics.rear.camera_roll``
    n_lines: int         #: near-horizontal straight edges used
    length: float        #: their total length, in image widths

    @property
    def found(self) -> bool:
        """Whether any background line was found (else ``roll_deg`` is NaN)."""
        return bool(np.isfinite(self.roll_deg))


class BackgroundLevel:
    """Camera roll from the long near-horizontal straight edges of the still background.

    Frames spread over the clip are reduced to their per-pixel median (what stays put:
    the treadmill, the room), the runner's keypoint box (with a margin) is blanked out,
    Canny edges (Canny 1986) are grouped into straight segments by the probabilistic Hough
    transform (Matas et al. 2000), each segment is refined by a least-squares line through
    the sub-pixel peaks of the vertical image gradient along it, and the roll is the
    length-weighted median of the segments' angles.

    Parameters
    ----------
    n_frames : int
        Frames sampled for the median background.
    max_tilt_deg : float
        Only segments within this angle of the image rows count (the scene's across-view
        lines under a plausible roll; steeper lines are uprights or edges running away).
    min_length : float
        Shortest segment, in image widths.
    body_margin : float
        The runner's box is widened by this fraction of its size on every side.
    max_side : int
        Frames are decoded at most this big (longer side, pixels).
    """

    def __init__(self, n_frames: int = 15, max_tilt_deg: float = 10.0,
                 min_length: float = 0.1, body_margin: float = 0.2,
                 max_side: int = 640) -> None:
        self.n_frames, self.max_tilt_deg = int(n_frames), float(max_tilt_deg)
        self.min_length, self.body_margin = float(min_length), float(body_margin)
        self.max_side = int(max_side)

    def from_video(self, video_path, frame_index: np.ndarray, xy: np.ndarray,
                   frame_size: tuple[int, int]) -> BackgroundRoll:
        """Roll of a clip given its pose track (``xy``: (T, 33, 2) upright pixels of
        ``frame_size``, rows of ``frame_index``)."""
        import cv2

        from gaitvision.video import iter_frames

        rows = np.linspace(0, len(frame_index) - 1, min(self.n_frames, len(frame_index)))
        want = {int(frame_index[int(k)]): int(k) for k in np.round(rows)}
        grays, boxes = [], []
        for frame in iter_frames(video_path, max_side=self.max_side):
            k = want.get(frame.index)
            if k is None:
                continue
            gray = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY)
            grays.append(gray)
            boxes.append(xy[k] * (gray.shape[1] / frame_size[0]))
        return self.from_frames(grays, boxes)

    def from_frames(self, grays: list[np.ndarray], keypoints: list[np.ndarray]) -> BackgroundRoll:
        """Roll from grey frames and each frame's keypoints (pixels of that frame)."""
        import cv2

        if not grays:
            return BackgroundRoll(float("nan"), 0, 0.0)
        background = np.median(np.stack(grays), axis=0).astype(np.uint8)
        edges = cv2.Canny(background, 30, 90)
        edges[self._body_mask(background.shape, keypoints)] = 0
        width = background.shape[1]
        segs = cv2.HoughLinesP(edges, 1, np.pi / 720, threshold=40,
                               minLineLength=max(8, int(self.min_length * width)),
                               maxLineGap=4)
        angles, lengths = [], []
        grad_y = np.abs(cv2.Sobel(cv2.GaussianBlur(background.astype(np.float32), (5, 5), 0),
                                  cv2.CV_32F, 0, 1, ksize=3))
        for x1, y1, x2, y2 in (segs[:, 0] if segs is not None else []):
            if abs(int(y2) - int(y1)) > abs(int(x2) - int(x1)):
                continue  # steep: an upright or an edge running away
            angle, length = _refined_angle(float(x1), float(y1), float(x2), float(y2), grad_y)
            if abs(angle) <= self.max_tilt_deg:
                angles.append(angle)
                lengths.append(length)
        if not angles:
            return BackgroundRoll(float("nan"), 0, 0.0)
        a, w = np.asarray(angles), np.asarray(lengths)
        order = np.argsort(a)
        cum = np.cumsum(w[order])
        roll = float(a[order][np.searchsorted(cum, 0.5 * cum[-1])])
        return BackgroundRoll(roll, len(a), float(w.sum() / width))

    def _body_mask(self, shape, keypoints: list[np.ndarray]) -> np.ndarray:
        mask = np.zeros(shape, bool)
        for pts in keypoints:
            p = pts[np.isfinite(pts).all(axis=1)]
            if not len(p):
                continue
            (x0, y0), (x1, y1) = p.min(axis=0), p.max(axis=0)
            mx, my = self.body_margin * (x1 - x0), self.body_margin * (y1 - y0)
            r0, r1 = int(max(0, y0 - my)), int(min(shape[0], y1 + my + 1))
            c0, c1 = int(max(0, x0 - mx)), int(min(shape[1], x1 + mx + 1))
            mask[r0:r1, c0:c1] = True
        return mask


def _refined_angle(x1: float, y1: float, x2: float, y2: float,
                   grad_y: np.ndarray) -> tuple[float, float]:
    """Angle (deg, + = the right end higher on screen) and length of a near-horizontal
    Hough segment, refined by a least-squares line through the sub-pixel peaks of the
    vertical gradient ``grad_y`` (its magnitude) in each column along the segment."""
    if x2 < x1:
        x1, y1, x2, y2 = x2, y2, x1, y1
    length = float(np.hypot(x2 - x1, y2 - y1))
    rough = float(np.degrees(np.arctan2(-(y2 - y1), x2 - x1)))
    h = grad_y.shape[0]
    xs, ys = [], []
    for x in range(int(x1), int(x2) + 1):
        yc = int(round(y1 + (y2 - y1) * (x - x1) / max(x2 - x1, 1e-9)))
        if not 2 <= yc < h - 2:
            continue
        col = grad_y[yc - 2:yc + 3, x]
        k = int(np.argmax(col))
        if 0 < k < 4:  # parabola through the peak and its neighbours
            a, b, c = col[k - 1], col[k], col[k + 1]
            den = a - 2 * b + c
            off = 0.5 * (a - c) / den if den < 0 else 0.0
            xs.append(x)
            ys.append(yc - 2 + k + off)
    if len(xs) < 10:
        return rough, length
    slope = np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0]
    return float(np.degrees(np.arctan(-slope))), length


def _rel_mad(v: np.ndarray) -> float:
    med = float(np.median(v))
    return float(np.median(np.abs(v - med)) / med) if med > 0 else float("inf")

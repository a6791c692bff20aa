"""Pelvic obliquity from the image, anchored by the pose keypoints (rear and front view).

BlazePose's two hip points sit on the silhouette, not on the pelvis, and their line
follows the pelvis's frontal-plane tilt with about a third of its amplitude. The
pixels between them carry more: the waistband, the shirt's hem and the creases over the
posterior (from behind) or anterior (from the front) superior iliac spines move with
the pelvis. This module tracks the vertical image motion of two regions, one each side
of the body midline, from the hip line up to the waist, and turns their difference
into the pelvis's change of tilt from frame to frame:

    d_obliquity = (dy_right - dy_left) / separation    (radians; image y down)

The frame-to-frame changes carry the shape and amplitude of the obliquity, not its
absolute level (which image motion cannot give) nor anything slower than a stride: the
pipeline fits harmonics of the stride frequency to them (:class:`StridePeriodicFit`,
robust, tolerant of unmeasured steps, with an F-test that says whether the waist shows a
stride rhythm at all) and adds the keypoints' level over one stride
(:func:`fuse_periodic`); :func:`fuse` is the earlier plain version (integrated motion
high-passed over one stride). The camera roll is undone by the caller, as for the
keypoint series.

Three ways to measure a region's vertical motion are implemented and compared on
rendered runners (``tools/pelvis_eval.py``; numbers in ``docs/pelvis-arms-front.md``):

- ``"dis"``: dense optical flow, OpenCV's DIS (Kroeger et al. 2016), the region's
  motion the median of the vertical flow weighted by the vertical image gradient
  (horizontal edges fix vertical motion; flat cloth does not);
- ``"lk"``: sparse pyramidal Lucas-Kanade (Bouguet 2001) on Shi-Tomasi corners of each
  region, median vertical motion of the points that track forwards and back;
- ``"ecc"``: a rigid (Euclidean) template fit of the two regions together, the
  enhanced correlation coefficient maximisation of Evangelidis & Psarakis 2008
  (``cv2.findTransformECC``): the template's rotation is the change of tilt.

Frames are re-read with :func:`gaitvision.video.iter_frames` one at a time (at most
``max_side`` pixels), never the whole clip.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from gaitvision.landmarks import ELBOW, HIP, INDEX, WRIST

log = logging.getLogger(__name__)

#: Hand and forearm keypoints whose surroundings are left out of the regions (seen from
#: the front the hands swing across the waist).
_HAND = tuple(INDEX[f"{s}_{p}"] for s in ("left", "right") for p in ("wrist", "index", "pinky",
                                                                   "thumb"))

METHODS = ("dis", "lk", "ecc")


@dataclass
class PelvisMotion:
    """Per-frame pelvic tilt motion measured in the image.

    Attributes
    ----------
    times : ndarray (T,)
        The track's frame times.
    motion_deg : ndarray (T,)
        Integrated change of obliquity since the first frame (deg, + = the right side
        lower, image plane); NaN where the regions could not be measured.
    step_ok : ndarray of bool (T,)
        Whether the step from the previous frame was measured (False: assumed 0).
    method : str
    """

    times: np.ndarray
    motion_deg: np.ndarray
    step_ok: np.ndarray
    method: str
    #: Correction of the keypoints' level (deg, same sign as ``motion_deg``) from
    #: :class:`MirroredLevel` (0 when not measured).
    level_shift_deg: float = 0.0

    @property
    def coverage(self) -> float:
        """Fraction of frame steps measured from the image."""
        return float(np.mean(self.step_ok[1:])) if self.step_ok.size > 1 else 0.0


class PelvisRegionTracker:
    """Vertical image motion of two waist regions either side of the midline.

    Parameters
    ----------
    method : {"dis", "lk", "ecc"}
        How a region's motion is measured (see the module docstring).
    top, bottom : float
        The regions span from ``top`` to ``bottom`` hip-widths above the line through
        the two hip keypoints (hip width = their horizontal distance): the waist, not
        the buttocks and thighs below the hip line, whose motion is not the pelvis's.
    inner, outer : float
        Horizontal extent of each region from the midline, in hip widths.
    max_side : int
        Frames are decoded at most this big (longer side, pixels).
    min_hip_width_px : float
        Below this hip width (in decoded pixels) a frame step is not measured.
    hand_radius : float
        Pixels within this many hip widths of a hand keypoint or of the forearm are left
        out (a hand passing over the waist is not the pelvis).
    min_kept : float
        Fewest fraction of a region's pixels left after that for the step to count.
    fit : {"regions", "tilt"}, optional
        "regions": the tilt from the two regions' median vertical motions; "tilt" (DIS
        only, its default; chosen on the build split of rendered rear runners, see
        ``docs/pelvis-arms-front.md``): a robust straight-line fit of the vertical flow against x over both
        regions' pixels together, ``dy = a + b x``, weighted by the vertical image
        gradient and re-weighted with Tukey's biweight (Holland & Welsch 1977, IRLS):
        the slope ``b`` is the rigid tilt's change.
    tilt_height : float, optional
        ("tilt" only) fit a tilt that varies with height, ``dy = a + b x + c y + d x y``,
        and read it this many hip widths above the hip line (0.58: the PSIS, Bell et al.
        1990). A candidate (``tools/pelvis_eval.py``); None, the default, is the rigid tilt.
    fb_px : float, optional
        ("tilt" only) leave out pixels whose forward-backward DIS flow error exceeds this
        (px; Kalal et al. 2010). A candidate; None, the default, keeps every pixel.
    mirror_level : bool
        Measure the keypoints' handedness bias on the mirrored frames and put the
        correction in :attr:`PelvisMotion.level_shift_deg` (:class:`MirroredLevel`; a
        second pose pass); False leaves it 0.
    """

    def __init__(self, method: str = "dis", top: float = 0.65, bottom: float = 0.05,
                 inner: float = 0.06, outer: float = 0.45, max_side: int = 640,
                 min_hip_width_px: float = 12.0, hand_radius: float = 0.3,
                 min_kept: float = 0.25, fit: str | None = None,
                 tilt_height: float | None = None, fb_px: float | None = None,
                 mirror_level: bool = True) -> None:
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}")
        fit = fit or ("tilt" if method == "dis" else "regions")
        if fit not in ("regions", "tilt") or (fit == "tilt" and method != "dis"):
            raise ValueError('fit must be "regions", or "tilt" with method "dis"')
        self.fit = fit
        self.tilt_height, self.fb_px = tilt_height, fb_px
        self.method, self.top, self.bottom = method, top, bottom
        self.inner, self.outer = inner, outer
        self.max_side, self.min_hip_width_px = max_side, min_hip_width_px
        self.hand_radius, self.min_kept = hand_radius, min_kept
        self.level = MirroredLevel() if mirror_level else None

    # ------------------------------------------------------------------ public
    def track(self, video_path, times: np.ndarray, frame_index: np.ndarray,
              xy: np.ndarray, frame_size: tuple[int, int]) -> PelvisMotion:
        """Measure the motion over the frames of a pose track.

        ``times``, ``frame_index``, ``xy`` (T, 33, 2, upright pixels of ``frame_size``)
        are the track's; frames of the video that are not in the track are skipped."""
        import cv2

        from gaitvision.video import iter_frames

        row_of = {int(f): k for k, f in enumerate(frame_index)}
        n = len(times)
        step = np.zeros(n)
        ok = np.zeros(n, bool)
        prev = None
        start, end = float(times[0]) - 0.5, float(times[-1]) + 0.5
        for frame in iter_frames(video_path, max(start, 0.0), end, max_side=self.max_side):
            k = row_of.get(frame.index)
            if k is None:
                continue
            gray = cv2.cvtColor(frame.image, cv2.COLOR_RGB2GRAY)
            scale = gray.shape[1] / frame_size[0]
            if prev is not None and prev[0] == k - 1:
                d = self._step(prev[1], gray, xy[k - 1] * scale)
                if d is not None:
                    step[k], ok[k] = d, True
            prev = (k, gray)
        shift = 0.0
        if self.level is not None:
            shift = self.level.shift(video_path, frame_index, xy, frame_size).shift_deg
        return PelvisMotion(np.asarray(times, float), np.degrees(np.cumsum(step)), ok,
                            self.method, shift if np.isfinite(shift) else 0.0)

    # ------------------------------------------------------------------ one step
    def regions(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Boxes (x0, y0, x1, y1) of the left and right regions for one frame's
        keypoints (decoded pixels); None when the hips are missing or too close."""
        lh, rh = pts[HIP["left"]], pts[HIP["right"]]
        if not (np.all(np.isfinite(lh)) and np.all(np.isfinite(rh))):
            return None
        w = abs(lh[0] - rh[0])
        if w < self.min_hip_width_px:
            return None
        mid = 0.5 * (lh + rh)
        y0, y1 = mid[1] - self.top * w, mid[1] - self.bottom * w
        out = []
        for hip in (lh, rh):
            s = 1.0 if hip[0] > mid[0] else -1.0
            xa, xb = mid[0] + s * self.inner * w, mid[0] + s * self.outer * w
            out.append(np.array([min(xa, xb), y0, max(xa, xb), y1]))
        return out[0], out[1]

    def _step(self, g0: np.ndarray, g1: np.ndarray, pts: np.ndarray) -> float | None:
        """Change of tilt (rad, + = right side lower) from g0 to g1, regions of g0."""
        boxes = self.regions(pts)
        if boxes is None:
            return None
        left, right = boxes
        pad = 0.25 * (right[2] - right[0] + left[2] - left[0])
        x0 = int(max(0, min(left[0], right[0]) - pad))
        y0 = int(max(0, left[1] - pad))
        x1 = int(min(g0.shape[1], max(left[2], right[2]) + pad))
        y1 = int(min(g0.shape[0], left[3] + pad))
        if x1 - x0 < 16 or y1 - y0 < 16:
            return None
        c0 = np.ascontiguousarray(g0[y0:y1, x0:x1])
        c1 = np.ascontiguousarray(g1[y0:y1, x0:x1])
        local = [b - np.array([x0, y0, x0, y0]) for b in boxes]
        sep = abs(0.5 * (left[0] + left[2]) - 0.5 * (right[0] + right[2]))
        if self.method == "ecc":
            return _ecc_rotation(c0, c1, local, right_is_image_right=right[0] > left[0])
        w = abs(pts[HIP["left"], 0] - pts[HIP["right"], 0])
        free = self._hand_free(c0.shape, pts - np.array([x0, y0]), w)
        masks = [_box_mask(c0.shape, b) for b in local]
        if any((m & free).sum() < self.min_kept * max(m.sum(), 1) for m in masks):
            return None
        if self.fit == "tilt":
            right_x = pts[HIP["right"], 0] - x0
            left_x = pts[HIP["left"], 0] - x0
            at_y = None
            if self.tilt_height is not None:
                at_y = 0.5 * (pts[HIP["right"], 1] + pts[HIP["left"], 1]) - y0 \
                    - self.tilt_height * w
            return _dis_tilt(c0, c1, [m & free for m in masks], right_x, left_x, at_y=at_y,
                             fb_px=self.fb_px)
        measure = _dis_dy if self.method == "dis" else _lk_dy
        dys = measure(c0, c1, [m & free for m in masks])
        if dys is None:
            return None
        return math.atan2(dys[1] - dys[0], sep)


    def _hand_free(self, shape, pts: np.ndarray, hip_w: float) -> np.ndarray:
        """Pixels farther than ``hand_radius`` hip widths from the hands and forearms."""
        yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
        free = np.ones(shape, bool)
        r2 = (self.hand_radius * hip_w) ** 2
        pts_near = [pts[i] for i in _HAND]
        for s in ("left", "right"):
            e, wr = pts[ELBOW[s]], pts[WRIST[s]]
            pts_near += [e + f * (wr - e) for f in (0.0, 0.25, 0.5, 0.75)]
        for p in pts_near:
            if np.all(np.isfinite(p)):
                free &= (xx - p[0]) ** 2 + (yy - p[1]) ** 2 > r2
        return free


def _box_mask(shape, box) -> np.ndarray:
    m = np.zeros(shape, bool)
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    m[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = True
    return m


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cw = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cw, 0.5 * cw[-1])])


_DIS = {}


def _dis_dy(c0: np.ndarray, c1: np.ndarray, masks) -> tuple[float, float] | None:
    """Gradient-weighted median vertical DIS flow in each region (boolean masks)."""
    import cv2

    if "dis" not in _DIS:
        _DIS["dis"] = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flow = _DIS["dis"].calc(c0, c1, None)
    gy = np.abs(cv2.Sobel(c0, cv2.CV_32F, 0, 1, ksize=3))
    out = []
    for m in masks:
        w = gy[m]
        if m.sum() < 20 or w.sum() <= 0:
            return None
        out.append(_weighted_median(flow[..., 1][m], w + 1e-6))
    return out[0], out[1]


def _dis_tilt(c0: np.ndarray, c1: np.ndarray, masks, right_x: float, left_x: float,
              iterations: int = 4, tukey_c: float = 4.685,
              at_y: float | None = None, fb_px: float | None = None) -> float | None:
    """Change of tilt (rad, + = right side lower) from a robust line fit of the vertical
    DIS flow against x over the regions' pixels (see ``fit="tilt"``)."""
    import cv2

    if "dis" not in _DIS:
        _DIS["dis"] = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flow = _DIS["dis"].calc(c0, c1, None)
    gy = np.abs(cv2.Sobel(c0, cv2.CV_32F, 0, 1, ksize=3))
    m = masks[0] | masks[1]
    if min(mm.sum() for mm in masks) < 20:
        return None
    if fb_px is not None:  # keep pixels the flow follows forwards and back (Kalal et al. 2010)
        m = m & (_fb_error(c0, c1, flow) <= fb_px)
        if m.sum() < 40:
            return None
    yy, xx = np.nonzero(m)
    dy = flow[yy, xx, 1].astype(float)
    w0 = gy[yy, xx].astype(float) + 1e-6
    x = (xx - 0.5 * (right_x + left_x)).astype(float)
    cols = [np.ones_like(x), x]
    if at_y is not None:  # tilt varying with height: dy = a + b x + c y + d x y, at y = at_y
        y = (yy - at_y).astype(float)
        cols += [y, x * y]
    design = np.stack(cols, axis=1)
    w = w0.copy()
    coef = None
    for _ in range(iterations):
        coef, *_ = np.linalg.lstsq(design * np.sqrt(w)[:, None], dy * np.sqrt(w), rcond=None)
        r = dy - design @ coef
        scale = 1.4826 * np.median(np.abs(r)) + 1e-3
        u = r / (tukey_c * scale)
        w = w0 * np.where(np.abs(u) < 1, (1 - u ** 2) ** 2, 0.0)
        if w.sum() <= 0:
            return None
    slope = float(coef[1]) if right_x > left_x else -float(coef[1])
    return math.atan(slope)


def _fb_error(c0: np.ndarray, c1: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Forward-backward error (px) of ``flow`` (c0 -> c1) at each pixel of c0."""
    import cv2

    back = _DIS["dis"].calc(c1, c0, None)
    h, w = c0.shape
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    bx = cv2.remap(back[..., 0], gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR)
    by = cv2.remap(back[..., 1], gx + flow[..., 0], gy + flow[..., 1], cv2.INTER_LINEAR)
    return np.hypot(flow[..., 0] + bx, flow[..., 1] + by)


def _lk_dy(c0: np.ndarray, c1: np.ndarray, masks) -> tuple[float, float] | None:
    """Median vertical Lucas-Kanade motion of corners in each region (boolean masks),
    forward-backward checked to 0.5 px."""
    import cv2

    out = []
    for m in masks:
        mask = m.astype(np.uint8) * 255
        p0 = cv2.goodFeaturesToTrack(c0, maxCorners=40, qualityLevel=0.01, minDistance=3,
                                     mask=mask)
        if p0 is None or len(p0) < 3:
            return None
        lk = {"winSize": (15, 15), "maxLevel": 2}
        p1, st, _ = cv2.calcOpticalFlowPyrLK(c0, c1, p0, None, **lk)
        pb, stb, _ = cv2.calcOpticalFlowPyrLK(c1, c0, p1, None, **lk)
        good = (st[:, 0] == 1) & (stb[:, 0] == 1) & (
            np.linalg.norm((pb - p0)[:, 0], axis=1) < 0.5)
        if good.sum() < 3:
            return None
        out.append(float(np.median((p1 - p0)[good, 0, 1])))
    return out[0], out[1]


def _ecc_rotation(c0: np.ndarray, c1: np.ndarray, boxes, right_is_image_right: bool) -> float | None:
    """Rotation of the two regions together from c0 to c1 (rad, + = right side lower)."""
    import cv2

    mask = (_box_mask(c0.shape, boxes[0]) | _box_mask(c0.shape, boxes[1])).astype(np.uint8)
    warp = np.eye(2, 3, dtype=np.float32)
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-5)
    try:
        _, warp = cv2.findTransformECC(c0.astype(np.float32), c1.astype(np.float32), warp,
                                       cv2.MOTION_EUCLIDEAN, crit, mask, 5)
    except cv2.error:
        return None
    # warp maps template (c0) coordinates to c1: x1 = R x0 + t, R = [[c, -s], [s, c]].
    # With y down, s > 0 turns the image clockwise on screen: the image-right side goes
    # down.
    s = float(warp[1, 0])
    angle = math.asin(max(-1.0, min(1.0, s)))
    return angle if right_is_image_right else -angle


# ---------------------------------------------------------------------- fusion
def moving_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Centred moving mean over ``n`` samples ignoring NaN (shorter windows at the ends)."""
    x = np.asarray(x, float)
    n = max(1, int(n))
    ok = np.isfinite(x)
    c = np.concatenate([[0.0], np.cumsum(np.where(ok, x, 0.0))])
    k = np.concatenate([[0], np.cumsum(ok)])
    i = np.arange(len(x))
    lo = np.clip(i - n // 2, 0, len(x))
    hi = np.clip(i - n // 2 + n, 0, len(x))
    cnt = k[hi] - k[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, (c[hi] - c[lo]) / np.maximum(cnt, 1), np.nan)


def fuse(keypoint_deg: np.ndarray, motion_deg: np.ndarray, times: np.ndarray,
         stride_s: float) -> np.ndarray:
    """Obliquity = keypoints' level (mean over one stride) + image motion about its own
    mean over one stride. Both inputs in degrees with the same sign convention."""
    dt = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    n = max(3, int(round(stride_s / dt)))
    return moving_mean(keypoint_deg, n) + (motion_deg - moving_mean(motion_deg, n))


# ------------------------------------------------------------- stride-periodic model
@dataclass
class PeriodicPelvis:
    """The image motion's stride-periodic part and how well the image supports it.

    Attributes
    ----------
    periodic_deg : ndarray (T,)
        Obliquity about its local mean (deg): the harmonics of the stride frequency
        fitted to the frame-to-frame motion in a window about each frame; NaN where a
        window had too few measured steps.
    p_value : float
        F-test of the harmonics against no periodic motion over the whole clip (small:
        the image shows stride-locked pelvic motion).
    explained : float
        Fraction of the measured steps' variance the clip-wide harmonics explain.
    coverage : float
        Fraction of frame steps measured.
    supported : bool
        Whether the image carries stride-locked motion (``p_value`` at most the fit's
        ``max_p_value``): if not, the caller keeps the keypoints.
    """

    periodic_deg: np.ndarray
    p_value: float
    explained: float
    coverage: float
    supported: bool
    level_shift_deg: float = 0.0  #: the motion's :attr:`PelvisMotion.level_shift_deg`


class StridePeriodicFit:
    """Harmonics of the stride frequency fitted to the frame-to-frame image motion.

    On a steady treadmill run the pelvis's obliquity repeats every stride, so it is a
    sum of harmonics of the stride frequency (its drops on the left and right stances
    give the first and second; Fourier series of gait curves: e.g. Skaug et al. 2000,
    Lin & Kulic 2012). The model is fitted to the *increments* of the tracked motion,
    not to their running sum, so an unmeasured step (hands over the waist, a frame the
    flow could not follow) is left out instead of breaking the integration, and a bad
    step is down-weighted (Tukey's biweight, IRLS; Holland & Welsch 1977) instead of
    shifting everything after it. A linear term absorbs the integration's drift. The
    fit is local (``window_strides`` strides about each frame), so stride-to-stride
    differences remain.

    Parameters
    ----------
    harmonics : int
        Number of harmonics of the stride frequency.
    window_strides : float
        Width of the window about each frame, in strides.
    max_p_value : float
        Largest F-test p-value (harmonics vs none, clip-wide) at which the image motion
        is taken as showing the pelvis; above it the caller keeps the keypoints.
    tukey_c : float
        Biweight tuning constant (in robust standard deviations of the residuals).
    """

    def __init__(self, harmonics: int = 4, window_strides: float = 3.0,
                 max_p_value: float = 1e-3, tukey_c: float = 4.685) -> None:
        self.harmonics, self.window_strides = int(harmonics), float(window_strides)
        self.max_p_value, self.tukey_c = float(max_p_value), float(tukey_c)

    def fit(self, times: np.ndarray, motion: PelvisMotion, stride_s: float) -> PeriodicPelvis:
        """Periodic part of ``motion`` (see :class:`PeriodicPelvis`)."""
        t = np.asarray(times, float)
        steps = np.diff(np.asarray(motion.motion_deg, float))
        ok = np.asarray(motion.step_ok[1:], bool) & np.isfinite(steps)
        omega = 2 * np.pi / float(stride_s)
        out = np.full(len(t), np.nan)
        half = 0.5 * self.window_strides * stride_s
        # Windows centred every 1/8 stride; each frame takes the nearest window's fit.
        dt = float(np.median(np.diff(t))) if len(t) > 1 else stride_s
        every = max(1, int(round(stride_s / dt / 8)))
        for c in range(0, len(t), every):
            tc = t[c]
            sel = ok & (t[1:] >= tc - half) & (t[:-1] <= tc + half)
            coef = self._robust(t[:-1][sel] - tc, t[1:][sel] - tc, steps[sel], omega)
            if coef is None:
                continue
            lo, hi = max(0, c - every // 2), min(len(t), c - every // 2 + every)
            out[lo:hi] = self._periodic(coef, t[lo:hi] - tc, omega)
        p, explained = self._clip_test(t, steps, ok, omega)
        return PeriodicPelvis(out, p, explained, motion.coverage,
                              bool(np.isfinite(p) and p <= self.max_p_value),
                              motion.level_shift_deg)

    def _periodic(self, coef: np.ndarray, dt: np.ndarray, omega: float) -> np.ndarray:
        """The harmonics of ``coef`` at times ``dt`` from the window's centre."""
        j = np.arange(1, self.harmonics + 1)[None, :]
        ph = j * omega * np.asarray(dt, float)[:, None]
        return np.cos(ph) @ coef[1::2] + np.sin(ph) @ coef[2::2]

    def _design(self, t0: np.ndarray, t1: np.ndarray, omega: float) -> np.ndarray:
        cols = [t1 - t0]
        for j in range(1, self.harmonics + 1):
            cols += [np.cos(j * omega * t1) - np.cos(j * omega * t0),
                     np.sin(j * omega * t1) - np.sin(j * omega * t0)]
        return np.stack(cols, axis=1)

    def _robust(self, t0, t1, y, omega, iterations: int = 5) -> np.ndarray | None:
        """Biweight least squares of the step model; coef = [drift, a1, b1, a2, ...]."""
        a = self._design(t0, t1, omega)
        if len(y) < 2 * a.shape[1]:
            return None
        w = np.ones(len(y))
        coef = None
        for _ in range(iterations):
            sw = np.sqrt(w)
            coef, *_ = np.linalg.lstsq(a * sw[:, None], y * sw, rcond=None)
            r = y - a @ coef
            scale = 1.4826 * np.median(np.abs(r)) + 1e-9
            u = r / (self.tukey_c * scale)
            w = np.where(np.abs(u) < 1, (1 - u ** 2) ** 2, 0.0)
            if w.sum() < a.shape[1]:
                return None
        return coef

    def _clip_test(self, t, steps, ok, omega) -> tuple[float, float]:
        """F-test p-value and explained variance of the harmonics over the whole clip."""
        from scipy.special import fdtrc  # F survival function (lighter than scipy.stats)

        y = steps[ok]
        a = self._design(t[:-1][ok] - t[0], t[1:][ok] - t[0], omega)
        n, k = a.shape
        if n <= k + 1:
            return float("nan"), float("nan")
        coef, *_ = np.linalg.lstsq(a, y, rcond=None)
        rss1 = float(np.sum((y - a @ coef) ** 2))
        c0, *_ = np.linalg.lstsq(a[:, :1], y, rcond=None)
        rss0 = float(np.sum((y - a[:, :1] @ c0) ** 2))
        if rss0 <= 1e-12 * n:  # nothing moved at all (a flat region gives zero flow)
            return 1.0, 0.0
        if rss1 <= 0:
            return 0.0, 1.0
        f = ((rss0 - rss1) / (k - 1)) / (rss1 / (n - k))
        return float(fdtrc(k - 1, n - k, f)), float(1 - rss1 / max(rss0, 1e-12))


def fuse_periodic(keypoint_deg: np.ndarray, periodic: PeriodicPelvis, times: np.ndarray,
                  stride_s: float) -> np.ndarray:
    """Obliquity = keypoints' level (mean over one stride, corrected by the periodic
    fit's ``level_shift_deg``) + the image's stride-periodic part; the keypoints (and the
    same correction) where the periodic part is missing."""
    dt = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    n = max(3, int(round(stride_s / dt)))
    keypoint_deg = np.asarray(keypoint_deg, float) + periodic.level_shift_deg
    level = moving_mean(keypoint_deg, n)
    p = periodic.periodic_deg
    return np.where(np.isfinite(p), level + p, keypoint_deg)


# ------------------------------------------------------------- the keypoints' level
@dataclass
class LevelShift:
    """The keypoints' handedness bias, measured on the mirrored frames.

    Attributes
    ----------
    shift_deg : float
        Correction to add to the roll-levelled keypoint obliquity (deg, + = right side
        lower); NaN when too few frames had both readings.
    hips_deg, trunk_deg : float
        Half the mirrored-minus-original difference of the hip line's image tilt (+ = the
        image-right end lower) and of the trunk axis's tilt from vertical (+ = top to the
        right): the original reading's bias, if the model's error flips with the image.
    frames : int
        Frames with both readings.
    """

    shift_deg: float
    hips_deg: float
    trunk_deg: float
    frames: int


class MirroredLevel:
    """The pose model's handedness bias on the pelvis's level, from the mirrored frames.

    A pose network's reading of a mirrored image is not the mirror of its reading
    (flip test-time augmentation averages the two for that reason: Xiao et al. 2018,
    "Simple baselines for human pose estimation"). From behind, BlazePose reads the
    whole skeleton turned a little counter-clockwise on rendered runners (hip line 0.25-
    0.7 deg, trunk axis 0.6-1.0 deg; the background's lines show a level camera), and
    about as much clockwise on the same clips mirrored (``docs/pelvis-arms-front.md``).
    The pelvis's level comes from the hip line over a stride and is levelled by the roll
    taken from the trunk axis (``kinematics.rear.camera_roll``), so its bias is the
    hip line's minus the trunk's. This runs the same pose model on the mirrored frames
    (in a child process, like the pose stage), maps the result back, and returns half
    the mirrored-minus-original difference of (hip-line tilt - trunk tilt) over the clip
    (median over frames): the correction that turns the original reading into the
    average of the two. Nothing is learned from renders; the shift is the image's own.

    Parameters
    ----------
    max_side : int
        Frames are given to the model at most this big (as the pose stage).
    min_frames : float
        Fewest fraction of the track's frames with both readings for a shift.
    """

    def __init__(self, max_side: int = 1280, min_frames: float = 0.5) -> None:
        self.max_side, self.min_frames = int(max_side), float(min_frames)

    def shift(self, video_path, frame_index: np.ndarray, xy: np.ndarray,
              frame_size: tuple[int, int], model: str = "blazepose_full") -> LevelShift:
        """The :class:`LevelShift` of a clip given its pose track (upright pixels)."""
        from gaitvision.evidence.mirrored import aligned_rows, mirrored_reading

        # The pose stage's own run (its worker processes, its cache), on mirrored frames.
        mirrored = mirrored_reading(video_path, model, self.max_side)
        if mirrored is None:
            # No child process here (e.g. inside a daemonic worker), it died, or the
            # mirrored frames found nobody: the level stays the keypoints' own (shift NaN,
            # applied as 0).
            log.warning("pelvic level not corrected (no mirrored reading)")
            return LevelShift(float("nan"), float("nan"), float("nan"), 0)
        return self.compare(xy, aligned_rows(frame_index, mirrored))

    def compare(self, xy: np.ndarray, mirrored: np.ndarray) -> LevelShift:
        """The shift from the original keypoints and the mirrored reading mapped back
        (both (T, 33, 2), upright pixels, the runner's left/right labels of the track)."""
        hip0, hip1 = _image_line_tilt(xy, HIP), _image_line_tilt(mirrored, HIP)
        tr0, tr1 = _trunk_axis_tilt(xy), _trunk_axis_tilt(mirrored)
        ok = np.isfinite(hip0) & np.isfinite(hip1) & np.isfinite(tr0) & np.isfinite(tr1)
        if ok.sum() < max(3, self.min_frames * len(ok)):
            return LevelShift(float("nan"), float("nan"), float("nan"), int(ok.sum()))
        d_hip = 0.5 * float(np.median(hip1[ok] - hip0[ok]))
        d_trunk = 0.5 * float(np.median(tr1[ok] - tr0[ok]))
        # The series is + when the runner's right hip is lower: from behind that is the
        # image-right end, from the front the image-left one.
        right = xy[:, HIP["right"], 0] - xy[:, HIP["left"], 0]
        sign = 1.0 if np.nanmedian(right) > 0 else -1.0
        return LevelShift(sign * (d_hip - d_trunk), d_hip, d_trunk, int(ok.sum()))


def _image_line_tilt(xy: np.ndarray, pair: dict) -> np.ndarray:
    """Tilt of a left/right keypoint pair's line (deg, + = its image-right end lower)."""
    a, b = xy[:, pair["left"]], xy[:, pair["right"]]
    lo = np.where((a[:, 0] <= b[:, 0])[:, None], a, b)
    hi = np.where((a[:, 0] <= b[:, 0])[:, None], b, a)
    return np.degrees(np.arctan2(hi[:, 1] - lo[:, 1], hi[:, 0] - lo[:, 0]))


def _trunk_axis_tilt(xy: np.ndarray) -> np.ndarray:
    """Mid-hip -> mid-shoulder direction vs image vertical (deg, + = top to the right)."""
    from gaitvision.landmarks import SHOULDER

    d = 0.5 * (xy[:, SHOULDER["left"]] + xy[:, SHOULDER["right"]]) \
        - 0.5 * (xy[:, HIP["left"]] + xy[:, HIP["right"]])
    return np.degrees(np.arctan2(d[:, 0], -d[:, 1]))

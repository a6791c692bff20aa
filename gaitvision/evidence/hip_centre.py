"""Side view: where the hip joint centre is, rather than BlazePose's hip keypoint.

BlazePose's hip keypoint is a point on the body's surface, not the femoral head:
pose-model hip centres are 30-50 mm off marker-based ones (Needham et al. 2021, "The
accuracy of several pose estimation methods for 3D joint centre localisation", Sci Rep
11:20673). On the rendered sample side clip it sits 12-15 px (about 4.5 cm) in front
of the true joint centre, and every angle or distance that uses the hip inherits the
bias: the thigh reads more extended, the trunk more upright, the foot less far ahead.

Each estimator below looks for the per-clip fore-aft offset of the joint centre from
the keypoint, from the clip's own image evidence or geometry (never a number learned
from renders), in pixels along the running direction (``+`` forward; the kinematics
turn it into leg lengths):

- :class:`KneeCircleHip`: the knee travels on a circle about the hip joint centre, so
  the centre is the point from which the knee's distance varies least through the
  stride (a functional joint-centre method, in the spirit of the sphere fits reviewed by
  Ehrig et al. 2006, J Biomech 39:2798, reduced to the one offset a side view can
  resolve: the fore-aft one; the vertical is ill-conditioned on a 50 deg arc).
- :class:`ThighAxisHip`: the hip joint centre lies on the thigh's long axis. The axis is
  the midline between the thigh's front and back edges in the person mask
  (:mod:`gaitvision.evidence.silhouette`), measured on the lower, free part of the thigh
  where it does not merge with the buttocks or the other leg, and extended up to the
  hip keypoint's distance from the knee.
- :class:`OutlineHip`: the body's outline at hip height, from the back of the buttocks
  to the front of the pelvis, with the joint centre at ``proportion`` of that depth from
  the back. No published proportion relating the hip joint centre to the *skin outline*
  in side view was found (the regressions, Bell et al. 1989 Hum Mov Sci 8:3, Harrington
  et al. 2007 J Biomech 40:595, are relative to bony landmarks); the default, the
  middle, is an assumption, and the method is kept as a measured candidate only.

:func:`estimate_hip_centre` runs the chosen method and falls back to BlazePose's hip
point (offset 0, ``method = "blazepose"``) when the evidence is too thin; the result
says which was used. Applying the offset is the kinematics' business
(:func:`gaitvision.kinematics.side.hip_centre_series`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from gaitvision.evidence.silhouette import PoseSegmentation, SilhouetteFrame
from gaitvision.landmarks import HIP, KNEE, SIDES
from gaitvision.pose.track import PoseTrack

#: Metrics that use the hip joint centre when one is found (side view).
HIP_CENTRE_METRICS = ("hip_extension_peak_deg", "hip_extension_vs_trunk_peak_deg",
                      "trunk_lean_deg", "overstride_leg_lengths", "overstride_cm")


@dataclass
class HipCentre:
    """The hip joint centre of one clip as an offset from BlazePose's hip keypoint.

    Attributes
    ----------
    method : str
        ``"knee_circle"``, ``"thigh_axis"``, ``"outline"`` or ``"blazepose"`` (no
        offset: the fallback).
    offset_px : float
        Joint centre minus keypoint along the running direction, pixels of the
        full-size upright frame.
    spread_px : float
        Its uncertainty, pixels: the standard error of a fit, or the robust spread
        (1.4826 x MAD) of per-frame estimates.
    n_frames : int
        Frames that gave an estimate.
    note : str
        Why the fallback was used, or what was measured.
    far_side : str or None
        The leg on the far side of the camera, when a far-leg extra offset was measured.
    far_extra_px : float
        The far hip's offset beyond ``offset_px`` (same sign convention; 0 when not
        resolved): the far hip keypoint, which the pose model places on a hip it cannot
        see, has a bias of its own.
    far_extra_se_px : float
        Its standard error.
    """

    method: str
    offset_px: float = 0.0
    spread_px: float = float("nan")
    n_frames: int = 0
    note: str = ""
    far_side: str | None = None
    far_extra_px: float = 0.0
    far_extra_se_px: float = float("nan")

    @property
    def used(self) -> bool:
        """True when a joint-centre estimate (not the fallback) is in use."""
        return self.method != "blazepose"

    def leg_offsets_px(self) -> dict[str, float]:
        """Each leg's hip joint centre minus its keypoint, px forward (0 for the fallback)."""
        if not self.used:
            return {s: 0.0 for s in SIDES}
        return {s: self.offset_px + (self.far_extra_px if s == self.far_side else 0.0)
                for s in SIDES}

    def to_dict(self) -> dict:
        """JSON-ready dict (NaN as None)."""
        return {k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> HipCentre:
        """Inverse of :meth:`to_dict`."""
        nan_fields = ("spread_px", "far_extra_se_px")
        return cls(**{k: (float("nan") if v is None and k in nan_fields else v)
                      for k, v in d.items()})


def _forward_sign(track: PoseTrack) -> float:
    return -1.0 if (track.view is not None and track.view.direction == "left") else 1.0


def _robust(values: list[float]) -> tuple[float, float]:
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not v.size:
        return float("nan"), float("nan")
    med = float(np.median(v))
    return med, float(1.4826 * np.median(np.abs(v - med)))


# --------------------------------------------------------------------- knee circle
class KneeCircleHip:
    """Fore-aft hip offset that keeps each knee at the most constant distance from the hip.

    For an offset ``o`` (pixels, along image x, the same for both hips) the knee-to-hip
    distance of leg ``f`` is ``|d_f - o|`` with ``d_f = k_f - h_f``; squared,
    ``|d_f|^2 = 2 d_f.o - |o|^2 + r_f^2`` is linear in ``o`` and a per-leg constant
    (Kasa's algebraic circle fit), solved by least squares and re-weighted (Huber
    weights) against frames where a knee keypoint was off.

    The offset's standard error comes from a block jackknife (the fit repeated with
    each of ``blocks`` stretches of the clip left out, so that correlated keypoint
    errors within a stride are not taken for independent evidence). An offset within
    ``min_se`` standard errors of zero is not resolved by the clip: BlazePose's hip is
    kept (a per-clip correction the data cannot support would only add noise between
    sessions).

    The far hip keypoint (on the side away from the camera, a hip the pose model cannot
    see) has a bias of its own, larger than the near one's (on the rendered runners
    12-20 px against 4-10 px at peak extension). The shared offset fitted on both knees
    sits between the two, so the far leg also gets an extra offset: the difference
    between the two legs' own circle fits (far minus near). Each own fit is pulled
    toward its keypoint by its knee keypoint's error, which follows the thigh's angle
    alike on both legs, so the pull largely cancels in the difference. It is applied
    when it too is resolved (``min_se`` jackknife standard errors from 0). The near leg
    is the side the runner faces: a runner facing image-right is filmed from the right.

    Parameters
    ----------
    iterations : int
        Re-weighting passes.
    huber : float
        Residuals beyond this many robust SDs are down-weighted.
    min_frames : int
        Fewer usable frames: no estimate.
    blocks : int
        Jackknife blocks.
    min_se : float
        An offset is used only when it is at least this many standard errors from 0.
    far_extra : bool
        Measure the far leg's extra offset (False: one offset for both hips).
    """

    name = "knee_circle"

    def __init__(self, iterations: int = 5, huber: float = 2.0, min_frames: int = 30,
                 blocks: int = 8, min_se: float = 2.0, far_extra: bool = True) -> None:
        self.iterations = iterations
        self.huber = huber
        self.min_frames = min_frames
        self.blocks = blocks
        self.min_se = min_se
        self.far_extra = far_extra

    def fit(self, d: dict[str, np.ndarray]) -> float:
        """Robust offset (px, image x) from knee-minus-hip vectors per leg (finite rows)."""
        w = {f: np.ones(len(d[f])) for f in d}
        ox = 0.0
        for _ in range(self.iterations):
            rows, rhs, wts = [], [], []
            for j, f in enumerate(d):
                a = np.zeros((len(d[f]), 1 + len(d)))
                a[:, 0], a[:, 1 + j] = 2 * d[f][:, 0], 1.0
                rows.append(a)
                rhs.append((d[f] ** 2).sum(axis=1))
                wts.append(w[f])
            a, b, ww = np.vstack(rows), np.concatenate(rhs), np.sqrt(np.concatenate(wts))
            ox = float(np.linalg.lstsq(a * ww[:, None], b * ww, rcond=None)[0][0])
            for f in d:
                r = np.linalg.norm(d[f] - [ox, 0.0], axis=1)
                res = np.abs(r - np.median(r))
                s = max(1.4826 * float(np.median(res)), 1e-6)
                w[f] = np.minimum(1.0, self.huber * s / np.maximum(res, 1e-9))
        return ox

    def _with_se(self, d: dict, ok: dict, block: np.ndarray, legs: tuple,
                 weights: tuple) -> tuple[float, float]:
        """``sum(weights[i] * fit(legs[i]))`` and its block-jackknife standard error;
        each ``legs[i]`` is a tuple of the legs fitted together."""
        def value(keep: np.ndarray) -> float:
            return sum(w * self.fit({f: d[f][ok[f] & keep] for f in group})
                       for group, w in zip(legs, weights))

        full = value(np.ones(len(block), bool))
        loo = np.array([value(block != k) for k in range(self.blocks)])
        se = float(np.sqrt((self.blocks - 1) / self.blocks * np.sum((loo - loo.mean()) ** 2)))
        return full, se

    def estimate(self, track: PoseTrack, masks=None) -> HipCentre:
        """Offset of the clip (``masks`` unused: geometry only)."""
        d = {f: track.xy[:, KNEE[f]] - track.xy[:, HIP[f]] for f in SIDES}
        ok = {f: np.isfinite(d[f]).all(axis=1) for f in SIDES}
        n = int(sum(v.sum() for v in ok.values()))
        if min(int(v.sum()) for v in ok.values()) < self.min_frames:
            return HipCentre("blazepose", n_frames=n,
                             note="too few frames with hips and knees for a knee-circle fit")
        block = np.arange(len(track.xy)) * self.blocks // len(track.xy)
        ox, se = self._with_se(d, ok, block, (SIDES,), (1.0,))
        sign = _forward_sign(track)
        if abs(ox) < self.min_se * se:
            return HipCentre("blazepose", sign * ox, se, n,
                             f"knee-circle offset {abs(ox):.1f} px not resolved (standard "
                             f"error {se:.1f} px)")
        out = HipCentre(self.name, sign * ox, se, n,
                        "fore-aft offset that keeps the knees' distance most constant")
        near = track.view.direction if track.view is not None else None
        if self.far_extra and near in SIDES:
            far = SIDES[1 - SIDES.index(near)]
            extra, extra_se = self._with_se(d, ok, block, ((far,), (near,)), (1.0, -1.0))
            out.far_side, out.far_extra_se_px = far, extra_se
            if abs(extra) >= self.min_se * extra_se:
                out.far_extra_px = sign * extra
        return out


# --------------------------------------------------------------------- mask helpers
def _run_along(mask: np.ndarray, p: np.ndarray, n: np.ndarray, scale: float,
               max_px: float) -> tuple[float, float] | None:
    """Distances (full-size px) from ``p`` to the mask's edge along ``+n`` and ``-n``."""
    out = []
    steps = np.arange(0.0, max_px, max(scale * 0.5, 0.5))
    for sgn in (1.0, -1.0):
        q = (p[None, :] + sgn * steps[:, None] * n[None, :]) / scale
        x, y = np.round(q[:, 0]).astype(int), np.round(q[:, 1]).astype(int)
        inside = (x >= 0) & (y >= 0) & (x < mask.shape[1]) & (y < mask.shape[0])
        on = np.zeros(len(steps), bool)
        on[inside] = mask[y[inside], x[inside]]
        if not on[0]:
            return None
        off = np.flatnonzero(~on)
        if not off.size:
            return None  # no edge within reach
        out.append(float(steps[off[0]]))
    return out[0], out[1]


# --------------------------------------------------------------------- thigh axis
class ThighAxisHip:
    """Fore-aft hip offset from the thigh's own axis (midline of its outline in the mask).

    Per frame and leg, cross-sections perpendicular to the keypoint thigh (hip -> knee)
    at ``fractions`` of its length find the thigh's two edges; their midpoints give the
    axis (a straight-line fit), extended to the hip keypoint's distance from the knee.
    A cross-section counts only where the thigh is a plausible width (``width_range``
    of its length) and the legs are at least ``min_separation_deg`` apart (so the mask
    there is one thigh, not both). The clip's offset is the median over frames.

    Parameters
    ----------
    fractions : tuple of float
        Where along the thigh (0 = hip, 1 = knee) the cross-sections are taken.
    width_range : (float, float)
        Accepted thigh width, as a share of the thigh's length.
    min_separation_deg : float
        Smallest angle between the two thighs for a frame to count.
    min_sections : int
        Fewest valid cross-sections for an axis.
    min_frames : int
        Fewest frames with an axis for an estimate.
    """

    name = "thigh_axis"

    def __init__(self, fractions=(0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8),
                 width_range=(0.2, 0.5), min_separation_deg: float = 25.0,
                 min_sections: int = 5, min_frames: int = 10) -> None:
        self.fractions = tuple(fractions)
        self.width_range = width_range
        self.min_separation_deg = min_separation_deg
        self.min_sections = min_sections
        self.min_frames = min_frames

    def frame_offset(self, hip: np.ndarray, knee: np.ndarray, sf: SilhouetteFrame) -> float:
        """Image-x offset (px) of the axis-extended hip from the keypoint; NaN if unclear."""
        v = knee - hip
        length = float(np.hypot(*v))
        if not np.isfinite(length) or length < 10:
            return float("nan")
        u = v / length
        n = np.array([-u[1], u[0]])
        along, centre = [], []
        for f in self.fractions:
            e = _run_along(sf.mask, hip + f * v, n, sf.scale, self.width_range[1] * length)
            if e is None:
                continue
            width = e[0] + e[1]
            if self.width_range[0] * length <= width <= self.width_range[1] * length:
                along.append(f * length)
                centre.append((e[0] - e[1]) / 2)
        if len(along) < self.min_sections:
            return float("nan")
        slope, c0 = np.polyfit(along, centre, 1)
        return float(c0 * n[0])

    def estimate(self, track: PoseTrack, masks: list[SilhouetteFrame]) -> HipCentre:
        """Offset of the clip from the given masks."""
        row = {int(i): k for k, i in enumerate(track.frame_index)}
        per_frame = []
        for sf in masks:
            k = row.get(sf.index)
            if k is None:
                continue
            xy = track.xy[k]
            angles = [np.degrees(np.arctan2(*(xy[KNEE[f]] - xy[HIP[f]]))) for f in SIDES]
            if not abs(angles[0] - angles[1]) >= self.min_separation_deg:
                continue
            offs = [self.frame_offset(xy[HIP[f]], xy[KNEE[f]], sf) for f in SIDES]
            offs = [o for o in offs if np.isfinite(o)]
            if offs:
                per_frame.append(float(np.median(offs)))
        if len(per_frame) < self.min_frames:
            return HipCentre("blazepose", n_frames=len(per_frame),
                             note=f"thigh outline measurable in only {len(per_frame)} frames")
        med, spread = _robust(per_frame)
        return HipCentre(self.name, _forward_sign(track) * med, spread, len(per_frame),
                         "thigh axis from the thigh's outline, extended to the hip")


# --------------------------------------------------------------------- outline
class OutlineHip:
    """Fore-aft hip position at ``proportion`` of the body's depth at hip height.

    Parameters
    ----------
    proportion : float
        Joint centre's place from the back (0) to the front (1) of the outline. 0.5 is
        an assumption (see the module notes), not a published value.
    max_depth_thighs : float
        Outlines deeper than this many thigh lengths (keypoint hip to knee; an arm or
        the other leg joined on) are skipped.
    min_frames : int
        Fewest frames with an outline for an estimate.
    """

    name = "outline"

    def __init__(self, proportion: float = 0.5, max_depth_thighs: float = 0.8,
                 min_frames: int = 10) -> None:
        self.proportion = proportion
        self.max_depth_thighs = max_depth_thighs
        self.min_frames = min_frames

    def estimate(self, track: PoseTrack, masks: list[SilhouetteFrame]) -> HipCentre:
        """Offset of the clip from the given masks."""
        sign = _forward_sign(track)
        thigh = np.nanmedian(np.linalg.norm(track.xy[:, KNEE["right"]] - track.xy[:, HIP["right"]],
                                            axis=1))
        row = {int(i): k for k, i in enumerate(track.frame_index)}
        per_frame = []
        for sf in masks:
            k = row.get(sf.index)
            if k is None or not np.isfinite(thigh):
                continue
            hip = (track.xy[k, HIP["left"]] + track.xy[k, HIP["right"]]) / 2
            if not np.isfinite(hip).all():
                continue
            e = _run_along(sf.mask, hip, np.array([sign, 0.0]), sf.scale,
                           self.max_depth_thighs * thigh)
            if e is None:
                continue
            front, back = e[0], -e[1]  # along the running direction, from the keypoint
            per_frame.append(back + self.proportion * (front - back))
        if len(per_frame) < self.min_frames:
            return HipCentre("blazepose", n_frames=len(per_frame),
                             note=f"outline at hip height measurable in only {len(per_frame)} "
                                  "frames")
        med, spread = _robust(per_frame)
        return HipCentre(self.name, med, spread, len(per_frame),
                         f"{self.proportion:.0%} of the body's depth at hip height")


METHODS = {"knee_circle": KneeCircleHip, "thigh_axis": ThighAxisHip, "outline": OutlineHip}


def mask_spans(track: PoseTrack, n_spans: int = 2, span_s: float = 0.8) -> list[tuple[float, float]]:
    """``n_spans`` stretches of ``span_s`` seconds spread over the clip (a stride or so each)."""
    t0, t1 = float(track.times[0]), float(track.times[-1])
    if t1 - t0 <= n_spans * span_s:
        return [(t0, t1 + 1e-6)]
    centres = t0 + (t1 - t0) * (np.arange(n_spans) + 1) / (n_spans + 1)
    return [(float(c - span_s / 2), float(c + span_s / 2)) for c in centres]


def estimate_hip_centre(track: PoseTrack, video: str | Path | None, method: str = "thigh_axis",
                        segmentation: PoseSegmentation | None = None,
                        masks: list[SilhouetteFrame] | None = None) -> HipCentre:
    """The clip's hip joint centre by ``method``, or BlazePose's hip point as the fallback.

    Parameters
    ----------
    track : PoseTrack
        Labelled side-view track (landmark pixels of the full-size upright frame).
    video : path, optional
        The clip; needed by the mask-based methods (only :func:`mask_spans` is decoded).
    method : str
        A key of :data:`METHODS`, or ``"blazepose"`` for no correction.
    segmentation, masks
        Mask source, or masks already computed (shared between methods).
    """
    if method == "blazepose":
        return HipCentre("blazepose", note="BlazePose's hip keypoint, as asked")
    if method not in METHODS:
        raise ValueError(f"hip method must be one of blazepose, {', '.join(METHODS)}, "
                         f"not {method!r}")
    est = METHODS[method]()
    if method != "knee_circle" and masks is None:
        if video is None:
            return HipCentre("blazepose", note="no video to measure the outline on")
        seg = segmentation or PoseSegmentation()
        masks = list(seg.masks(video, mask_spans(track), track.frame_size[0]))
    return est.estimate(track, masks)

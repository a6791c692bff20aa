"""How far a wrist hidden behind the torso can reach: the seen elbow, the forearm's
direction and its length.

Seen from behind, a wrist that swings across the body's midline passes in front of the
torso, where the camera cannot see it. BlazePose then guesses: on the committed rendered
rear clip it keeps the hidden wrist's *direction* from the elbow roughly right (within
about 10 deg when the forearm lies across the back) but pulls the wrist in to the
torso's edge, half a forearm short, so the crossover it gives is -0.21 / -0.19 shoulder
widths against a true +0.15 / +0.14. The elbow stays in view and is placed within a few
pixels. This module places the hidden wrist at the forearm's full length along that
direction, which is the farthest it can reach:

1. **Forearm length** ``L``, per arm: a high percentile of the elbow-wrist distance over
   the frames in which the pose model sees both points. Foreshortening only ever
   shortens a segment's image, so this is a lower bound of the forearm's length (a
   treadmill runner stays at one distance); from behind, the seen forearm (hanging or
   swung back) usually leans toward the camera, so it is raised to the body's
   proportion where that is longer, or taken from the proportion alone where the
   forearm is seen in too few frames (small or patterned clips, where the pose model
   rarely calls a wrist seen): forearm = 0.297 leg lengths (hip-knee-ankle), from
   Winter's segment lengths (forearm 0.146, thigh 0.245, leg 0.246 of the stature;
   Winter 2009, "Biomechanics and Motor Control of Human Movement", 4th ed., fig. 4.1,
   after Drillis & Contini 1966).
2. **The reach**: ``elbow + L * u``, ``u`` the unit direction elbow -> the pose model's
   hidden wrist. This is the wrist if the hidden forearm lies in the image plane, as it
   does when it lies across the back; a forearm that also points away from the camera is
   shorter in the image, and nothing in a rear image tells the two apart. Measured on
   rendered runners: +0.01 shoulder widths on a body whose forearm lies across the back,
   but +0.17 too far in on one whose forearm points forward at its innermost (true
   -0.10). So the caller uses it neither as a value nor as a bound; its bounds are the
   elbow and one forearm length ``L`` in from it (``kinematics/rear.py``), the
   farthest any wrist ``L`` from its elbow can be in the image.
3. **No direction, no wrist**: where the model's hidden forearm is shorter than
   ``min_reach * L`` (it has put the wrist on or near the elbow: the forearm may point
   straight away from the camera), its direction is not trusted and no wrist is
   estimated, and the reach is unknown.

Tried and dropped (``docs/pelvis-arms-front.md``): the visible forearm stub between the
elbow and the torso's edge, found as the longest run of forearm-coloured pixels (a
CIELAB Gaussian of the fully seen forearm) along rays from the elbow. At the innermost
instant of the committed clip the elbow sits on the torso's edge and no stub is visible
at all, and in mid-swing the stub's direction was less accurate than the pose model's.

The geometry (a limb's length from the frames where its image is longest, an occluded
end placed along the limb's direction) is the occlusion reasoning of 2D model-based
tracking (Sigal & Black 2006, "Measure locally, reason globally: occlusion-sensitive
articulated pose estimation", CVPR).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gaitvision.landmarks import ELBOW, INDEX, SIDES, WRIST


@dataclass
class ForearmEvidence:
    """Hidden wrists placed at the forearm's length, in the track's pixels.

    Attributes
    ----------
    length_px : dict
        Arm -> forearm length in the units of the keypoints (NaN when it could not be measured).
    wrist_xy : dict
        Arm -> (T, 2): the estimated wrist where the wrist is hidden and the forearm's
        direction is known; NaN elsewhere.
    hidden : dict
        Arm -> (T,) bool: the wrist is hidden and the elbow seen.
    reason : dict
        Arm -> why no wrist could be estimated for that arm at all ("" when it could).
    """

    length_px: dict = field(default_factory=dict)
    wrist_xy: dict = field(default_factory=dict)
    hidden: dict = field(default_factory=dict)
    reason: dict = field(default_factory=dict)


class ForearmReach:
    """Estimate hidden wrists from the seen elbow, the forearm's direction and length.

    Parameters
    ----------
    seen : float
        Pose-model visibility at or above which a keypoint counts as seen.
    length_percentile : float
        Percentile of the fully seen elbow-wrist distances taken as the forearm length
        (high: foreshortening only shortens; not the maximum, which a single misplaced
        wrist would set).
    min_seen_frames : int
        Fewest frames with elbow and wrist seen needed to measure the length.
    forearm_per_leg : float
        The forearm's length as a fraction of the leg (hip-knee-ankle): the least length
        taken (see the module docstring); 0 turns it off.
    min_reach : float
        Shortest hidden elbow -> wrist vector of the pose model, as a fraction of the
        forearm length, whose direction is used.
    """

    def __init__(self, seen: float = 0.5, length_percentile: float = 90.0,
                 min_seen_frames: int = 8, forearm_per_leg: float = 0.297,
                 min_reach: float = 0.35) -> None:
        self.seen, self.length_percentile = seen, length_percentile
        self.forearm_per_leg = forearm_per_leg
        self.min_seen_frames, self.min_reach = min_seen_frames, min_reach

    def lengths(self, xy: np.ndarray, vis: np.ndarray, leg: float = float("nan")
                ) -> dict[str, float]:
        """Forearm length per arm (units of ``xy``): from the frames where both ends are
        seen, at least ``forearm_per_leg * leg`` (``leg``: leg length, same units); the
        proportion alone with too few seen frames; NaN with neither."""
        out = {}
        for arm in SIDES:
            ok = self._seen(xy, vis, ELBOW[arm]) & self._seen(xy, vis, WRIST[arm])
            d = np.linalg.norm(xy[ok, WRIST[arm]] - xy[ok, ELBOW[arm]], axis=1)
            seen = (float(np.percentile(d, self.length_percentile))
                    if d.size >= self.min_seen_frames else float("nan"))
            body = self.forearm_per_leg * leg if self.forearm_per_leg > 0 else float("nan")
            out[arm] = float(np.nanmax([seen, body])) if np.isfinite([seen, body]).any() \
                else float("nan")
        return out

    def estimate(self, xy: np.ndarray, vis: np.ndarray, leg: float = float("nan")
                 ) -> ForearmEvidence:
        """Hidden wrists of a pose track (``xy`` (T, 33, 2), ``vis`` (T, 33); ``leg``: the
        leg length in the units of ``xy``, for the body-proportion length)."""
        ev = ForearmEvidence(length_px=self.lengths(xy, vis, leg))
        for arm in SIDES:
            e, w = xy[:, ELBOW[arm]], xy[:, WRIST[arm]]
            hidden = self._seen(xy, vis, ELBOW[arm]) & ~self._seen(xy, vis, WRIST[arm])
            ev.hidden[arm] = hidden
            ev.wrist_xy[arm] = np.full(e.shape, np.nan)
            length = ev.length_px[arm]
            if not np.isfinite(length):
                ev.reason[arm] = ("the forearm was fully seen in too few frames to measure it, "
                                  "and the leg length is unknown")
                continue
            ev.reason[arm] = ""
            d = w - e
            with np.errstate(invalid="ignore"):
                n = np.linalg.norm(d, axis=1)
                ok = hidden & np.isfinite(n) & (n >= self.min_reach * length)
            ev.wrist_xy[arm][ok] = e[ok] + length * d[ok] / n[ok, None]
        return ev

    def _seen(self, xy: np.ndarray, vis: np.ndarray, index: int) -> np.ndarray:
        return (vis[:, index] >= self.seen) & np.isfinite(xy[:, index]).all(axis=1)


class HandBackedWrist:
    """Front view: the wrist placed back from the hand's knuckles by the hand's own size.

    Seen from the front, a wrist that crosses the midline is in front of the torso and in
    view, but BlazePose slides it toward the elbow there: on rendered front runners its
    forearm came out 0.05-0.15 of the forearm's length short at the innermost point
    (nowhere else: the median over all frames is within 0.04), so the crossover read
    0.05 shoulder widths low on average and up to 0.15 (``docs/pelvis-arms-front.md``).
    The hand's knuckles (BlazePose's ``pinky`` and ``index`` points, the fifth and second
    metacarpophalangeal joints) stay on the hand. So the wrist is placed at the knuckles'
    midpoint ``K`` moved back toward the elbow ``E`` by the hand's wrist-to-knuckles
    distance ``d``: ``K - d (K - E) / |K - E|``, with ``d`` the median of the pose model's
    own ``|K - wrist|`` over the frames in which the wrist is beside the body (at least
    ``beside_sw`` shoulder widths out from the midline, against the background rather
    than the shirt). Nothing is taken from the renders: ``d`` is this clip's hand.

    Parameters
    ----------
    beside_sw : float
        Midline offset (shoulder widths, + past the midline) at or below which the wrist
        counts as beside the body: -0.5 is its own shoulder's line.
    min_frames : int
        Fewest such frames needed to measure ``d``; with fewer, the wrist is left as the
        pose model gave it.
    """

    def __init__(self, beside_sw: float = -0.5, min_frames: int = 8) -> None:
        self.beside_sw, self.min_frames = beside_sw, min_frames

    def estimate(self, xy: np.ndarray, offset: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Per arm, the wrist (T, 2) in the units of ``xy`` ((T, 33, 2); ``offset``: arm ->
        the pose model's wrist midline offset, shoulder widths): the pose model's wrist
        where the hand's size cannot be measured or a point is missing."""
        out = {}
        for arm in SIDES:
            w, e = xy[:, WRIST[arm]], xy[:, ELBOW[arm]]
            k = (xy[:, INDEX[f"{arm}_pinky"]] + xy[:, INDEX[f"{arm}_index"]]) / 2
            with np.errstate(invalid="ignore"):
                beside = offset[arm] <= self.beside_sw
            size = np.linalg.norm(k - w, axis=1)[beside]
            size = size[np.isfinite(size)]
            out[arm] = w.copy()
            if size.size < self.min_frames:
                continue
            d = float(np.median(size))
            back = k - e
            with np.errstate(invalid="ignore", divide="ignore"):
                placed = k - d * back / np.linalg.norm(back, axis=1)[:, None]
            ok = np.isfinite(placed).all(axis=1)
            out[arm][ok] = placed[ok]
        return out

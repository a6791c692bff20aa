"""Drawing one clip's analysis onto its frames: skeleton, angles, events, read-out.

:class:`Annotator` knows the analysis (events, strides, per-frame angle series) and the
pose track, and draws either a full annotated frame (:meth:`Annotator.draw_frame`) or
just the body with the measured angles at any offset and zoom (used by the stride loops
and key frames). The video pass itself lives in :mod:`gaitvision.report.videos`.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from gaitvision.kinematics.analysis import GaitAnalysis, StrideRecord
from gaitvision.landmarks import ANKLE, HEEL, HIP, KNEE, SHOULDER, TOE, WRIST
from gaitvision.pose.track import PoseTrack
from gaitvision.report import draw, style
from gaitvision.report.encode import even_size

#: How long an IC/TO marker stays on screen (s of the source clip).
EVENT_SHOW_S = 0.25

#: Live read-out lines per view: (metric NAME, label, unit, decimals). The first name
#: found in the analysis wins where alternatives are given.
READOUT = {
    "side": [
        (("contact_time_ms",), "contact", "ms", 0),
        (("knee_flexion_ic_deg",), "knee at IC", "deg", 0),
        (("hip_extension_peak_deg",), "hip ext. peak", "deg", 0),
        (("overstride_cm", "overstride_leg_lengths"), "overstride", None, None),
    ],
    "rear": [
        (("pelvic_drop_peak_deg",), "pelvic drop", "deg", 1),
        (("step_width_leg_lengths",), "step width", "leg_lengths", 2),
        (("arm_crossover_shoulder_widths",), "arm crossover", "shoulder_widths", 2),
    ],
}


# --------------------------------------------------------------------------- context
def _mean_of_finite(values) -> float:
    """Mean of the finite values (NaN if none): a median of two without numpy's
    per-call overhead, which cost a tenth of a second per clip in the drawing loop."""
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else math.nan


def near_side(analysis: GaitAnalysis, track: PoseTrack) -> str | None:
    """The leg facing the camera in side view (None in rear view).

    The runner's own left faces the camera when they run toward image-left. Falls back
    on the analysis' hidden leg, then on BlazePose depth.
    """
    if analysis.view != "side":
        return None
    hidden = getattr(analysis.quality, "hidden_leg", None)
    if hidden in ("left", "right"):
        return "right" if hidden == "left" else "left"
    if analysis.direction in ("left", "right"):
        return "left" if analysis.direction == "left" else "right"
    legs_l = [HIP["left"], KNEE["left"], ANKLE["left"]]
    legs_r = [HIP["right"], KNEE["right"], ANKLE["right"]]
    dz = np.nanmedian(track.z[:, legs_l] - track.z[:, legs_r]) if track.n_frames else 0.0
    return "left" if dz < 0 else "right"


def forward_sign(analysis: GaitAnalysis, track: PoseTrack) -> float:
    """+1 when the runner faces image-right, -1 when image-left."""
    if analysis.direction == "left":
        return -1.0
    if analysis.direction == "right":
        return 1.0
    nose = track.xy[:, 0, 0]
    mid = np.nanmean(track.xy[:, [HIP["left"], HIP["right"]], 0], axis=1)
    d = np.nanmedian(nose - mid) if np.isfinite(nose - mid).any() else 1.0
    return 1.0 if d >= 0 else -1.0


def _stances(analysis: GaitAnalysis) -> dict[str, list[tuple[float, float, bool]]]:
    out: dict[str, list[tuple[float, float, bool]]] = {"left": [], "right": []}
    for side in ("left", "right"):
        ics = analysis.events.select(side, "IC")
        tos = analysis.events.select(side, "TO")
        j = 0
        for ic in ics:
            while j < len(tos) and tos[j].time_s <= ic.time_s:
                j += 1
            if j < len(tos):
                out[side].append((ic.time_s, tos[j].time_s, ic.inferred or tos[j].inferred))
    return out


def midstance_time(stride: StrideRecord, track: PoseTrack, forward: float | None) -> float:
    """Midstance: the analysis' own ``mid_s`` when it has one; else, in side view, when
    the stance ankle passes under the hip; else halfway between IC and TO."""
    mid = getattr(stride, "mid_s", None)
    if mid is not None and math.isfinite(mid):
        return float(mid)
    t0, t1 = stride.start_s, stride.to_s
    if not (math.isfinite(t0) and math.isfinite(t1)) or t1 <= t0:
        return t0
    if forward is None:
        return 0.5 * (t0 + t1)
    sel = (track.times >= t0) & (track.times <= t1)
    if sel.sum() >= 3:
        hip = track.xy[sel, HIP[stride.side], 0]
        ank = track.xy[sel, ANKLE[stride.side], 0]
        d = (ank - hip) * forward
        ok = np.isfinite(d)
        if ok.sum() >= 3 and d[ok][0] > 0 > d[ok][-1]:
            tt = track.times[sel][ok]
            dd = d[ok]
            k = int(np.argmax(dd < 0))
            # linear crossing between k-1 and k
            f = dd[k - 1] / (dd[k - 1] - dd[k])
            return float(tt[k - 1] + f * (tt[k] - tt[k - 1]))
    return 0.5 * (t0 + t1)


def runner_box(xy: np.ndarray, frame_w: int, frame_h: int, margin: float = 0.15,
               aspect: float | None = None) -> tuple[int, int, int, int]:
    """Bounding box (x0, y0, x1, y1) of all finite points with a margin, inside the frame,
    even-sized (optionally widened/heightened to ``aspect`` = w/h)."""
    pts = xy.reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0:
        return (0, 0, frame_w // 2 * 2, frame_h // 2 * 2)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    size = hi - lo
    m = margin * max(size[1], size[0])
    x0, y0 = lo - m
    x1, y1 = hi + m
    y0 -= 0.06 * size[1]  # head room above the nose
    if aspect:
        w, h = x1 - x0, y1 - y0
        if w / h < aspect:
            cx, w = (x0 + x1) / 2, h * aspect
            x0, x1 = cx - w / 2, cx + w / 2
        else:
            cy, h = (y0 + y1) / 2, w / aspect
            y0, y1 = cy - h / 2, cy + h / 2
    x0, y0 = max(0, int(math.floor(x0))), max(0, int(math.floor(y0)))
    x1, y1 = min(frame_w, int(math.ceil(x1))), min(frame_h, int(math.ceil(y1)))
    w, h = even_size(max(2, x1 - x0), max(2, y1 - y0))
    return (x0, y0, x0 + w, y0 + h)


# --------------------------------------------------------------------------- annotator
class Annotator:
    """Draws the analysis onto frames of its clip.

    ``scale`` maps track pixels (upright source frame) to the decoded frame's pixels.
    """

    def __init__(self, analysis: GaitAnalysis, track: PoseTrack, scale: float = 1.0) -> None:
        self.a = analysis
        self.track = track
        self.scale = scale
        self.view = "side" if analysis.view == "side" else "rear"
        self.near = near_side(analysis, track)
        self.forward = forward_sign(analysis, track)
        self.stances = _stances(analysis)
        self.events = [(e.time_s, e.foot, e.type, e.inferred) for e in analysis.events]
        self.readout = [(self._pick(names), lab, unit, dec) for names, lab, unit, dec
                        in READOUT[self.view]]
        self.readout = [r for r in self.readout if r[0] is not None]

    def _pick(self, names) -> str | None:
        for n in names:
            if n in self.a.summary:
                return n
        return None

    # ------------------------------------------------------------ values
    def series_value(self, key: str, row: int) -> float | None:
        arr = self.a.series.get(key)
        if arr is None or row >= len(arr):
            return None
        v = float(arr[row])
        return v if math.isfinite(v) else None

    def knee_value(self, side: str, row: int, xy: np.ndarray) -> float:
        v = self.series_value(f"knee_flexion_deg.{side}", row)
        if v is None:
            v = draw.knee_flexion(xy[HIP[side]], xy[KNEE[side]], xy[ANKLE[side]])
        return v

    def hip_value(self, side: str, row: int, xy: np.ndarray) -> float:
        for key in (f"hip_extension_deg.{side}", f"thigh_angle_deg.{side}"):
            v = self.series_value(key, row)
            if v is not None:
                return v
        return draw.segment_angle_to_vertical(xy[HIP[side]], xy[KNEE[side]], self.forward)

    def pelvis_value(self, row: int, xy: np.ndarray) -> tuple[float, str]:
        """Pelvic obliquity magnitude (deg) and which hip is lower ("L"/"R")."""
        pl, pr = xy[HIP["left"]], xy[HIP["right"]]
        d = pr - pl
        ang = abs(math.degrees(math.atan2(abs(float(d[1])), abs(float(d[0])) + 1e-9)))
        lower = "L" if pl[1] > pr[1] else "R"
        v = self.series_value("pelvic_obliquity_deg", row)
        if v is not None:  # the analysis' value: + = right hip lower than left
            ang, lower = abs(v), ("R" if v > 0 else "L")
        return ang, lower

    # ------------------------------------------------------------ drawing
    def points(self, row: int, offset=(0.0, 0.0), zoom: float = 1.0) -> tuple[np.ndarray,
                                                                              np.ndarray]:
        xy = self.track.xy[row] * self.scale
        xy = (xy - np.asarray(offset, float)) * zoom
        return xy, self.track.visibility[row]

    def draw_body(self, img: np.ndarray, row: int, st: draw.Style, *, offset=(0.0, 0.0),
                  zoom: float = 1.0, emphasis: str | None = None) -> None:
        """Skeleton plus the measured angles (side: hip and knee; rear: pelvis, midline)."""
        xy, vis = self.points(row, offset, zoom)
        # the side a still or loop is about is drawn bold, like the near side
        bold = emphasis if (emphasis and self.view == "side") else self.near
        draw.draw_skeleton(img, xy, vis, st, bold)
        if self.view == "side":
            self._side_angles(img, row, xy, vis, st, emphasis)
        else:
            self._rear_lines(img, row, xy, vis, st)

    def _side_angles(self, img, row, xy, vis, st, emphasis) -> None:
        lengths = [np.hypot(*(xy[KNEE[s]] - xy[HIP[s]])) for s in ("left", "right")]
        thigh_len = _mean_of_finite(lengths)
        if not math.isfinite(thigh_len) or thigh_len < 4:
            return
        r = 0.32 * thigh_len
        sides = [emphasis] if emphasis else [s for s in ("left", "right") if s != self.near]
        if not emphasis and self.near:
            sides.append(self.near)  # near leg drawn last, on top
        for side in sides:
            h, k, a = xy[HIP[side]], xy[KNEE[side]], xy[ANKLE[side]]
            if not (draw._ok(h) and draw._ok(k) and draw._ok(a)):
                continue
            if emphasis is None and side != self.near and min(vis[HIP[side]], vis[KNEE[side]],
                                                              vis[ANKLE[side]]) < 0.5:
                continue
            col = style.SIDE_RGB_VIDEO[side]
            hv = self.hip_value(side, row, xy)
            kv = self.knee_value(side, row, xy)
            # Labels: the near leg's in front of the body, the far leg's behind it, so the
            # two legs' values never sit on top of each other.
            ahead = side == self.near or (emphasis is not None)
            sgn = self.forward if ahead else -self.forward
            anchor = "lm" if sgn > 0 else "rm"
            gap = r + 6 * st.unit
            hip_txt = f"hip ext {hv:.0f}°" if hv >= 0 else f"hip flex {-hv:.0f}°"
            draw.draw_arc(img, h, (0.0, 1.0), k - h, r, col, st, hip_txt,
                          ref_len=0.9 * thigh_len, label_at=(h[0] + sgn * gap, h[1]),
                          label_anchor=anchor)
            draw.draw_arc(img, k, k - h, a - k, r, col, st, f"knee {kv:.0f}°",
                          ref_len=0.6 * thigh_len, label_at=(k[0] + sgn * gap, k[1]),
                          label_anchor=anchor)

    def _rear_lines(self, img, row, xy, vis, st) -> None:
        pl, pr = xy[HIP["left"]], xy[HIP["right"]]
        sl, sr = xy[SHOULDER["left"]], xy[SHOULDER["right"]]
        if not (draw._ok(pl) and draw._ok(pr)):
            return
        mid_h = (pl + pr) / 2
        feet = [xy[j] for j in (ANKLE["left"], ANKLE["right"], HEEL["left"], HEEL["right"])
                if draw._ok(xy[j])]
        floor_y = max(p[1] for p in feet) if feet else mid_h[1] + 2 * abs(pr[0] - pl[0])
        if draw._ok(sl) and draw._ok(sr):
            mid_s = (sl + sr) / 2
            d = mid_h - mid_s
            if abs(d[1]) > 1:
                k = (floor_y - mid_s[1]) / d[1]
                bottom = mid_s + d * k
                top = mid_s - d * 0.25
                draw.dashed_line(img, top, bottom, (0, 0, 0), st.line + 2, 3 * st.unit)
                draw.dashed_line(img, top, bottom, style.GREEN, st.line, 3 * st.unit)
            shoulder_w = abs(sr[0] - sl[0])
            for side in ("left", "right"):
                w = xy[WRIST[side]]
                if draw._ok(w) and shoulder_w > 2:
                    mx = mid_s[0] + (mid_h[0] - mid_s[0]) * (w[1] - mid_s[1]) / (d[1] or 1)
                    own = np.sign(xy[SHOULDER[side]][0] - mid_s[0])
                    if (w[0] - mx) * own < 0:  # wrist beyond the midline
                        cv2.circle(img, draw._pt(w), 4 * st.unit, style.ORANGE, st.line,
                                   cv2.LINE_AA)
        # pelvis line, extended 40 % each way, and a level reference
        d = pr - pl
        a, b = pl - 0.4 * d, pr + 0.4 * d
        lvl = abs(d[0]) * 0.7
        ref_y = (pl[1] + pr[1]) / 2
        draw.dashed_line(img, (mid_h[0] - lvl, ref_y), (mid_h[0] + lvl, ref_y), style.WHITE,
                         max(1, st.line - 1), 3 * st.unit)
        cv2.line(img, draw._pt(a), draw._pt(b), (0, 0, 0), st.line + 4, cv2.LINE_AA)
        cv2.line(img, draw._pt(a), draw._pt(b), style.YELLOW, st.line + 2, cv2.LINE_AA)
        ang, lower = self.pelvis_value(row, xy)
        draw.label(img, f"pelvis {ang:.1f}° ({lower} low)", mid_h[0],
                   min(pl[1], pr[1]) - 8 * st.unit, st, colour=style.YELLOW, anchor="cb",
                   border=style.YELLOW)

    def draw_events(self, img, row: int, t: float, st, *, offset=(0.0, 0.0),
                    zoom: float = 1.0) -> None:
        xy, _ = self.points(row, offset, zoom)
        for time, foot, kind, inferred in self.events:
            age = (t - time) / EVENT_SHOW_S
            if -0.02 <= age <= 1.0:
                j = HEEL[foot] if kind == "IC" else TOE[foot]
                p = xy[j] if draw._ok(xy[j]) else xy[ANKLE[foot]]
                draw.draw_event_marker(img, p, kind, foot, st, max(0.0, age), inferred)

    def readout_text(self, side: str, t: float, narrow: bool = False) -> str | None:
        s = self.a.stride_at(t, side)
        if s is None:
            return None
        head = f"{side.upper()} stride {s.index}" + (" (excluded)" if s.excluded else "")
        parts = []
        for name, lab, unit, dec in self.readout:
            v = s.metrics.get(name)
            u = unit if unit is not None else self.a.summary[name].unit
            d = dec if dec is not None else (1 if u == "cm" else 2)
            parts.append(f"{lab} {style.fmt_live(v, u, d)}")
        per_line = 1 if narrow else 2
        lines = [head]
        for i in range(0, len(parts), per_line):
            lines.append("  ·  ".join(parts[i:i + per_line]))
        return "\n".join(lines)

    def draw_readout(self, img, t: float, st, top: int = 0) -> None:
        y = top + 2 * st.unit
        for side in ("left", "right"):
            text = self.readout_text(side, t, narrow=img.shape[1] < 40 * st.small_font)
            if text is None:
                continue
            col = style.SIDE_RGB_VIDEO[side]
            box = draw.paste(img, draw.text_sprite(text, st.small_font, col, (0, 0, 0, 165),
                                                   True), 2 * st.unit, y, "lt")
            y = box[3] + st.unit

    def draw_frame(self, img: np.ndarray, row: int | None, t: float) -> None:
        """Full-frame annotation for ``annotated.mp4``.

        The stance timeline runs along the top edge (the feet are often at the bottom of
        a treadmill clip), the read-out below it on the left, the clock on the right.
        """
        H, W = img.shape[:2]
        st = draw.Style.for_size(W, H)
        if row is not None and self.track.detected[row]:
            self.draw_body(img, row, st)
            self.draw_events(img, row, t, st)
        strip_h = 14 * st.unit
        draw.draw_timeline(img, (0, 0, W, strip_h), t, self.stances, self.events, st)
        self.draw_readout(img, t, st, top=strip_h)
        draw.label(img, f"{t:5.2f} s", W - 2 * st.unit, strip_h + 2 * st.unit, st, anchor="rt",
                   small=True)

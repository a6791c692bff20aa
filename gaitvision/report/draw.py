"""Drawing on RGB video frames with OpenCV: skeleton, angle arcs, labels, events, panels.

Everything works in place on ``uint8`` (H, W, 3) RGB arrays. Text is drawn with
DejaVu Sans through Pillow (OpenCV's Hershey fonts have no degree sign) and cached as
small RGBA sprites, so a label that repeats costs one alpha blend.

Sizes scale with the frame (``Style.unit`` is about 1/240 of the shorter side), so a
720p clip and a cropped, enlarged key frame both read well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from gaitvision.landmarks import EDGES, INDEX, N_LANDMARKS, NAMES, NOSE, SHOULDER
from gaitvision.report import style

#: The body from the shoulders down; the face is drawn as the nose alone.
FIRST_BODY = SHOULDER["left"]
#: Finger and thumb points: a hand is drawn as its wrist.
FINGERS = frozenset(INDEX[f"{side}_{part}"] for side in ("left", "right")
                    for part in ("pinky", "index", "thumb"))

#: Below this visibility a landmark is drawn faded.
LOW_CONFIDENCE = 0.5


@dataclass
class Style:
    """Line widths and font sizes for one output size."""

    unit: int

    @classmethod
    def for_size(cls, width: int, height: int, scale: float = 1.0) -> Style:
        """``scale`` > 1 for stills that are printed small (key frames in the PDF)."""
        return cls(unit=max(2, int(round(min(width, height) / 240 * scale))))

    @property
    def line(self) -> int:
        return self.unit

    @property
    def font(self) -> int:
        return max(12, int(self.unit * 5.5))

    @property
    def small_font(self) -> int:
        return max(11, int(self.unit * 4.5))


# --------------------------------------------------------------------------- text sprites
@lru_cache(maxsize=8)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    # FreeType's own layout (kerning included): labels are short Latin text, which
    # needs no shaping, and it lays them out 2.3x faster than libraqm
    return ImageFont.truetype(str(style.font_path(bold)), size,
                              layout_engine=ImageFont.Layout.BASIC)


@lru_cache(maxsize=4096)
def text_sprite(text: str, size: int, fg: tuple = style.WHITE, bg: tuple | None = (0, 0, 0, 170),
                bold: bool = True, pad: int | None = None, border: tuple | None = None
                ) -> np.ndarray:
    """RGBA sprite of ``text`` on an optional rounded box (cached)."""
    font = _font(size, bold)
    pad = max(2, size // 4) if pad is None else pad
    lines = text.split("\n")
    boxes = [font.getbbox(line or " ") for line in lines]
    line_h = int(size * 1.2)
    w = max(b[2] for b in boxes) + 2 * pad
    h = line_h * len(lines) + 2 * pad - (line_h - size) // 2
    img = Image.new("RGBA", (max(1, w), max(1, h)), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if bg is not None:
        d.rounded_rectangle((0, 0, w - 1, h - 1), radius=max(2, size // 4), fill=bg,
                            outline=border, width=max(1, size // 10) if border else 0)
    for i, line in enumerate(lines):
        d.text((pad, pad + i * line_h), line, font=font, fill=tuple(fg) + (255,))
    arr = np.asarray(img)
    arr.setflags(write=False)
    return arr


def paste(img: np.ndarray, sprite: np.ndarray, x: float, y: float, anchor: str = "lt") -> tuple:
    """Alpha-blend ``sprite`` onto ``img``; ``anchor`` is one of lt/ct/rt/lm/cm/rm/lb/cb/rb.

    Returns the box (x0, y0, x1, y1) actually covered.
    """
    sh, sw = sprite.shape[:2]
    ax, ay = anchor[0], anchor[1]
    x0 = int(round(x - (sw / 2 if ax == "c" else sw if ax == "r" else 0)))
    y0 = int(round(y - (sh / 2 if ay == "m" else sh if ay == "b" else 0)))
    H, W = img.shape[:2]
    x0 = min(max(0, x0), max(0, W - sw))
    y0 = min(max(0, y0), max(0, H - sh))
    x1, y1 = min(W, x0 + sw), min(H, y0 + sh)
    if x1 <= x0 or y1 <= y0:
        return (x0, y0, x0, y0)
    premultiplied, inverse_alpha = _blend_parts(sprite)
    h, w = y1 - y0, x1 - x0
    roi = img[y0:y1, x0:x1]
    # OpenCV's saturating 8-bit arithmetic: ~25x faster than numpy's, within one level;
    # sprites are pasted about ten times a frame
    roi[:] = cv2.add(cv2.multiply(roi, inverse_alpha[:h, :w], scale=1 / 255),
                     premultiplied[:h, :w])
    return (x0, y0, x1, y1)


_BLEND_PARTS: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def _blend_parts(sprite: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(colour x alpha / 255, 255 - alpha) of an RGBA sprite, uint8 (H, W, 3), kept per sprite.

    Keyed by ``id`` and checked by identity, so a sprite dropped from the text cache and
    a new array at the same address never share an entry.
    """
    hit = _BLEND_PARTS.get(id(sprite))
    if hit is not None and hit[0] is sprite:
        return hit[1], hit[2]
    if len(_BLEND_PARTS) > 4096:
        _BLEND_PARTS.clear()
    alpha = np.repeat(sprite[..., 3:4], 3, axis=2)
    premultiplied = (sprite[..., :3].astype(np.uint16) * alpha + 127) // 255
    parts = np.ascontiguousarray(premultiplied.astype(np.uint8)), 255 - alpha
    _BLEND_PARTS[id(sprite)] = (sprite, *parts)
    return parts


def label(img: np.ndarray, text: str, x: float, y: float, st: Style, *,
          colour=style.WHITE, anchor: str = "cm", small: bool = False, border=None) -> tuple:
    """A readable label: coloured text on a dark rounded box."""
    size = st.small_font if small else st.font
    return paste(img, text_sprite(text, size, tuple(colour), (0, 0, 0, 175), True, None,
                                  None if border is None else tuple(border) + (255,)),
                 x, y, anchor)


# --------------------------------------------------------------------------- geometry
def _ok(p) -> bool:
    """A drawable 2D point: both coordinates finite (called ~80 times a frame)."""
    return p is not None and math.isfinite(p[0]) and math.isfinite(p[1])


def _pt(p) -> tuple[int, int]:
    return int(round(float(p[0]))), int(round(float(p[1])))


def side_of(landmark: int) -> str | None:
    """``"left"``/``"right"`` for sided landmarks, None for the nose and face midline."""
    name = NAMES[landmark]
    if name.startswith("left") or name.endswith("_left"):
        return "left"
    if name.startswith("right") or name.endswith("_right"):
        return "right"
    return None


def _edge_side(a: int, b: int) -> str | None:
    sa, sb = side_of(a), side_of(b)
    return sa if sa == sb else None


def _mix(c, k: float) -> tuple[int, int, int]:
    return tuple(int(round(v * k)) for v in c)


def draw_skeleton(img: np.ndarray, xy: np.ndarray, vis: np.ndarray, st: Style,
                  near: str | None = None) -> None:
    """Body skeleton: left blue, right vermillion, trunk white; the far side thinner and
    darker; landmarks under :data:`LOW_CONFIDENCE` drawn on a faded layer.

    ``xy`` (33, 2) in ``img`` pixels, ``vis`` (33,).
    """
    far = None if near is None else ("right" if near == "left" else "left")
    H, W = img.shape[:2]
    pts = xy[FIRST_BODY:]
    fin = np.isfinite(pts).all(axis=1)
    if not fin.any():
        return
    lo = np.floor(np.nanmin(pts[fin], axis=0) - 8 * st.unit).astype(int)
    hi = np.ceil(np.nanmax(pts[fin], axis=0) + 8 * st.unit).astype(int)
    x0, y0 = max(0, lo[0]), max(0, lo[1])
    x1, y1 = min(W, hi[0]), min(H, hi[1])
    faint_layer = None
    if x1 <= x0 or y1 <= y0:
        return
    faint_layer = img[y0:y1, x0:x1].copy()
    off = np.array([x0, y0], dtype=float)
    used_faint = False

    def colour(side):
        if side is None:
            return style.CENTRE_RGB
        c = style.SIDE_RGB_VIDEO[side]
        return _mix(c, 0.75) if side == far else c

    def width(side):
        w = st.line + 1
        if side == near:
            w = st.line + 2
        elif side == far:
            w = max(1, st.line)
        return w

    for a, b in EDGES:
        if a < FIRST_BODY or b < FIRST_BODY:  # head drawn as a point only
            continue
        pa, pb = xy[a], xy[b]
        if not (_ok(pa) and _ok(pb)):
            continue
        sd = _edge_side(a, b)
        conf = min(vis[a], vis[b])
        target, o = (img, np.zeros(2)) if conf >= LOW_CONFIDENCE else (faint_layer, off)
        if target is faint_layer:
            used_faint = True
        w = width(sd)
        cv2.line(target, _pt(pa - o), _pt(pb - o), (0, 0, 0), w + 2, cv2.LINE_AA)
        cv2.line(target, _pt(pa - o), _pt(pb - o), colour(sd), w, cv2.LINE_AA)
    for j in range(FIRST_BODY, N_LANDMARKS):
        if j in FINGERS:  # hands: wrist only
            continue
        p = xy[j]
        if not _ok(p):
            continue
        sd = side_of(j)
        r = st.line + (2 if sd == near else 1)
        if vis[j] >= LOW_CONFIDENCE:
            cv2.circle(img, _pt(p), r + 1, (0, 0, 0), -1, cv2.LINE_AA)
            cv2.circle(img, _pt(p), r, colour(sd), -1, cv2.LINE_AA)
        else:  # hollow marker on the faded layer
            used_faint = True
            cv2.circle(faint_layer, _pt(p - off), r + 1, colour(sd), max(1, st.line // 2 + 1),
                       cv2.LINE_AA)
    if _ok(xy[NOSE]):
        cv2.circle(img, _pt(xy[NOSE]), st.line + 2, (0, 0, 0), -1, cv2.LINE_AA)
        cv2.circle(img, _pt(xy[NOSE]), st.line + 1, style.CENTRE_RGB, -1, cv2.LINE_AA)
    if used_faint:
        roi = img[y0:y1, x0:x1]
        cv2.addWeighted(faint_layer, 0.4, roi, 0.6, 0, dst=roi)


def _angle_deg(v) -> float:
    return math.degrees(math.atan2(float(v[1]), float(v[0])))


def dashed_line(img, p, q, colour, width, dash: int) -> None:
    """A dashed anti-aliased line from ``p`` to ``q``."""
    p, q = np.asarray(p, float), np.asarray(q, float)
    length = float(np.hypot(*(q - p)))
    if length < 1:
        return
    n = max(1, int(length // (2 * dash)))
    starts = np.minimum(1.0, 2 * dash * np.arange(n + 1) / length)
    ends = np.minimum(1.0, starts + dash / length)
    dashes = np.stack([p + np.outer(starts, q - p), p + np.outer(ends, q - p)], axis=1)
    # one call for all dashes (they were a Python loop of cv2.line calls)
    cv2.polylines(img, list(np.rint(dashes).astype(np.int32)), False, colour, width,
                  cv2.LINE_AA)


def draw_arc(img: np.ndarray, centre, v_ref, v_seg, radius: float, colour, st: Style,
             text: str | None, *, label_side: float = 1.0, ref_len: float | None = None,
             dashed_ref: bool = True, label_at=None, label_anchor: str = "cm") -> None:
    """The angle between a reference direction and a segment, as an arc with its value.

    ``v_ref`` and ``v_seg`` are direction vectors from ``centre``; the reference is drawn
    as a dashed white line of length ``ref_len``; the label sits outside the arc on the
    bisector (flipped with ``label_side=-1``).
    """
    if not (_ok(centre) and _ok(v_ref) and _ok(v_seg)):
        return
    c = np.asarray(centre, float)
    vr = np.asarray(v_ref, float)
    vs = np.asarray(v_seg, float)
    nr, ns = np.hypot(*vr), np.hypot(*vs)
    if nr < 1e-6 or ns < 1e-6:
        return
    vr, vs = vr / nr, vs / ns
    ref_len = radius * 1.6 if ref_len is None else ref_len
    end = c + vr * ref_len
    if dashed_ref:
        dashed_line(img, c, end, (0, 0, 0), st.line + 1, 3 * st.unit)
        dashed_line(img, c, end, style.WHITE, max(1, st.line - 1), 3 * st.unit)
    a0, a1 = _angle_deg(vr), _angle_deg(vs)
    d = (a1 - a0 + 180) % 360 - 180
    start, stop = (a0, a0 + d) if d >= 0 else (a0 + d, a0)
    r = int(round(radius))
    cv2.ellipse(img, _pt(c), (r, r), 0, start, stop, (0, 0, 0), st.line + 3, cv2.LINE_AA)
    cv2.ellipse(img, _pt(c), (r, r), 0, start, stop, style.YELLOW, st.line + 1, cv2.LINE_AA)
    if text:
        if label_at is not None:
            pos = np.asarray(label_at, float)
        else:
            mid = math.radians((start + stop) / 2)
            bis = np.array([math.cos(mid), math.sin(mid)])
            if abs(d) < 1:
                bis = vr
            pos = c + bis * label_side * (radius + 9 * st.unit)
        label(img, text, pos[0], pos[1], st, colour=colour, anchor=label_anchor,
              border=colour)


def segment_angle_to_vertical(p_top, p_bottom, forward: float) -> float:
    """Signed angle (deg) of the segment top->bottom from the downward vertical;
    positive when ``p_bottom`` is behind ``p_top`` (``forward`` = +1 runs to image-right)."""
    dx = (float(p_bottom[0]) - float(p_top[0])) * forward
    dy = float(p_bottom[1]) - float(p_top[1])
    return math.degrees(math.atan2(-dx, dy))


def knee_flexion(hip, knee, ankle) -> float:
    """180 minus the hip-knee-ankle angle (deg)."""
    a = np.asarray(hip, float) - np.asarray(knee, float)
    b = np.asarray(ankle, float) - np.asarray(knee, float)
    cosang = float(np.dot(a, b) / (np.hypot(*a) * np.hypot(*b) + 1e-9))
    return 180.0 - math.degrees(math.acos(max(-1.0, min(1.0, cosang))))


def draw_event_marker(img: np.ndarray, p, kind: str, side: str, st: Style, age: float,
                      inferred: bool = False) -> None:
    """An IC/TO marker at a foot: a ring that grows and fades over ``age`` in [0, 1]."""
    if not _ok(p):
        return
    col = style.EVENT_RGB[kind]
    r = int(round((5 + 6 * age) * st.unit))
    thick = max(1, int(round((1 - age) * (st.line + 2)))) + 1
    cv2.circle(img, _pt(p), r, (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.circle(img, _pt(p), r, col, thick, cv2.LINE_AA)
    if age < 0.7:
        txt = f"{kind} {side[0].upper()}" + (" (inferred)" if inferred else "")
        label(img, txt, p[0], p[1] + r + 3 * st.unit, st, colour=col, anchor="ct", small=True,
              border=col)


def draw_timeline(img: np.ndarray, box: tuple[int, int, int, int], t: float,
                  stances: dict[str, list[tuple[float, float, bool]]],
                  events: list[tuple[float, str, str, bool]], st: Style,
                  window_s: float = 1.6) -> None:
    """A strip of stance bars (L and R rows) around the current time ``t``.

    ``stances[side]`` holds (IC time, TO time, inferred); ``events`` (time, foot, type,
    inferred). The cursor in the middle is "now".
    """
    x0, y0, x1, y1 = box
    roi = img[y0:y1, x0:x1]
    roi[:] = (roi.astype(np.uint16) * 2 // 5).astype(np.uint8)
    lab_w = 5 * st.small_font
    tx0 = x0 + lab_w
    tw = x1 - tx0 - st.unit * 2

    def tx(time):
        return tx0 + (time - (t - window_s / 2)) / window_s * tw

    rows = {"left": (y0 + (y1 - y0) * 0.18, y0 + (y1 - y0) * 0.46),
            "right": (y0 + (y1 - y0) * 0.56, y0 + (y1 - y0) * 0.84)}
    for side, (ra, rb) in rows.items():
        paste(img, text_sprite(("L" if side == "left" else "R") + " stance",
                               max(10, int(st.small_font * 0.8)), style.SIDE_RGB_VIDEO[side],
                               None, True, 0), x0 + st.unit, (ra + rb) / 2, "lm")
        for a, b, inferred in stances.get(side, []):
            if b < t - window_s / 2 or a > t + window_s / 2:
                continue
            xa, xb = max(tx0, tx(a)), min(tx0 + tw, tx(b))
            if xb <= xa:
                continue
            col = style.SIDE_RGB_VIDEO[side]
            if inferred:
                cv2.rectangle(img, (int(xa), int(ra)), (int(xb), int(rb)), col, st.line,
                              cv2.LINE_AA)
            else:
                cv2.rectangle(img, (int(xa), int(ra)), (int(xb), int(rb)), col, -1)
    for time, _foot, kind, _inf in events:
        if abs(time - t) > window_s / 2:
            continue
        x = int(tx(time))
        cv2.line(img, (x, int(y0 + 2)), (x, int(y1 - 2)), style.EVENT_RGB[kind],
                 max(1, st.line - 1), cv2.LINE_AA)
    cx = int(tx(t))
    cv2.line(img, (cx, y0), (cx, y1), style.WHITE, st.line, cv2.LINE_AA)

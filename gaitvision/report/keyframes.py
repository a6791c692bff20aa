"""Key-frame stills: IC, midstance and TO of each side's representative stride.

Each still is cropped around the runner, enlarged to :data:`KEYFRAME_HEIGHT` pixels of
picture (so lines and labels are drawn at full resolution, not scaled up afterwards),
annotated with the skeleton and that side's measured angles (side view: hip and knee;
rear view: pelvis line and midline), and topped by a caption band naming the side,
the phase, the time and the stride's values.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import cv2
import numpy as np

from gaitvision.kinematics import reference
from gaitvision.landmarks import ANKLE, HEEL, TOE
from gaitvision.report import draw, style
from gaitvision.report.annotate import Annotator
from gaitvision.report.videos import KeyFrameShot

#: Height of the picture part of a key frame (px); the caption band comes on top.
KEYFRAME_HEIGHT = 900

PHASE_TEXT = {"IC": "initial contact", "midstance": "midstance", "TO": "toe-off"}

#: Values printed under each phase: (metric NAME, label, decimals), from the registry.
CAPTION = reference.LiveMapping(lambda: {v: reference.keyframe_captions(v)
                                         for v in ("side", "rear")})


def caption_lines(ann: Annotator, shot: KeyFrameShot) -> list[str]:
    """Caption lines: what the still shows, when, and the stride's values."""
    view = ann.view
    s = shot.stride
    head = f"{shot.side.upper()} {PHASE_TEXT[shot.phase]}"
    # Events fall between frames: the values below are at the event itself, the angles
    # drawn on the picture at the nearest frame, so both times are given.
    frame_s = float(ann.track.times[shot.row])
    when = f"t = {shot.time_s:.3f} s  ·  stride {s.index} (representative)"
    if abs(frame_s - shot.time_s) >= 0.0005:
        when = (f"{PHASE_TEXT[shot.phase]} at {shot.time_s:.3f} s, frame at {frame_s:.3f} s"
                f"  ·  stride {s.index}")
    parts = []
    seen = set()
    for name, lab, dec in CAPTION[view].get(shot.phase, []):
        if lab in seen:
            continue
        v = s.metrics.get(name)
        if v is None or not math.isfinite(float(v)):
            continue
        unit = ann.a.summary[name].unit if name in ann.a.summary else ""
        parts.append(f"{lab} {style.fmt_live(v, unit, dec)}")
        seen.add(lab)
    return [head, when] + (parts[:3] if parts else ["(no per-stride value at this phase)"])


def render_keyframe(ann: Annotator, shot: KeyFrameShot, height: int = KEYFRAME_HEIGHT
                    ) -> np.ndarray:
    """The annotated still as an RGB array."""
    assert shot.image is not None and shot.box is not None
    crop = shot.image
    zoom = height / crop.shape[0]
    width = int(round(crop.shape[1] * zoom / 2) * 2)
    img = cv2.resize(crop, (width, height), interpolation=cv2.INTER_CUBIC
                     if zoom > 1 else cv2.INTER_AREA)
    img = np.ascontiguousarray(img)
    st = draw.Style.for_size(width, height, scale=1.8)
    ann.draw_body(img, shot.row, st, offset=(shot.box[0], shot.box[1]), zoom=zoom,
                  emphasis=shot.side if ann.view == "side" else None)
    # the foot the phase is about
    xy, _ = ann.points(shot.row, (shot.box[0], shot.box[1]), zoom)
    j = {"IC": HEEL, "TO": TOE}.get(shot.phase, ANKLE)[shot.side]
    if draw._ok(xy[j]) and shot.phase in ("IC", "TO"):
        draw.draw_event_marker(img, xy[j], shot.phase, shot.side, st, 0.0)
    lines = caption_lines(ann, shot)
    col = style.SIDE_RGB_VIDEO[shot.side]
    band_font = max(16, int(width / 22))
    sprites = [draw.text_sprite(lines[0], band_font, col, None, True, 0)]
    for k, line in enumerate(lines[1:]):
        sprites.append(draw.text_sprite(line, max(13, int(band_font * 0.72)),
                                        style.GREY if k == 0 else style.WHITE, None, k > 0, 0))
    # shrink text sprites that are wider than the image
    for i, sp in enumerate(sprites):
        if sp.shape[1] > width - 16:
            k = (width - 16) / sp.shape[1]
            sprites[i] = cv2.resize(np.asarray(sp), (width - 16, max(1, int(sp.shape[0] * k))),
                                    interpolation=cv2.INTER_AREA)
    # a fixed band (title, time, three value lines) so stills of a view line up
    sub_h = draw.text_sprite("Ag", max(13, int(band_font * 0.72)), style.WHITE, None, True,
                             0).shape[0]
    fixed = draw.text_sprite("Ag", band_font, col, None, True, 0).shape[0] + 4 * (sub_h + 4)
    band_h = max(fixed, sum(sp.shape[0] + 4 for sp in sprites)) + 14
    out = np.zeros((height + band_h, width, 3), np.uint8)
    out[:band_h] = (25, 25, 30)
    out[band_h:] = img
    y = 8
    for sp in sprites:
        draw.paste(out, sp, 8, y, "lt")
        y += sp.shape[0] + 4
    return out


#: zlib level of the PNG stills (speed vs size, see :func:`save_png`).
PNG_LEVEL = 1


def save_png(image: np.ndarray, path: Path) -> Path:
    """Write an RGB array as PNG, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.part.png")
    # libpng at zlib level 1: 1.7x faster than Pillow at level 3 for 6 % more bytes
    ok, data = cv2.imencode(".png", np.ascontiguousarray(image[..., ::-1]),
                            [cv2.IMWRITE_PNG_COMPRESSION, PNG_LEVEL])
    if not ok:
        raise OSError(f"could not encode {path.name} as PNG")
    tmp.write_bytes(data.tobytes())
    os.replace(tmp, path)
    return path


def write_keyframes(ann: Annotator, shots: list[KeyFrameShot], folder: Path) -> list[Path]:
    """``keyframes/{side}_{phase}.png`` for every shot whose frame was captured."""
    paths = []
    for shot in shots:
        if shot.image is None:
            continue
        img = render_keyframe(ann, shot)
        paths.append(save_png(img, Path(folder) / f"{shot.side}_{shot.phase}.png"))
    return paths

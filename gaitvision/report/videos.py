"""Annotated video, slow motion and representative-stride loops, in one decoding pass.

:func:`render_videos` decodes the clip once. Each frame is annotated and encoded into
``annotated.mp4``; frames inside each side's representative stride are also cropped
around the runner, annotated for stepping through and encoded into
``loop_left.mp4`` / ``loop_right.mp4``; the frames needed for key frames are kept
(raw, cropped). ``slowmo.mp4`` is then made from ``annotated.mp4``'s packets without
decoding or encoding again (:func:`~gaitvision.report.encode.remux_retimed`).

Slow motion never invents frames: every source frame is shown once, at
``fps * factor`` frames per second (30 fps at 0.25x plays at 7.5 fps; 240 fps at 0.25x
plays at 60 fps), so the clip lasts ``duration / factor``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from gaitvision.kinematics.analysis import GaitAnalysis, StrideRecord
from gaitvision.pose.track import PoseTrack
from gaitvision.progress import ProgressCallback, report
from gaitvision.report import draw, style
from gaitvision.report.annotate import Annotator, midstance_time, runner_box
from gaitvision.report.encode import H264Writer, even_size, remux_retimed
from gaitvision.video import iter_frames

#: Longer side of rendered video; larger sources are decoded straight to this size.
MAX_SIDE = 1280


@dataclass
class KeyFrameShot:
    """A frame kept for a key-frame still."""

    side: str
    phase: str          # "IC", "midstance", "TO"
    time_s: float
    row: int
    stride: StrideRecord
    image: np.ndarray | None = None  # raw crop
    box: tuple[int, int, int, int] | None = None  # crop box in frame pixels


@dataclass
class LoopPlan:
    """Frames of one side's representative stride, cropped and encoded as a loop."""

    side: str
    stride: StrideRecord
    rows: set[int]
    box: tuple[int, int, int, int]
    writer: H264Writer | None = None
    frames: int = 0
    path: Path | None = None


@dataclass
class ViewRender:
    """What one rendering pass produced (paths and promised video facts)."""

    annotated: Path | None = None
    slowmo: Path | None = None
    loops: dict[str, Path] = field(default_factory=dict)
    shots: list[KeyFrameShot] = field(default_factory=list)
    frames: int = 0
    fps: float = 0.0
    slowmo_fps: float = 0.0
    loop_frames: dict[str, int] = field(default_factory=dict)
    annotator: Annotator | None = None


# --------------------------------------------------------------------------- loops / shots
def _rows_between(times: np.ndarray, t0: float, t1: float, fps: float) -> np.ndarray:
    half = 0.5 / fps
    return np.flatnonzero((times >= t0 - half) & (times < t1 - half))


def plan_loops(ann: Annotator, fps: float, frame_w: int, frame_h: int) -> list[LoopPlan]:
    """One loop per side: its representative (median-duration) stride, IC to next IC."""
    plans = []
    for side in ("left", "right"):
        s = ann.a.representative_stride(side)
        if s is None:
            continue
        rows = _rows_between(ann.track.times, s.start_s, s.end_s, fps)
        rows = rows[ann.track.detected[rows]] if len(rows) else rows
        if len(rows) < 2:
            continue
        box = runner_box(ann.track.xy[rows] * ann.scale, frame_w, frame_h, margin=0.12)
        plans.append(LoopPlan(side, s, set(int(r) for r in rows), box))
    return plans


def plan_shots(ann: Annotator) -> list[KeyFrameShot]:
    """IC, midstance and TO of each side's representative stride."""
    shots = []
    times = ann.track.times
    for side in ("left", "right"):
        s = ann.a.representative_stride(side)
        if s is None:
            continue
        fwd = ann.forward if ann.view == "side" else None
        for phase, t in (("IC", s.start_s), ("midstance", midstance_time(s, ann.track, fwd)),
                         ("TO", s.to_s)):
            if not math.isfinite(t) or len(times) == 0:
                continue
            row = int(np.argmin(np.abs(times - t)))
            shots.append(KeyFrameShot(side, phase, t, row, s))
    return shots


def draw_loop_frame(ann: Annotator, crop: np.ndarray, row: int, t: float, plan: LoopPlan,
                    factor: float) -> np.ndarray:
    """A cropped loop frame: skeleton, that side's angles, and a cycle-phase bar."""
    img = np.ascontiguousarray(crop)
    H, W = img.shape[:2]
    st = draw.Style.for_size(W, H)
    x0, y0 = plan.box[0], plan.box[1]
    ann.draw_body(img, row, st, offset=(x0, y0), emphasis=plan.side)
    ann.draw_events(img, row, t, st, offset=(x0, y0))
    s = plan.stride
    col = style.SIDE_RGB_VIDEO[plan.side]
    draw.label(img, f"{plan.side.upper()} stride {s.index} · {factor:g}x", 2 * st.unit,
               2 * st.unit, st, colour=col, anchor="lt", small=True)
    # cycle bar: 0-100 % with the toe-off mark
    pct = 100.0 * (t - s.start_s) / max(1e-6, s.end_s - s.start_s)
    bar_y, bar_h = H - 8 * st.unit, 3 * st.unit
    bx0, bx1 = 2 * st.unit, W - 2 * st.unit
    cv2.rectangle(img, (bx0, bar_y), (bx1, bar_y + bar_h), (40, 40, 40), -1)
    to_pct = 100.0 * (s.to_s - s.start_s) / max(1e-6, s.end_s - s.start_s)
    if math.isfinite(to_pct):
        xt = int(bx0 + (bx1 - bx0) * to_pct / 100)
        cv2.rectangle(img, (bx0, bar_y), (xt, bar_y + bar_h), _dim(col), -1)
    xc = int(bx0 + (bx1 - bx0) * min(100.0, max(0.0, pct)) / 100)
    cv2.rectangle(img, (xc - st.unit, bar_y - st.unit), (xc + st.unit, bar_y + bar_h + st.unit),
                  style.WHITE, -1)
    draw.label(img, f"{pct:3.0f}% of cycle", bx1, bar_y - 2 * st.unit, st, anchor="rb",
               small=True)
    return img


def _dim(c):
    return tuple(int(v * 0.7) for v in c)


# --------------------------------------------------------------------------- the pass
def _frame_image(img: np.ndarray, out_w: int, out_h: int) -> np.ndarray:
    """The decoded frame cropped to the (even) output size, writable for drawing."""
    if img.shape[1] != out_w or img.shape[0] != out_h:
        img = np.ascontiguousarray(img[:out_h, :out_w])
    return img if img.flags.writeable else img.copy()


def _capture(ann: Annotator, img: np.ndarray, row: int, t: float, shots: list, loops: list,
             xy_scaled: np.ndarray, slowmo_factor: float, size: tuple[int, int]) -> None:
    """Before the frame is annotated: key-frame crops due at this row, loop frames."""
    out_w, out_h = size
    for sh in shots:
        sh.box = runner_box(xy_scaled, out_w, out_h, margin=0.10, aspect=0.75)
        x0, y0, x1, y1 = sh.box
        sh.image = img[y0:y1, x0:x1].copy()
    for plan in loops:
        if row in plan.rows:
            x0, y0, x1, y1 = plan.box
            plan.writer.write(draw_loop_frame(ann, img[y0:y1, x0:x1].copy(), row, t, plan,
                                              slowmo_factor))
            plan.frames += 1


def _close_loops(loops: list, result: ViewRender) -> None:
    for plan in loops:
        if plan.frames:
            result.loops[plan.side] = plan.writer.close()
            result.loop_frames[plan.side] = plan.frames
        else:
            plan.writer.abort()


def render_videos(analysis: GaitAnalysis, track: PoseTrack, video_path, view_dir: Path, *,
                  slowmo_factor: float = 0.25, progress: ProgressCallback | None = None,
                  max_side: int = MAX_SIDE, stage: str = "rendering",
                  progress_span: tuple[float, float] = (0.0, 1.0)) -> ViewRender:
    """Decode ``video_path`` once; write annotated.mp4, slowmo.mp4 and the loops.

    Returns the paths and the raw crops for the key frames.
    """
    view_dir = Path(view_dir)
    view_dir.mkdir(parents=True, exist_ok=True)
    fw, fh = track.frame_size
    scale = 1.0
    if max_side and max(fw, fh) > max_side:
        scale = max_side / max(fw, fh)
    out_w, out_h = even_size(int(round(fw * scale / 2) * 2), int(round(fh * scale / 2) * 2))
    fps = float(analysis.video.get("fps") or track.fps or 30.0)
    ann = Annotator(analysis, track, scale)
    loops = plan_loops(ann, fps, out_w, out_h)
    shots = plan_shots(ann)
    shot_rows: dict[int, list[KeyFrameShot]] = {}
    for sh in shots:
        shot_rows.setdefault(sh.row, []).append(sh)
    row_of = {int(fi): i for i, fi in enumerate(track.frame_index)}
    time_scale = float(analysis.video.get("time_scale") or 1.0)
    n_expected = max(1, int(analysis.video.get("n_frames") or track.n_frames))
    result = ViewRender(fps=fps, slowmo_fps=fps * slowmo_factor)
    lo, hi = progress_span
    writer = H264Writer(view_dir / "annotated.mp4", out_w, out_h, fps)
    try:
        for plan in loops:
            bw, bh = plan.box[2] - plan.box[0], plan.box[3] - plan.box[1]
            plan.path = view_dir / f"loop_{plan.side}.mp4"
            plan.writer = H264Writer(plan.path, bw, bh, fps * slowmo_factor)
        for k, fr in enumerate(iter_frames(video_path, max_side=max_side, fast_colour=True)):
            img = _frame_image(fr.image, out_w, out_h)
            row = row_of.get(fr.index)
            t = fr.time_s / time_scale  # analysis times are real time (slowed clips)
            if row is not None:
                _capture(ann, img, row, t, shot_rows.get(row, []), loops,
                         track.xy[row] * scale, slowmo_factor, (out_w, out_h))
            ann.draw_frame(img, row, t)
            writer.write(img, t)
            if k % 10 == 0:
                report(progress, stage, lo + (hi - lo) * 0.95 * min(1.0, k / n_expected))
        result.frames = writer.n_frames
        result.annotated = writer.close()
        _close_loops(loops, result)
    except BaseException:
        writer.abort()
        for plan in loops:
            if plan.writer is not None:
                plan.writer.abort()
        raise
    result.slowmo = remux_retimed(result.annotated, view_dir / "slowmo.mp4", slowmo_factor)
    result.shots = shots
    result.annotator = ann
    report(progress, stage, hi)
    return result

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

import dataclasses
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from gaitvision.kinematics.analysis import GaitAnalysis, StrideRecord
from gaitvision.pose.track import PoseTrack
from gaitvision.progress import ProgressCallback, report
from gaitvision.report import draw, style
from gaitvision.report.annotate import Annotator, midstance_time, runner_box
from gaitvision.report.encode import H264Writer, concat_packets, even_size
from gaitvision.report.forked import ForkedCall, can_fork
from gaitvision.video import iter_frames
from gaitvision.video.ingest import read_frame_times, read_keyframe_times

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
    stills: list[Path] = field(default_factory=list)  # key-frame files, when asked for


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


# --------------------------------------------------------------------------- segments
#: Writes key-frame stills: (annotator, shots with their crops) -> files written.
StillsWriter = Callable[[Annotator, list[KeyFrameShot]], list[Path]]

#: Decoding a frame only to reach a segment's start costs about this fraction of a frame
#: that is also drawn and encoded (720p: 3 of 23 ms).
SKIP_COST = 0.15

#: A key-frame still (drawn at full size, PNG-encoded) costs about this many frames of
#: the video pass (93 ms against 16 ms a frame, 720p); a loop frame (a crop) about this
#: fraction of one.
STILL_WORK = 6.0
LOOP_FRAME_WORK = 0.6

#: Segments shorter than this many frames are not worth a process (fork, seek).
MIN_SEGMENT_FRAMES = 60


@dataclass
class RenderPlan:
    """What every rendering process needs, fixed before any frame is decoded."""

    ann: Annotator
    video_path: Path
    view_dir: Path
    size: tuple[int, int]           # output (width, height), even
    fps: float
    slowmo_factor: float
    time_scale: float               # source seconds per real second (slowed clips)
    max_side: int
    loops: list[LoopPlan]
    shots: list[KeyFrameShot]       # in report order
    shot_rows: dict[int, list[KeyFrameShot]]
    row_of: dict[int, int]          # source frame index -> track row
    frame_times: np.ndarray         # source seconds of every frame
    stills: StillsWriter | None = None


@dataclass
class SegmentOutput:
    """What one process rendered: its part of annotated.mp4, loops and key-frame crops."""

    part: Path
    frames: int
    start_s: Fraction = Fraction(0)  # the part's first frame slot, seconds
    loops: dict[str, tuple[Path, int]] = field(default_factory=dict)
    shots: dict[tuple[str, str], tuple[np.ndarray, tuple]] = field(default_factory=dict)
    stills: list[Path] = field(default_factory=list)


def plan_segments(times: np.ndarray, keyframes: np.ndarray, n: int,
                  keep_whole: list[tuple[float, float]],
                  extra_work: list[tuple[float, float]] = ()) -> list[tuple[float | None,
                                                                               float | None]]:
    """Where to cut the clip for ``n`` rendering processes: (start, end) source seconds.

    Cuts fall halfway between two frames, never inside a ``keep_whole`` span (a loop's
    stride is encoded by one process), and balance the work: a segment that starts
    after a key frame also decodes the frames since it (:data:`SKIP_COST` each), and
    ``extra_work`` (source second, work in frames) is done by the segment holding that
    second (the loops' frames and the key-frame stills).
    """
    cuts: list[float] = []
    if n >= 2 and len(times) >= n * MIN_SEGMENT_FRAMES:
        idx = np.arange(MIN_SEGMENT_FRAMES, len(times) - MIN_SEGMENT_FRAMES + 1)
        mid = 0.5 * (times[idx - 1] + times[idx])
        extra_t = np.array([t for t, _ in extra_work], float)
        extra_w = np.array([w for _, w in extra_work], float)
        before = idx + np.array([extra_w[extra_t < m].sum() for m in mid])
        total = len(times) + extra_w.sum()
        last_key = keyframes[np.clip(np.searchsorted(keyframes, mid) - 1, 0, None)] \
            if len(keyframes) else np.zeros_like(mid)
        skipped = idx - np.searchsorted(times, last_key - 1e-9)
        free = ~np.any([(mid >= a) & (mid <= b) for a, b in keep_whole] or [mid < -1], axis=0)
        for k in range(1, n):
            cost = np.abs(before - total * k / n) + SKIP_COST * skipped
            cost[~free | (mid <= (cuts[-1] if cuts else -np.inf))] = np.inf
            if np.isfinite(cost).any():
                cuts.append(float(mid[int(np.argmin(cost))]))
    bounds = [None, *cuts, None]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def _open_loops(plan: RenderPlan, start_s: float | None, end_s: float | None
                ) -> list[LoopPlan]:
    """Writers for the loops whose stride lies in this segment (source seconds)."""
    loops = []
    for loop in plan.loops:
        t0 = loop.stride.start_s * plan.time_scale
        if (start_s is None or t0 >= start_s) and (end_s is None or t0 < end_s):
            x0, y0, x1, y1 = loop.box
            loop = dataclasses.replace(loop, frames=0, path=plan.view_dir / f"loop_{loop.side}.mp4")
            loop.writer = H264Writer(loop.path, x1 - x0, y1 - y0, plan.fps * plan.slowmo_factor)
            loops.append(loop)
    return loops


def render_segment(plan: RenderPlan, start_s: float | None, end_s: float | None, part: Path,
                   on_frame: Callable[[int], None] | None = None) -> SegmentOutput:
    """Decode, annotate and encode the frames in ``[start_s, end_s)`` into ``part``.

    Also writes the loops whose stride starts in this stretch and captures its key-frame
    crops. Safe to run in a forked process: it only returns what it made.
    """
    writer = H264Writer(part, *plan.size, plan.fps, zero_based=True)
    loops: list[LoopPlan] = []
    out = SegmentOutput(part, 0)
    try:
        loops = _open_loops(plan, start_s, end_s)
        frames = iter_frames(plan.video_path, start_s, end_s, max_side=plan.max_side,
                             frame_times=plan.frame_times, fast_colour=True)
        for k, fr in enumerate(frames):
            img = _frame_image(fr.image, *plan.size)
            row = plan.row_of.get(fr.index)
            t = fr.time_s / plan.time_scale  # analysis times are real time (slowed clips)
            if row is not None:
                shots = plan.shot_rows.get(row, [])
                _capture(plan.ann, img, row, t, shots, loops,
                         plan.ann.track.xy[row] * plan.ann.scale, plan.slowmo_factor, plan.size)
                out.shots.update({(sh.side, sh.phase): (sh.image, sh.box) for sh in shots})
            plan.ann.draw_frame(img, row, t)
            writer.write(img, t)
            if on_frame is not None:
                on_frame(k)
        out.frames = writer.n_frames
        out.start_s = Fraction(writer.first_pts or 0) / writer.rate
        writer.close()
        if plan.stills is not None:  # drawn here, in parallel with the other segments
            out.stills = plan.stills(plan.ann, [sh for sh in plan.shots
                                                if (sh.side, sh.phase) in out.shots])
        for loop in loops:
            if loop.frames:
                out.loops[loop.side] = (loop.writer.close(), loop.frames)
            else:
                loop.writer.abort()
    except BaseException:
        writer.abort()
        for loop in loops:
            loop.writer.abort()
        raise
    return out


def _render_all(plan: RenderPlan, segments: list, on_frame) -> list[SegmentOutput]:
    """Every segment: the first here, the others in forked processes at the same time."""
    parts = [plan.view_dir / (".annotated.mp4" if len(segments) == 1 else f".annotated.{k}.mp4")
             for k in range(len(segments))]
    others = [ForkedCall(render_segment, plan, a, b, part, name="gaitvision-video")
              for (a, b), part in zip(segments[1:], parts[1:], strict=True)]
    try:
        outs = [render_segment(plan, *segments[0], parts[0], on_frame)]
        outs += [job.result() for job in others]
    except BaseException:
        for job in others:
            job.abort()
        for out_part in parts:
            out_part.unlink(missing_ok=True)
        raise
    return outs


def _plan(analysis: GaitAnalysis, track: PoseTrack, video_path, view_dir: Path,
          slowmo_factor: float, max_side: int, stills: StillsWriter | None) -> RenderPlan:
    fw, fh = track.frame_size
    scale = max_side / max(fw, fh) if max_side and max(fw, fh) > max_side else 1.0
    size = even_size(int(round(fw * scale / 2) * 2), int(round(fh * scale / 2) * 2))
    fps = float(analysis.video.get("fps") or track.fps or 30.0)
    ann = Annotator(analysis, track, scale)
    shots = plan_shots(ann)
    shot_rows: dict[int, list[KeyFrameShot]] = {}
    for sh in shots:
        shot_rows.setdefault(sh.row, []).append(sh)
    return RenderPlan(ann=ann, video_path=Path(video_path), view_dir=view_dir, size=size,
                      fps=fps, slowmo_factor=slowmo_factor,
                      time_scale=float(analysis.video.get("time_scale") or 1.0),
                      max_side=max_side, loops=plan_loops(ann, fps, *size), shots=shots,
                      shot_rows=shot_rows,
                      row_of={int(fi): i for i, fi in enumerate(track.frame_index)},
                      frame_times=read_frame_times(video_path), stills=stills)


def render_videos(analysis: GaitAnalysis, track: PoseTrack, video_path, view_dir: Path, *,
                  slowmo_factor: float = 0.25, progress: ProgressCallback | None = None,
                  max_side: int = MAX_SIDE, stage: str = "rendering",
                  progress_span: tuple[float, float] = (0.0, 1.0),
                  processes: int | None = None, stills: StillsWriter | None = None
                  ) -> ViewRender:
    """Decode ``video_path`` once; write annotated.mp4, slowmo.mp4 and the loops.

    The clip is cut into ``processes`` segments (default: one per core, at most two)
    rendered side by side, whose packets are then joined without re-encoding.
    ``stills(annotator, shots) -> paths`` writes key-frame stills from the crops, called
    by each segment for its own shots. Returns the paths and the raw crops for the key
    frames.
    """
    view_dir = Path(view_dir)
    view_dir.mkdir(parents=True, exist_ok=True)
    plan = _plan(analysis, track, video_path, view_dir, slowmo_factor, max_side, stills)
    n = processes or (min(2, os.cpu_count() or 1) if can_fork() else 1)
    keep_whole = [(lp.stride.start_s * plan.time_scale - 0.5 / plan.fps,
                   lp.stride.end_s * plan.time_scale + 0.5 / plan.fps) for lp in plan.loops]
    extra = [(sh.time_s * plan.time_scale, STILL_WORK) for sh in plan.shots]
    extra += [(lp.stride.start_s * plan.time_scale, LOOP_FRAME_WORK * len(lp.rows))
              for lp in plan.loops]
    segments = plan_segments(plan.frame_times, read_keyframe_times(video_path), n, keep_whole,
                             extra)
    lo, hi = progress_span
    first_end = segments[0][1]
    n_first = max(1, int(np.count_nonzero(plan.frame_times < (first_end or np.inf))))

    def on_frame(k: int) -> None:
        if k % 10 == 0:
            report(progress, stage, lo + (hi - lo) * 0.95 * min(1.0, k / n_first))

    outs = _render_all(plan, segments, on_frame)
    result = _join(plan, outs, view_dir)
    report(progress, stage, hi)
    return result


def _join(plan: RenderPlan, outs: list[SegmentOutput], view_dir: Path) -> ViewRender:
    """annotated.mp4 and slowmo.mp4 from the segments' packets; loops and shots gathered."""
    result = ViewRender(fps=plan.fps, slowmo_fps=plan.fps * plan.slowmo_factor,
                        annotator=plan.ann, frames=sum(o.frames for o in outs))
    parts = [o.part for o in outs]
    try:
        starts = [o.start_s for o in outs]
        result.annotated = concat_packets(parts, view_dir / "annotated.mp4", starts=starts)
        result.slowmo = concat_packets(parts, view_dir / "slowmo.mp4", plan.slowmo_factor,
                                       starts)
    finally:
        for part in parts:
            part.unlink(missing_ok=True)
    captured: dict[tuple[str, str], tuple] = {}
    for o in outs:
        captured.update(o.shots)
        result.stills += o.stills
        for side, (path, frames) in o.loops.items():
            result.loops[side], result.loop_frames[side] = path, frames
    # stills in report order (side, then IC / midstance / TO), whichever segment drew them
    order = {f"{sh.side}_{sh.phase}": i for i, sh in enumerate(plan.shots)}
    result.stills.sort(key=lambda path: order.get(path.stem, len(order)))
    result.shots = plan.shots
    for sh in result.shots:
        sh.image, sh.box = captured.get((sh.side, sh.phase), (None, None))
    return result

"""The pose stage: a video file in, a raw :class:`PoseTrack` out.

``workers`` processes each take a contiguous chunk of the clip. A chunk starts a
little early (``WARMUP_S``) so the tracker has settled
by the first frame the chunk keeps; chunks are stitched in order. Results are cached
on the video's content hash and the pose settings, so re-runs skip pose.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import queue as queue_module
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaitvision.errors import NoRunnerError, VideoError
from gaitvision.pose.blazepose import FramePose, PoseSettings
from gaitvision.pose.estimators import estimator_for
from gaitvision.pose.track import PoseTrack, empty_track
from gaitvision.progress import ProgressCallback, report
from gaitvision.video.ingest import VideoInfo, iter_frames, probe_video, read_frame_times

#: Seconds decoded and tracked before a chunk's first kept frame.
WARMUP_S = 0.5
#: Below this share of frames with a person, there is nothing to analyse.
MIN_DETECTION_RATE = 0.3


@dataclass
class PoseRunStats:
    """How the pose stage ran (for the CLI summary and benchmarks)."""

    frames: int
    workers: int
    seconds: float
    from_cache: bool


def default_workers() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


def cache_dir() -> Path:
    """Pose cache folder (``GAITVISION_CACHE`` overrides ``~/.cache/gaitvision``)."""
    root = os.environ.get("GAITVISION_CACHE") or Path.home() / ".cache" / "gaitvision"
    return Path(root) / "pose"


def _cache_path(info: VideoInfo, settings: PoseSettings, start_s, end_s) -> Path:
    trim = f"{start_s or 0:g}-{end_s if end_s is not None else 'end'}"
    return cache_dir() / f"{info.sha256[:32]}-{settings.key()}-{trim}.npz"


# ------------------------------------------------------------------ workers
_progress_queue = None


def _init_worker(queue) -> None:
    global _progress_queue
    _progress_queue = queue
    # A worker reports through the queue and its return value; what mediapipe's native
    # code prints to stderr (set-up notices) would only bury the CLI's own messages.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    import mediapipe  # noqa: F401  (loaded now, while the parent still reads the clip)


def _run_chunk(path: str, first: int, last: int, frame_times: np.ndarray,
               full_size: tuple[int, int], settings: PoseSettings) -> list[FramePose]:
    """Pose for frames ``first..last-1`` (indices into ``frame_times``)."""
    t_start = max(0.0, float(frame_times[first]) - WARMUP_S)
    t_end = float(frame_times[last - 1]) + 1e-3
    frames = iter_frames(path, t_start if first > 0 else None, t_end,
                         max_side=settings.max_side, frame_times=frame_times)
    kept = 0

    def on_frame(_n: int) -> None:
        nonlocal kept
        kept += 1
        if _progress_queue is not None and kept % 10 == 0:
            _progress_queue.put(10)

    if settings.mirrored:
        frames = (dataclasses.replace(f, image=np.ascontiguousarray(f.image[:, ::-1]))
                  for f in frames)
    poses = estimator_for(settings).estimate(frames, full_size, on_frame)
    if _progress_queue is not None:
        _progress_queue.put(kept % 10)
    poses = [p for p in poses if first <= p.index < last]
    if settings.mirrored:
        for p in poses:  # back to the original image (pixel edges: x -> width - x)
            p.xy[:, 0] = full_size[0] - p.xy[:, 0]
            p.world[:, 0] = -p.world[:, 0]
    return poses


def estimate_pose(
    path: str | os.PathLike,
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    workers: int | None = None,
    settings: PoseSettings | None = None,
    use_cache: bool = True,
    progress: ProgressCallback | None = None,
    stats: list | None = None,
) -> PoseTrack:
    """Run BlazePose over a clip and return its raw (uncleaned) track.

    Parameters
    ----------
    path : path-like
        Video file.
    start_s, end_s : float, optional
        Trim, in seconds from the first frame.
    workers : int, optional
        Processes; default one per core.
    settings : PoseSettings, optional
    use_cache : bool
        Read and write the pose cache.
    progress : callable, optional
        ``progress("pose", fraction)``.
    stats : list, optional
        If given, a :class:`PoseRunStats` is appended.

    Raises
    ------
    VideoError
        Unusable file or an empty trim.
    NoRunnerError
        No person found in enough frames.
    """
    settings = settings or PoseSettings()
    t0 = time.perf_counter()
    report(progress, "decoding", 0.0)
    info = probe_video(path)
    cached = _cache_path(info, settings, start_s, end_s)
    if use_cache and cached.exists():
        try:
            track = PoseTrack.load(cached)
            track = track.copy()
            track.video = VideoInfo.from_dict({**info.to_dict(), "path": str(path)})
            report(progress, "decoding", 1.0)
            report(progress, "pose", 1.0)
            if stats is not None:
                stats.append(PoseRunStats(track.n_frames, 0, time.perf_counter() - t0, True))
            _check_detection(track, path)
            return track
        except (OSError, ValueError, KeyError):
            pass  # unreadable cache entry: recompute

    with _pose_pool(workers or default_workers()) as (pool, queue, n_workers):
        # The workers import mediapipe while this process reads the frame times.
        frame_times = read_frame_times(path)
        report(progress, "decoding", 1.0)
        keep = np.ones(len(frame_times), dtype=bool)
        if start_s is not None:
            keep &= frame_times >= start_s - 1e-6
        if end_s is not None:
            keep &= frame_times < end_s - 1e-6
        idx = np.flatnonzero(keep)
        if idx.size < 2:
            raise VideoError(f"{path}: no frames between {start_s} s and {end_s} s; "
                             "check --start/--end.")
        first, last = int(idx[0]), int(idx[-1]) + 1
        n = last - first
        workers = max(1, min(n_workers, n // 60 or 1))
        full_size = (info.width, info.height)
        bounds = chunk_bounds(first, last, workers, int(round(WARMUP_S * info.fps)))
        report(progress, "pose", 0.0)
        poses = _run_chunks(pool, queue, str(path), bounds, frame_times, full_size, settings, n,
                            progress)
    report(progress, "pose", 1.0)

    track = _assemble(poses, frame_times, info, settings, full_size)
    if stats is not None:
        stats.append(PoseRunStats(track.n_frames, workers, time.perf_counter() - t0, False))
    if use_cache:
        cached.parent.mkdir(parents=True, exist_ok=True)
        track.save(cached)
    _check_detection(track, path)
    return track


def chunk_bounds(first: int, last: int, workers: int, warmup_frames: int) -> np.ndarray:
    """Split frames ``first..last-1`` into contiguous chunks of equal work.

    Every chunk but the first also tracks ``warmup_frames`` before its start, so it
    keeps that many fewer frames.
    """
    n = last - first
    per = (n + (workers - 1) * warmup_frames) / workers
    sizes = [per] + [per - warmup_frames] * (workers - 1)
    if min(sizes) < 1:  # clip too short for the warm-up: plain equal split
        return np.linspace(first, last, workers + 1).round().astype(int)
    return (first + np.concatenate([[0], np.cumsum(sizes)])).round().astype(int)


@contextmanager
def _pose_pool(workers: int):
    """A started pool of pose workers, its progress queue and its size.

    Even one worker runs in its own process: mediapipe's native code writes set-up
    notices straight to file descriptor 2, which a worker can silence without
    silencing the CLI's progress bars and messages. Workers are forked when this
    process has not loaded mediapipe (a fork then copies no mediapipe state and costs
    no re-import); otherwise they are spawned.
    """
    method = "fork" if "mediapipe" not in sys.modules and "fork" in mp.get_all_start_methods() \
        else "spawn"
    ctx = mp.get_context(method)
    queue = ctx.Queue()
    pool = ctx.Pool(workers, initializer=_init_worker, initargs=(queue,))
    try:
        yield pool, queue, workers
    finally:
        pool.terminate()
        pool.join()


def _run_chunks(pool, queue, path, bounds, frame_times, full_size, settings, n, progress):
    results = [pool.apply_async(_run_chunk, (path, int(a), int(b), frame_times, full_size, settings))
               for a, b in zip(bounds[:-1], bounds[1:])]
    done = 0
    while not all(r.ready() for r in results):
        try:
            done += queue.get(timeout=0.2)
            report(progress, "pose", done / n)
        except queue_module.Empty:
            pass
    poses = []
    for r in results:
        poses.extend(r.get())
    return poses


def _assemble(poses: list[FramePose], frame_times, info, settings, full_size) -> PoseTrack:
    poses = sorted(poses, key=lambda p: p.index)
    track = empty_track(len(poses), info, settings.model, full_size)
    for i, p in enumerate(poses):
        track.frame_index[i] = p.index
        track.times[i] = frame_times[p.index]
        track.xy[i] = p.xy
        track.z[i] = p.z
        track.visibility[i] = p.visibility
        track.world[i] = p.world
        track.detected[i] = p.detected
    return track


def _check_detection(track: PoseTrack, path) -> None:
    if track.detection_rate < MIN_DETECTION_RATE:
        raise NoRunnerError(
            f"{path}: a person was found in only {100 * track.detection_rate:.0f}% of frames; "
            "film the whole body of one runner, side-on or from behind, in good light."
        )

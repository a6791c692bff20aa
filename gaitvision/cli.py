"""Command line: a thin layer over :mod:`gaitvision.pipeline` and :mod:`gaitvision.pose`.

Errors the user can fix are printed as one line (no traceback) with exit code 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from gaitvision import __version__
from gaitvision.errors import GaitVisionError


class _Bars:
    """One tqdm bar per pipeline stage, fed by ``progress(stage, fraction)``."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.bars: dict = {}

    def __call__(self, stage: str, fraction: float) -> None:
        if not self.enabled:
            return
        from tqdm import tqdm

        bar = self.bars.get(stage)
        if bar is None:
            # disable=None: bars only on a terminal, not in pipes and CI logs.
            bar = self.bars[stage] = tqdm(total=100, desc=f"{stage:<10}", unit="%",
                                          bar_format="{desc} {bar} {n:3.0f}% [{elapsed}]",
                                          file=sys.stderr, leave=True, disable=None,
                                          position=len(self.bars))
        bar.n = round(100 * fraction, 1)
        bar.refresh()

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _add_scale_commands(sub) -> None:
    """``worker`` and ``batch``: analyses on other machines, many clips at once."""
    wk = sub.add_parser("worker", help="run analyses for a web app or batch (Celery over Redis)")
    wk.add_argument("--broker", required=True, help="redis://HOST:PORT/0")
    wk.add_argument("--concurrency", type=int, default=1, help="analyses at once (default 1)")
    wk.add_argument("--storage", default=None,
                    help="this machine's path or URL of the shared storage (default: as the web app says)")
    wk.add_argument("--hostname", default=None, help="worker name (default: celery@HOST)")

    bt = sub.add_parser("batch", help="analyse many clips into one output folder (resumable)")
    bt.add_argument("inputs", nargs="+", metavar="INPUT",
                    help="clips, folders of clips, or a CSV (runner_name, height_cm, speed_kmh, side, "
                         "rear, front, time_scale)")
    bt.add_argument("--out", required=True, help="output folder (one result folder per clip + summary.csv)")
    bt.add_argument("--jobs", type=int, default=1, help="analyses at once on this machine (default 1)")
    bt.add_argument("--broker", default=None, help="run on Celery workers instead (redis://HOST:PORT/0)")
    bt.add_argument("--storage", default=None, help="with --broker: shared folder or s3://BUCKET/PREFIX")
    bt.add_argument("--height-cm", type=_positive, default=None, help="for every clip without its own")
    bt.add_argument("--speed-kmh", type=_positive, default=None, help="for every clip without its own")
    bt.add_argument("--time-scale", type=_positive, default=None,
                    help="for every clip without its own: how many times slower than real time "
                         "the clips play (slowed exports)")
    bt.add_argument("--no-render", action="store_true", help="data files only")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    p = argparse.ArgumentParser(prog="gaitvision", description="Running-form analysis from a phone video.")
    p.add_argument("--version", action="version", version=f"gaitvision {__version__}")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    sub = p.add_subparsers(dest="command", required=True)

    pose = sub.add_parser("pose", help="keypoint track of a clip (npz + CSV)")
    pose.add_argument("video")
    pose.add_argument("--out", default=None, help="output folder (default: VIDEO_pose/)")
    pose.add_argument("--workers", type=int, default=None, help="pose processes (default: cores)")
    pose.add_argument("--start", type=float, default=None, help="trim start, seconds")
    pose.add_argument("--end", type=float, default=None, help="trim end, seconds")
    pose.add_argument("--view", choices=("side", "rear", "front"), default=None)
    pose.add_argument("--direction", choices=("left", "right"), default=None,
                      help="side view: the way the runner faces in the image")
    pose.add_argument("--no-cache", action="store_true")

    an = sub.add_parser("analyze", help="full analysis: pose, metrics, report")
    an.add_argument("videos", nargs="+", metavar="VIDEO", help="one clip, or a side and a rear or front clip")
    an.add_argument("--out", default=None, help="result folder (default: results/NAME)")
    an.add_argument("--height-cm", type=_positive, default=None)
    an.add_argument("--speed-kmh", type=_positive, default=None)
    an.add_argument("--name", default=None, help="runner's name for the report")
    an.add_argument("--notes", default=None)
    an.add_argument("--view", action="append", choices=("side", "rear", "front"), default=None,
                    help="view of each clip, in order (repeat for two clips)")
    an.add_argument("--workers", type=int, default=None)
    an.add_argument("--slowmo", type=float, default=0.25, help="slow-motion speed (default 0.25)")
    an.add_argument("--page", choices=("A4", "Letter"), default="A4")
    an.add_argument("--no-render", action="store_true", help="data files only")
    an.add_argument("--no-cache", action="store_true")
    an.add_argument("--time-scale", type=_positive, default=1.0, metavar="F",
                    help="the clip's motion is slowed F times (slow-motion export, e.g. 4 for "
                         "120 fps played at 30); results are given in real time")

    rep = sub.add_parser("report", help="re-render the report of a saved result (no pose)")
    rep.add_argument("result_dir")
    rep.add_argument("--slowmo", type=float, default=0.25)
    rep.add_argument("--page", choices=("A4", "Letter"), default="A4")
    rep.add_argument("--recompute", action="store_true",
                     help="re-run kinematics from the saved pose tracks first (no pose)")
    rep.add_argument("--height-cm", type=_positive, default=None, help="with --recompute")
    rep.add_argument("--speed-kmh", type=_positive, default=None, help="with --recompute")
    rep.add_argument("--name", default=None, help="with --recompute: runner's name")
    rep.add_argument("--notes", default=None, help="with --recompute")
    rep.add_argument("--no-render", action="store_true", help="with --recompute: data files only")

    cmp_ = sub.add_parser("compare", help="compare two sessions (result folders): B - A")
    cmp_.add_argument("result_a", metavar="RESULT_A")
    cmp_.add_argument("result_b", metavar="RESULT_B")
    cmp_.add_argument("--out", required=True, help="output folder for the comparison")
    cmp_.add_argument("--labels", nargs=2, default=("A", "B"), metavar=("A", "B"))
    cmp_.add_argument("--no-render", action="store_true", help="compare.json only")

    srv = sub.add_parser("serve", help="start the web app")
    srv.add_argument("--host", default="127.0.0.1")
    srv.add_argument("--port", type=int, default=8000)
    srv.add_argument("--data-dir", default=None)
    srv.add_argument("--token", default=None, help="required when binding beyond 127.0.0.1")
    srv.add_argument("--max-upload-mb", type=int, default=2048)
    srv.add_argument("--workers", type=int, default=None, help="analyses run at once")
    srv.add_argument("--queue", choices=("local", "celery"), default="local",
                     help="local worker processes (default) or Celery workers (--broker)")
    srv.add_argument("--broker", default=None, help="redis://HOST:PORT/0 for --queue celery")
    srv.add_argument("--storage", default=None,
                     help="clips/results for Celery workers: a shared folder or s3://BUCKET/PREFIX "
                          "(default: the data folder)")

    _add_scale_commands(sub)
    return p


def _cmd_pose(args, bars) -> int:
    from gaitvision.pose.estimate import PoseRunStats
    from gaitvision.pose.tracking import track_pose

    video = Path(args.video)
    out = Path(args.out) if args.out else video.with_name(video.stem + "_pose")
    stats: list[PoseRunStats] = []
    t0 = time.perf_counter()
    product = track_pose(video, start_s=args.start, end_s=args.end, view=args.view,
                         direction=args.direction, workers=args.workers,
                         use_cache=not args.no_cache, progress=bars, stats=stats)
    bars.close()
    product.save(out)
    track = product.cleaned
    track.to_csv(out / "keypoints.csv")
    v, c = track.view, track.cleaning
    direction = f", facing image-{v.direction}" if v.direction else ""
    s = stats[0] if stats else None
    print(f"frames            {track.n_frames} ({track.fps:.1f} fps, {track.times[-1]:.1f} s)")
    print(f"person found      {100 * track.detection_rate:.1f}% of frames"
          + (f"; {c.other_person_frames} frames of another person ignored" if c.other_person_frames else ""))
    print(f"view              {v.view}{direction} (confidence {v.confidence:.2f}, {v.source})")
    print(f"swaps corrected   {c.swaps_corrected + c.legs_relabelled} frames; "
          f"glitches bridged {c.glitches_bridged} points; gaps filled {c.frames_filled} frames; "
          f"left missing {sum(b - a for a, b in c.long_gaps)} frames")
    if s is not None:
        how = "from cache" if s.from_cache else f"{s.workers} worker(s)"
        print(f"time              {time.perf_counter() - t0:.1f} s ({how})")
    print(f"written           {out / 'pose.npz'} (cleaned), {out / 'pose_labelled.npz'}, "
          f"{out / 'keypoints.csv'}")
    return 0


def _cmd_analyze(args, bars) -> int:
    from gaitvision.pipeline import analyze

    out = Path(args.out) if args.out else Path("results") / Path(args.videos[0]).stem
    t0 = time.perf_counter()
    result = analyze(args.videos, out, views=args.view, height_cm=args.height_cm,
                     speed_kmh=args.speed_kmh, runner_name=args.name, notes=args.notes,
                     workers=args.workers, render=not args.no_render, slowmo_factor=args.slowmo,
                     page_size=args.page, use_cache=not args.no_cache, progress=bars,
                     time_scale=args.time_scale)
    bars.close()
    from gaitvision.summary import print_summary  # loaded while pose ran (ReportWarmUp)

    print_summary(result)
    print(f"\nResults in {result.out_dir}/ ({time.perf_counter() - t0:.1f} s)")
    return 0


def _cmd_report(args, bars) -> int:
    from gaitvision.pipeline import recompute, render_report

    edits = (args.height_cm, args.speed_kmh, args.name, args.notes)
    if not args.recompute and (any(v is not None for v in edits) or args.no_render):
        raise GaitVisionError("--height-cm, --speed-kmh, --name, --notes and --no-render need "
                              "--recompute.")
    if args.recompute:
        result = recompute(args.result_dir, height_cm=args.height_cm, speed_kmh=args.speed_kmh,
                           runner_name=args.name, notes=args.notes, render=not args.no_render,
                           slowmo_factor=args.slowmo, page_size=args.page, progress=bars)
        bars.close()
        print(f"Metrics recomputed{'' if args.no_render else ' and report re-rendered'} in "
              f"{result.out_dir}/")
        return 0
    result = render_report(args.result_dir, slowmo_factor=args.slowmo, page_size=args.page,
                           progress=bars)
    bars.close()
    print(f"Report re-rendered in {result.out_dir}/")
    return 0


def _cmd_compare(args, bars) -> int:
    from gaitvision.compare import compare

    result = compare(args.result_a, args.result_b, args.out, labels=tuple(args.labels),
                     render=not args.no_render)
    real = result.real_changes
    print(f"{len(real)} real change(s)" if real else "No real change on any metric.")
    for r in real:
        print(f"  {r.label} ({r.side}): {r.a} -> {r.b} {r.unit}")
    print(f"Comparison in {args.out}/")
    return 0


def _cmd_serve(args, bars) -> int:
    from gaitvision.web import serve

    serve(host=args.host, port=args.port, data_dir=args.data_dir, token=args.token,
          max_upload_mb=args.max_upload_mb, workers=args.workers, queue=args.queue,
          broker=args.broker, storage=args.storage)
    return 0


def _cmd_worker(args, bars) -> int:
    from gaitvision.web.celery_queue import run_worker

    run_worker(args.broker, args.concurrency, storage=args.storage, hostname=args.hostname)
    return 0


def _cmd_batch(args, bars) -> int:
    from gaitvision.batch import print_outcome, run_batch

    outcome = run_batch(args.inputs, args.out, jobs=args.jobs, broker=args.broker,
                        storage=args.storage, height_cm=args.height_cm, speed_kmh=args.speed_kmh,
                        time_scale=args.time_scale, render=not args.no_render,
                        show_progress=not args.quiet)
    print_outcome(outcome)
    return 1 if outcome.failed else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``gaitvision`` command."""
    args = build_parser().parse_args(argv)
    bars = _Bars(enabled=not args.quiet)
    handler = {"pose": _cmd_pose, "analyze": _cmd_analyze, "report": _cmd_report,
               "serve": _cmd_serve, "compare": _cmd_compare, "worker": _cmd_worker,
               "batch": _cmd_batch}[args.command]
    try:
        return handler(args, bars)
    except GaitVisionError as exc:
        bars.close()
        print(f"gaitvision: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        bars.close()
        print("gaitvision: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""One view's report files: videos, key frames and charts."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
from pathlib import Path

from gaitvision.kinematics.analysis import GaitAnalysis
from gaitvision.pose.track import PoseTrack
from gaitvision.progress import ProgressCallback, report
from gaitvision.report import charts, keyframes
from gaitvision.report.exports import ManifestEntry, entry
from gaitvision.report.keyframes import PHASE_TEXT
from gaitvision.report.videos import render_videos

log = logging.getLogger(__name__)


def _charts_child(analysis: GaitAnalysis, folder: str, conn) -> None:
    try:
        conn.send(("ok", [(str(p), lab) for p, lab in charts.write_charts(analysis, Path(folder))]))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which redraws
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class _ChartsInParallel:
    """The view's charts drawn in a forked process while this one renders the videos.

    Forking copies the analysis for free (nothing to pickle, nothing to re-import); on
    a single core, where fork is unavailable, or when the child fails, the charts are
    drawn here instead. Memory stays flat: the child shares the parent's pages and holds
    one figure at a time.
    """

    def __init__(self, analysis: GaitAnalysis, folder: Path):
        from gaitvision.report.pdf import as_saved

        # Drawn from the numbers as metrics.json holds them, as the PDF report's charts
        # always were: a report re-rendered from the saved result is the same.
        self.analysis, self.folder = as_saved(analysis), Path(folder)
        self.proc = self.conn = None
        if (os.cpu_count() or 1) < 2 or "fork" not in mp.get_all_start_methods() \
                or sys.platform == "darwin" or mp.current_process().daemon:
            return
        ctx = mp.get_context("fork")
        self.conn, child_conn = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_charts_child, args=(self.analysis, str(folder), child_conn),
                                name="gaitvision-charts", daemon=True)
        self.proc.start()
        child_conn.close()

    def result(self) -> list[tuple[Path, str]]:
        if self.proc is not None:
            reply = None
            try:
                reply = self.conn.recv()
            except EOFError:
                pass
            self.proc.join()
            if reply is not None and reply[0] == "ok":
                return [(Path(p), lab) for p, lab in reply[1]]
            log.warning("chart process failed (%s); drawing the charts here",
                        reply[1] if reply else f"exit code {self.proc.exitcode}")
        return charts.write_charts(self.analysis, self.folder)

    def abort(self) -> None:
        if self.proc is not None and self.proc.is_alive():
            self.proc.kill()
            self.proc.join()


def render_view(analysis: GaitAnalysis, track: PoseTrack, video_path: str | os.PathLike,
                view_dir: str | os.PathLike, *, slowmo_factor: float = 0.25,
                progress: ProgressCallback | None = None, out_dir: str | os.PathLike | None = None
                ) -> list[ManifestEntry]:
    """Render ``annotated.mp4``, ``slowmo.mp4``, ``loop_left/right.mp4``, ``keyframes/*.png``
    and ``charts/*.png`` for one view into ``view_dir``.

    Parameters
    ----------
    analysis : GaitAnalysis
        The view's analysis (fresh, or :meth:`GaitAnalysis.load` of a saved one).
    track : PoseTrack
        The cleaned track the analysis was made from (frames align by ``frame_index``).
    video_path : path-like
        The source clip; decoded once.
    view_dir : path-like
        ``OUT/side`` or ``OUT/rear``; created if missing.
    slowmo_factor : float
        Playback speed of the slow motion and the loops (0.25 = four times slower).
    progress : callable, optional
        Called as ``progress("rendering", fraction)``.
    out_dir : path-like, optional
        The result folder that manifest paths are relative to (default: ``view_dir``'s
        parent).

    Returns
    -------
    list of ManifestEntry
        Every file written, with kind, view and label.
    """
    if not 0 < slowmo_factor <= 1:
        raise ValueError("slowmo_factor must be in (0, 1]")
    view_dir = Path(view_dir)
    out_dir = Path(out_dir) if out_dir is not None else view_dir.parent
    view = "side" if analysis.view == "side" else "rear"
    report(progress, "rendering", 0.0)
    (view_dir / "charts").mkdir(parents=True, exist_ok=True)
    chart_job = _ChartsInParallel(analysis, view_dir / "charts")
    try:
        res = render_videos(analysis, track, video_path, view_dir, slowmo_factor=slowmo_factor,
                            progress=progress, progress_span=(0.0, 0.75))
    except BaseException:
        chart_job.abort()
        raise
    files: list[ManifestEntry] = []
    if res.annotated:
        files.append(entry(out_dir, res.annotated, "video", view,
                           f"{view.capitalize()} view, annotated"))
    if res.slowmo:
        files.append(entry(out_dir, res.slowmo, "video", view,
                           f"{view.capitalize()} view, slow motion {slowmo_factor:g}x"))
    for side, path in sorted(res.loops.items()):
        files.append(entry(out_dir, path, "video", view,
                           f"{side.capitalize()} representative stride, loop "
                           f"({slowmo_factor:g}x)"))
    kpaths = keyframes.write_keyframes(res.annotator, res.shots, view_dir / "keyframes")
    for p in kpaths:
        side, phase = p.stem.split("_", 1)
        files.append(entry(out_dir, p, "image", view,
                           f"{side.capitalize()} {PHASE_TEXT.get(phase, phase)}"))
    report(progress, "rendering", 0.85)
    for p, lab in chart_job.result():
        files.append(entry(out_dir, p, "chart", view, lab))
    import matplotlib.pyplot as plt
    plt.close("all")
    report(progress, "rendering", 1.0)
    return files

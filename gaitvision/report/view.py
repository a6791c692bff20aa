"""One view's report files: videos, key frames and charts."""

from __future__ import annotations

import functools
import os
from pathlib import Path

from gaitvision.kinematics.analysis import GaitAnalysis
from gaitvision.pose.track import PoseTrack
from gaitvision.progress import ProgressCallback, report
from gaitvision.report import charts, keyframes
from gaitvision.report.exports import ManifestEntry, entry
from gaitvision.report.forked import ForkedCall
from gaitvision.report.keyframes import PHASE_TEXT
from gaitvision.report.videos import render_videos


def _write_stills(folder: Path, annotator, shots) -> list[Path]:
    return keyframes.write_keyframes(annotator, shots, folder)


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
    view = analysis.view if analysis.view in ("side", "rear", "front") else "rear"
    report(progress, "rendering", 0.0)
    (view_dir / "charts").mkdir(parents=True, exist_ok=True)
    from gaitvision.report.pdf import as_saved

    # Drawn from the numbers as metrics.json holds them, as the PDF report's charts always
    # were (a report re-rendered from the saved result is the same), while the videos render.
    chart_job = ForkedCall(charts.write_charts, as_saved(analysis), view_dir / "charts",
                           name="gaitvision-charts")
    try:
        res = render_videos(analysis, track, video_path, view_dir, slowmo_factor=slowmo_factor,
                            progress=progress, progress_span=(0.0, 0.85),
                            stills=functools.partial(_write_stills, view_dir / "keyframes"))
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
    for p in res.stills:
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

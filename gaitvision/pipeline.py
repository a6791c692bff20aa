"""The one-call API: clip(s) in, a result folder out.

``analyze`` runs every stage (pose, kinematics, report) on one clip or on two clips of
the same run from different views (side and rear, or side and front); ``render_report``
re-renders the report of a saved result without running pose again. The CLI and the
web app are thin layers over these two functions. Result folder layout::

    OUT/manifest.json, report.pdf, README.txt
    OUT/<view>/pose.npz, pose_labelled.npz, keypoints.csv, metrics.json, strides.csv,
               curves.csv, series.npz, annotated.mp4, slowmo.mp4, loop_left.mp4,
               loop_right.mp4, keyframes/, charts/

``pose_labelled.npz`` is the pose stage's labelled track (events are timed on it),
``pose.npz`` the cleaned one (angles are measured on it, the report draws it);
``metrics.json`` records the settings, so :func:`recompute` re-runs kinematics and
the report from the folder alone and gets the same numbers.

The folder is built under a temporary name next to ``OUT`` and renamed into place at
the end, so a failed run leaves nothing half-written.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from gaitvision.errors import GaitVisionError
from gaitvision.kinematics import GaitAnalysis, analyze_gait
from gaitvision.kinematics.gating import SlowedClipDetector, retime_track
from gaitvision.pose.estimate import estimate_pose
from gaitvision.pose.product import CLEANED_FILE, LABELLED_FILE, PoseProduct
from gaitvision.pose.track import PoseTrack
from gaitvision.pose.tracking import label_track, make_product
from gaitvision.progress import ProgressCallback, report, scaled
from gaitvision.settings import AnalysisSettings
from gaitvision.video.ingest import slowed_by_metadata

log = logging.getLogger(__name__)

RESULT_SCHEMA = "gaitvision.result/1"


@dataclass
class ViewResult:
    """One analysed clip inside a result."""

    view: str  # folder name = the clip's view: "side", "rear" or "front"
    video_path: str
    pose: PoseProduct
    analysis: GaitAnalysis

    @property
    def track(self) -> PoseTrack:
        """The cleaned track: the points the angles were measured on, drawn by the report."""
        return self.pose.cleaned


@dataclass
class AnalysisResult:
    """What :func:`analyze` produced."""

    out_dir: Path
    views: list[ViewResult]
    manifest: dict = field(default_factory=dict)

    def view(self, name: str) -> ViewResult | None:
        """The analysed clip of a view (``"side"`` / ``"rear"`` / ``"front"``), if any."""
        return next((v for v in self.views if v.view == name), None)


#: Views in the order a result lists them (folder names).
VIEW_ORDER = ("side", "rear", "front")


def _folder_for(view: str) -> str:
    """The result sub-folder of a clip: its view (a front clip keeps its own folder)."""
    if view not in VIEW_ORDER:
        raise GaitVisionError(f"unknown view {view!r}; use one of {', '.join(VIEW_ORDER)}.")
    return view


def analyze(
    videos: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    views: Sequence[str | None] | None = None,
    height_cm: float | None = None,
    speed_kmh: float | None = None,
    runner_name: str | None = None,
    notes: str | None = None,
    clip_names: Sequence[str | None] | None = None,
    workers: int | None = None,
    render: bool = True,
    slowmo_factor: float = 0.25,
    page_size: str = "A4",
    use_cache: bool = True,
    settings: AnalysisSettings | None = None,
    progress: ProgressCallback | None = None,
    time_scale: float = 1.0,
) -> AnalysisResult:
    """Analyse one clip, or two clips of the same run from different views (e.g. side and
    rear, or side and front: one report with both).

    Parameters
    ----------
    videos : sequence of path-like
        One or two clips.
    out_dir : path-like
        Result folder (replaced if it exists).
    views : sequence of {"side", "rear", "front", None}, optional
        Per clip, overrides the automatic view.
    height_cm : float, optional
        Runner's height: distances are also given in cm.
    speed_kmh : float, optional
        Treadmill speed, shown in the report.
    runner_name, notes : str, optional
        For the report.
    clip_names : sequence of str, optional
        Per clip, the name to show for it (e.g. the file name a user uploaded, when the
        file itself is stored under another name).
    workers : int, optional
        Pose processes (default one per core).
    render : bool
        Write videos, key frames, charts and the PDF (False: data files only).
    slowmo_factor : float
        Playback speed of the slow-motion clip (0.25 = four times slower).
    page_size : {"A4", "Letter"}
    use_cache : bool
        Reuse cached pose tracks.
    settings : AnalysisSettings, optional
        Pose, labelling, cleaning, contact and sequence parameters (defaults: the
        package's); recorded in every ``metrics.json``.
    progress : callable, optional
        ``progress(stage, fraction)`` with stages decoding, pose, kinematics, rendering.
    time_scale : float
        The clips' motion is slowed this many times (a phone's slow-motion export: 4 for
        120 fps played at 30); frame times are divided by it, so every result is in real
        time. A clip that looks slowed while this is 1 is refused with the likely factor
        (:class:`~gaitvision.kinematics.gating.SlowedClipDetector`).

    Returns
    -------
    AnalysisResult

    Raises
    ------
    GaitVisionError
        Bad input (one-line message); nothing is written.
    """
    videos = [Path(v) for v in videos]
    out_dir = Path(out_dir)
    if not 1 <= len(videos) <= 2:
        raise GaitVisionError("give one clip, or a side clip and a rear or front clip of the "
                              "same run.")
    views = list(views) if views is not None else [None] * len(videos)
    if len(views) != len(videos):
        raise GaitVisionError("give one --view per clip, or none.")
    settings = settings or AnalysisSettings()
    warm_up = ReportWarmUp()
    results: list[ViewResult] = []
    n = len(videos)
    for k, (video, view) in enumerate(zip(videos, views)):
        step = scaled(progress, k / n, (k + 1) / n)
        warm_up.join()  # the pose workers are forked: never while it runs
        raw = estimate_pose(video, workers=workers, use_cache=use_cache,
                            settings=settings.pose_stage.pose,
                            progress=warm_up.starting_on_progress(step) if render else step)
        raw = retime_track(raw, time_scale)
        labelled = label_track(raw, view=view)
        SlowedClipDetector().check(
            labelled, slowed_by_metadata(raw.video) if time_scale == 1.0 else None)
        product = make_product(labelled, settings.pose_stage)
        folder = _folder_for(product.view.view)
        if any(r.view == folder for r in results):
            raise GaitVisionError(
                f"both clips look like {folder} views; give one side clip and one rear or "
                "front clip, or set each clip's view with --view."
            )
        report(progress, "kinematics", k / n)
        warm_up.join()  # rear/front evidence may fork pose workers (a mirrored reading)
        analysis = _kinematics(product, settings, height_cm, speed_kmh, step)
        if time_scale != 1.0:
            analysis.video["time_scale"] = float(time_scale)
        if clip_names is not None and k < len(clip_names) and clip_names[k]:
            analysis.video["name"] = Path(str(clip_names[k])).name
        results.append(ViewResult(folder, str(video.resolve()), product, analysis))
    report(progress, "kinematics", 1.0)
    results.sort(key=lambda r: VIEW_ORDER.index(r.view))  # side first in every listing

    session = {
        "runner_name": runner_name, "notes": notes, "height_cm": height_cm,
        "speed_kmh": speed_kmh, "created": _now(),
    }
    warm_up.join()  # the report forks its processes: never while it runs
    manifest = _write_result(out_dir, results, session, render, slowmo_factor, page_size,
                             progress)
    return AnalysisResult(out_dir=out_dir, views=results, manifest=manifest)


class ReportWarmUp:
    """Load the report stage in a background thread while pose runs.

    During pose estimation this process only waits for its worker processes; importing
    the report's libraries (matplotlib, ReportLab, pypdf: about 1 s) and laying out one
    small chart (matplotlib's font cache; the first figure costs more than the rest)
    then costs the report nothing; so does the summary table the CLI prints (rich). The
    thread starts at the first "pose" progress report (the workers have been forked by
    then), and must be joined (:meth:`join`) before this process forks again: a child
    forked while the thread holds a lock (an import) would wait on it for ever.
    """

    def __init__(self) -> None:
        self.thread: threading.Thread | None = None

    def starting_on_progress(self, progress: ProgressCallback | None) -> ProgressCallback:
        """``progress``, which also starts the warm-up at the first "pose" report."""
        def wrapped(stage: str, fraction: float) -> None:
            if self.thread is None and stage == "pose":
                self.thread = threading.Thread(target=self._warm_up, daemon=True,
                                               name="gaitvision-report-warm-up")
                self.thread.start()
            report(progress, stage, fraction)
        return wrapped

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()

    @staticmethod
    def _warm_up() -> None:
        try:
            import pypdf  # noqa: F401 - the PDF's assembly (and its cryptography)
            import pypdfium2  # noqa: F401 - the charts' PNGs, rasterised from their pages
            from PIL import Image

            import gaitvision.report.plain  # noqa: F401
            import gaitvision.summary  # noqa: F401 - the CLI's summary table (rich)
            from gaitvision.report import charts, draw, style

            with charts.plt.rc_context(charts.RC):
                fig = charts.Figure(figsize=(2, 1), dpi=charts.DPI, layout="constrained")
                fig.subplots().plot([0, 1], [0, 1], label="warm-up")
                fig.axes[0].legend(loc="best")
            # a vector page, as the charts are drawn: loads matplotlib's PDF backend and
            # its fonts here rather than in the forked chart process, where it would
            # compete with the videos for the cores
            charts.pdf_bytes(fig)
            draw.text_sprite("warm-up 0°", 20, style.WHITE)
            Image.preinit()  # the image codecs the key frames and the PDF use
        except Exception:  # noqa: BLE001 - only a head start; the report loads them again
            log.debug("report warm-up failed", exc_info=True)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _write_result(out_dir: Path, results: list[ViewResult], session: dict, render: bool,
                  slowmo_factor: float, page_size: str, progress: ProgressCallback | None,
                  copy_pose_from: Path | None = None) -> dict:
    """Write a result folder under a temporary name, then swap it into place.

    ``copy_pose_from``: a result folder whose pose files (tracks, keypoints.csv) are
    copied rather than written again (recompute).
    """
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=parent))
    old = pose_files = None
    try:
        files: list[dict] = []
        for r in results:
            (tmp / r.view).mkdir()
            r.analysis.save(tmp / r.view)
            files += _data_entries(r.view)
        pose_files = _PoseFiles(results, tmp, copy_pose_from, in_background=render)
        manifest = {"schema": RESULT_SCHEMA, "created": session["created"], "session": session,
                    "views": [r.view for r in results],
                    "videos": {r.view: r.video_path for r in results}, "files": files}
        _write_json(tmp / "manifest.json", manifest)
        if render:
            manifest = _render(tmp, results, session, slowmo_factor, page_size, progress)
        pose_files.wait()
        if out_dir.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=parent))
            os.replace(out_dir, old / "result")
        os.replace(tmp, out_dir)
    except BaseException:
        if pose_files is not None:
            pose_files.abort()
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not out_dir.exists():
            os.replace(old / "result", out_dir)  # put the previous result back
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return manifest


class _PoseFiles:
    """The views' pose files (tracks, ``keypoints.csv``), written beside the render.

    They are not needed by the render, and writing them took a fifth of a second of the
    otherwise serial time between pose and render; in the background (a forked process,
    :class:`~gaitvision.report.forked.ForkedCall`) they cost the report nothing.
    """

    def __init__(self, results: list[ViewResult], folder: Path, copy_from: Path | None, *,
                 in_background: bool) -> None:
        jobs = [(r, folder / r.view, None if copy_from is None else copy_from / r.view)
                for r in results]
        if in_background:
            from gaitvision.report.forked import ForkedCall
            self.job = ForkedCall(_write_pose_files, jobs, name="gaitvision-pose-files")
        else:
            self.job = None
            _write_pose_files(jobs)

    def wait(self) -> None:
        if self.job is not None:
            self.job.result()

    def abort(self) -> None:
        if self.job is not None:
            self.job.abort()


def _write_pose_files(jobs: list[tuple[ViewResult, Path, Path | None]]) -> None:
    for r, vdir, source in jobs:
        _write_pose(r, vdir, source)


def _write_pose(r: ViewResult, vdir: Path, source: Path | None) -> None:
    if source is None:
        r.pose.save(vdir)
        r.track.to_csv(vdir / "keypoints.csv")
        return
    for name in (CLEANED_FILE, LABELLED_FILE, "keypoints.csv"):
        shutil.copy2(source / name, vdir / name)


def recompute(result_dir: str | os.PathLike, *, height_cm: float | None = None,
              speed_kmh: float | None = None, runner_name: str | None = None,
              notes: str | None = None, render: bool = True,
              progress: ProgressCallback | None = None, slowmo_factor: float = 0.25,
              page_size: str = "A4") -> AnalysisResult:
    """Re-run kinematics and the report of a saved result from its pose tracks (no pose).

    The labelled and cleaned tracks and the settings recorded in ``metrics.json`` give
    the same ``metrics.json``, byte for byte, when nothing is changed; the session
    values given here (height, speed, name, notes) replace the saved ones (None: keep).

    Parameters
    ----------
    result_dir : path-like
        A folder written by :func:`analyze`; replaced in place, atomically.
    height_cm, speed_kmh, runner_name, notes : optional
        New session values.
    render : bool
        Re-render videos, key frames, charts and the PDF (needs the source videos).
    progress : callable, optional
        ``progress(stage, fraction)``.
    slowmo_factor, page_size
        As in :func:`analyze`.

    Returns
    -------
    AnalysisResult

    Raises
    ------
    GaitVisionError
        Not a result folder, a result without its labelled track, or (with ``render``) a
        source video that is gone.
    """
    old = load_result(result_dir)
    session = dict(old.manifest.get("session", {}))
    for key, value in (("height_cm", height_cm), ("speed_kmh", speed_kmh),
                       ("runner_name", runner_name), ("notes", notes)):
        if value is not None:
            session[key] = value
    session.setdefault("created", _now())
    results = []
    for k, r in enumerate(old.views):
        if not (old.out_dir / r.view / LABELLED_FILE).exists():
            raise GaitVisionError(f"{old.out_dir}: made by an older gaitvision without the labelled "
                                  "pose track; run 'gaitvision analyze' again.")
        if render and not Path(r.video_path).exists():
            raise GaitVisionError(f"source video {r.video_path} is gone; the report's videos need "
                                  "it: put it back, or recompute without rendering.")
        n = len(old.views)
        report(progress, "kinematics", k / n)
        settings = AnalysisSettings.from_dict(r.analysis.settings)
        analysis = _kinematics(r.pose, settings, session.get("height_cm"), session.get("speed_kmh"),
                               scaled(progress, k / n, (k + 1) / n))
        if r.analysis.video.get("name"):
            analysis.video["name"] = r.analysis.video["name"]
        results.append(ViewResult(r.view, r.video_path, r.pose, analysis))
    report(progress, "kinematics", 1.0)
    manifest = _write_result(old.out_dir, results, session, render, slowmo_factor, page_size,
                             progress, copy_pose_from=old.out_dir)
    return AnalysisResult(out_dir=old.out_dir, views=results, manifest=manifest)


def _kinematics(product: PoseProduct, settings: AnalysisSettings, height_cm: float | None,
                speed_kmh: float | None, progress: ProgressCallback | None) -> GaitAnalysis:
    """Kinematics of one pose product, with the settings recorded in the analysis."""
    analysis = analyze_gait(product, height_cm=height_cm, speed_kmh=speed_kmh,
                            contact_params=settings.contacts, sequence_params=settings.sequence,
                            progress=progress)
    analysis.settings = settings.to_dict()
    return analysis


def _data_entries(view: str) -> list[dict]:
    return [
        {"path": f"{view}/metrics.json", "kind": "data", "view": view, "label": "Metrics (JSON)"},
        {"path": f"{view}/strides.csv", "kind": "data", "view": view, "label": "Per-stride table (CSV)"},
        {"path": f"{view}/curves.csv", "kind": "data", "view": view, "label": "Gait-cycle curves (CSV)"},
        {"path": f"{view}/keypoints.csv", "kind": "data", "view": view, "label": "Keypoints (CSV)"},
        {"path": f"{view}/pose.npz", "kind": "data", "view": view,
         "label": "Pose track, cleaned (NumPy)"},
        {"path": f"{view}/pose_labelled.npz", "kind": "data", "view": view,
         "label": "Pose track, labelled, unfiltered (NumPy)"},
    ]


def _entry_dict(entry) -> dict:
    return dataclasses.asdict(entry) if dataclasses.is_dataclass(entry) else dict(entry)


def _render(folder: Path, results: list[ViewResult], session: dict, slowmo_factor: float,
            page_size: str, progress: ProgressCallback | None) -> dict:
    """Render videos, key frames, charts, the PDF and README.txt into ``folder``."""
    from gaitvision.report import render_pdf, render_view, write_readme

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    n = len(results)
    files = manifest["files"]
    for k, r in enumerate(results):
        entries = render_view(r.analysis, r.track, r.video_path, folder / r.view,
                              slowmo_factor=slowmo_factor,
                              progress=scaled(progress, k / (n + 1), (k + 1) / (n + 1)))
        for e in entries:
            d = _entry_dict(e)
            path = Path(d["path"])
            if path.is_absolute():
                d["path"] = path.relative_to(folder).as_posix()
            files.append(d)
    render_pdf([(r.analysis, folder / r.view) for r in results], folder / "report.pdf",
               session=session, page_size=page_size)
    files.insert(0, {"path": "report.pdf", "kind": "pdf", "view": None, "label": "PDF form report"})
    manifest["files"] = files
    _write_json(folder / "manifest.json", manifest)
    write_readme(folder, manifest)
    report(progress, "rendering", 1.0)
    return manifest


def load_result(result_dir: str | os.PathLike) -> AnalysisResult:
    """Reload a saved result (tracks and analyses) without running pose."""
    result_dir = Path(result_dir)
    manifest_path = result_dir / "manifest.json"
    if not manifest_path.exists():
        raise GaitVisionError(f"{result_dir}: not a gaitvision result folder (no manifest.json); "
                              "give the folder written by 'gaitvision analyze'.")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    views = []
    for view in manifest["views"]:
        vdir = result_dir / view
        analysis = GaitAnalysis.load(vdir)
        stage = AnalysisSettings.from_dict(analysis.settings).pose_stage
        views.append(ViewResult(view, manifest.get("videos", {}).get(view, ""),
                                PoseProduct.load(vdir, stage), analysis))
    return AnalysisResult(out_dir=result_dir, views=views, manifest=manifest)


def render_report(result_dir: str | os.PathLike, *, slowmo_factor: float = 0.25,
                  page_size: str = "A4", progress: ProgressCallback | None = None) -> AnalysisResult:
    """Re-render the report of a saved result (no pose, no kinematics).

    The source videos must still be at the paths recorded in ``manifest.json``.
    """
    result = load_result(result_dir)
    for r in result.views:
        if not Path(r.video_path).exists():
            raise GaitVisionError(f"source video {r.video_path} is gone; the report's videos and key "
                                  "frames need it: put it back or re-run 'gaitvision analyze'.")
    folder = result.out_dir
    old = result.manifest
    manifest = dict(old, files=[f for f in old["files"] if f["kind"] == "data"])
    # Rendered into a staging folder and swapped in only when complete: a failed
    # re-render leaves the previous report whole, and files the new one no longer makes
    # do not linger.
    staging = Path(tempfile.mkdtemp(prefix=".partial-render-", dir=folder))
    try:
        _write_json(staging / "manifest.json", manifest)
        new = _render(staging, result.views, manifest.get("session", {}), slowmo_factor,
                      page_size, progress)
        for f in old["files"]:
            if f["kind"] != "data":
                (folder / f["path"]).unlink(missing_ok=True)
        for f in new["files"]:
            if f["kind"] != "data":
                (folder / f["path"]).parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / f["path"], folder / f["path"])
        os.replace(staging / "README.txt", folder / "README.txt")
        os.replace(staging / "manifest.json", folder / "manifest.json")
        for f in old["files"]:  # folders that only held stale renders
            parent = (folder / f["path"]).parent
            if parent != folder and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.manifest = new
    return result


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, path)

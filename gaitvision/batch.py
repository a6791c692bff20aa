"""``gaitvision batch``: many clips into one output folder, resumable, with one summary.

Inputs are clips, folders of clips, or a CSV with one analysis per row::

    runner_name,height_cm,speed_kmh,side,rear,front,time_scale
    Ann,168,11.5,ann_side.mp4,ann_rear.mp4,,
    Ben,181,,ben_side.mov,,ben_front.mov,4

(``side``/``rear``/``front`` paths relative to the CSV; any may be empty, at most two
per row; ``time_scale`` for a slowed export, e.g. 4 for a 120 fps clip exported at
30 fps; an ``id`` column names the result folder). Each analysis writes ``OUT/<id>/``
(the pipeline renames its folder into place only when complete, so a folder with
``manifest.json`` is a finished analysis: a re-run skips it and retries the failed
ones). ``OUT/summary.csv`` has one row per analysis with its headline metrics, or its
one-line reason when it failed; ``OUT/failures.txt`` lists the failures alone.

Analyses run in child processes on this machine (``jobs`` at a time, each a process
group of its own, see :mod:`gaitvision.web.analysis_child`) or, with ``broker``, on
``gaitvision worker`` machines through Celery (clips and results through
:mod:`gaitvision.storage`).
"""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from gaitvision.errors import GaitVisionError

VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".3gp"}
DEFAULT_ANALYZE = "gaitvision.pipeline:analyze"
SUMMARY_COLUMNS = ["id", "status", "resumed", "runner_name", "clips", "views", "time_scale",
                   "seconds", "error"]

#: CSV columns that name a clip, in the order the views are given to the pipeline.
VIEW_COLUMNS = ("side", "rear", "front")


@dataclass
class BatchItem:
    """One analysis of the batch: one clip, or a side and a rear (or front) clip of one run."""

    id: str
    videos: list[Path]
    views: list[str | None]
    runner_name: str | None = None
    height_cm: float | None = None
    speed_kmh: float | None = None
    time_scale: float | None = None  # None: real time (or the batch's --time-scale)

    def analyze_kwargs(self, render: bool) -> dict:
        """The keyword arguments of :func:`gaitvision.pipeline.analyze` for this item."""
        return {"views": self.views, "height_cm": self.height_cm, "speed_kmh": self.speed_kmh,
                "runner_name": self.runner_name, "render": render,
                "time_scale": self.time_scale or 1.0,
                "clip_names": [Path(v).name for v in self.videos]}


@dataclass
class ItemOutcome:
    """How one analysis ended: ``status`` is done or failed; ``resumed`` when done earlier."""

    id: str
    status: str
    error: str = ""
    resumed: bool = False
    seconds: float = 0.0
    headline: dict = field(default_factory=dict)


@dataclass
class BatchOutcome:
    """Every analysis's outcome, in input order."""

    out_dir: Path
    items: list[tuple[BatchItem, ItemOutcome]]

    @property
    def failed(self) -> list[tuple[BatchItem, ItemOutcome]]:
        return [(i, o) for i, o in self.items if o.status != "done"]


# ----------------------------------------------------------------------------- inputs
def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")
    return slug[:80] or "clip"


def _number(value: str | None, what: str, where: str) -> float | None:
    if value is None or not str(value).strip():
        return None
    try:
        number = float(value)
    except ValueError:
        raise GaitVisionError(f"{where}: {what} {value!r} is not a number.") from None
    if number <= 0:
        raise GaitVisionError(f"{where}: {what} must be positive.")
    return number


def _csv_items(path: Path) -> list[BatchItem]:
    try:
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GaitVisionError(f"{path}: cannot read the CSV ({exc}).") from None
    items = []
    for n, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        where = f"{path.name} line {n}"
        videos, views = [], []
        for view in VIEW_COLUMNS:
            if row.get(view):
                videos.append((path.parent / row[view]).resolve())
                views.append(view)
        if not videos or len(videos) > 2:
            raise GaitVisionError(f"{where}: give one or two clips (columns side, rear, front).")
        runner = row.get("runner_name") or row.get("name") or None
        ident = row.get("id") or f"{n - 1:03d}-{runner or videos[0].stem}"
        items.append(BatchItem(_slug(ident), videos, views, runner,
                               _number(row.get("height_cm"), "height_cm", where),
                               _number(row.get("speed_kmh"), "speed_kmh", where),
                               _number(row.get("time_scale"), "time_scale", where)))
    return items


def collect_items(inputs: Sequence[str | os.PathLike], *, height_cm: float | None = None,
                  speed_kmh: float | None = None, time_scale: float | None = None
                  ) -> list[BatchItem]:
    """The analyses named by clips, folders of clips and CSV files, with unique ids."""
    items: list[BatchItem] = []
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            clips = sorted(p for p in path.iterdir() if p.suffix.lower() in VIDEO_EXTENSIONS
                           and p.is_file() and not p.name.startswith("."))
            items += [BatchItem(_slug(c.stem), [c.resolve()], [None]) for c in clips]
        elif path.suffix.lower() == ".csv":
            items += _csv_items(path)
        elif path.exists():
            items.append(BatchItem(_slug(path.stem), [path.resolve()], [None]))
        else:
            raise GaitVisionError(f"{path}: no such file or folder.")
    if not items:
        raise GaitVisionError("no clips found: give video files, folders of videos or a CSV.")
    seen: dict[str, int] = {}
    for item in items:
        count = seen[item.id] = seen.get(item.id, 0) + 1
        if count > 1:
            item.id = f"{item.id}-{count}"
        item.height_cm = item.height_cm or height_cm
        item.speed_kmh = item.speed_kmh or speed_kmh
        item.time_scale = item.time_scale or time_scale
    return items


# ----------------------------------------------------------------------------- runners
def _local_runner(jobs: int, analyze: str) -> Callable[[BatchItem, Path, bool], ItemOutcome]:
    from gaitvision.web.analysis_child import run_child

    pose_workers = max(1, (os.cpu_count() or 1) // max(1, jobs))

    def run(item: BatchItem, out: Path, render: bool) -> ItemOutcome:
        kwargs = item.analyze_kwargs(render)
        if analyze == DEFAULT_ANALYZE:
            kwargs["workers"] = pose_workers
        job = {"analyze": analyze, "workdir": str(out.parent), "out": str(out),
               "videos": [str(v) for v in item.videos], "kwargs": kwargs}
        result = run_child(job)
        if result.status == "done" and (out / "manifest.json").is_file():
            return ItemOutcome(item.id, "done")
        if result.status == "done":
            return ItemOutcome(item.id, "failed", "the analysis finished without writing manifest.json")
        return ItemOutcome(item.id, "failed", result.error)

    return run


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:300]


def _headline(result_dir: Path) -> dict:
    from gaitvision.web.worker import headline_metrics

    return headline_metrics(result_dir)


def write_summary(out_dir: Path, items: list[tuple[BatchItem, ItemOutcome]]) -> Path:
    """``summary.csv`` (every analysis) and ``failures.txt``, each written atomically."""
    from gaitvision.web.worker import HEADLINE_METRICS

    metric_cols = [f"{m}_{s}" for m in HEADLINE_METRICS for s in ("left", "right", "both")]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(SUMMARY_COLUMNS + metric_cols)
    for item, outcome in items:
        row = [item.id, outcome.status, int(outcome.resumed), item.runner_name or "",
               " ".join(str(v) for v in item.videos), " ".join(v or "auto" for v in item.views),
               f"{item.time_scale or 1.0:g}", f"{outcome.seconds:.1f}", outcome.error]
        for m in HEADLINE_METRICS:
            entry = outcome.headline.get(m) or {}
            row += ["" if entry.get(s) is None else entry[s] for s in ("left", "right", "both")]
        writer.writerow(row)
    summary = out_dir / "summary.csv"
    _write_atomic(summary, buf.getvalue())
    failures = "".join(f"{i.id}: {o.error}\n" for i, o in items if o.status != "done")
    _write_atomic(out_dir / "failures.txt", failures)
    return summary


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def run_batch(inputs: Sequence[str | os.PathLike], out_dir: str | os.PathLike, *, jobs: int = 1,
              broker: str | None = None, storage: str | None = None,
              height_cm: float | None = None, speed_kmh: float | None = None,
              time_scale: float | None = None, render: bool = True, show_progress: bool = True,
              analyze: str = DEFAULT_ANALYZE) -> BatchOutcome:
    """Analyse every clip of ``inputs`` into ``out_dir`` (see the module docstring).

    Parameters
    ----------
    inputs : clips, folders of clips, CSV files.
    out_dir : the output folder (created; finished analyses in it are skipped).
    jobs : analyses at once (local: child processes on this machine; with ``broker``:
        tasks in flight on the workers).
    broker : ``redis://HOST:PORT/DB``: run on ``gaitvision worker`` machines instead.
    storage : with ``broker``: where workers find the clips and put the results
        (default ``OUT/.storage``, fine for workers on this machine or sharing it).
    height_cm, speed_kmh, time_scale : for analyses whose CSV row has none.
    render : videos, key frames, charts and PDF (False: data files only).
    """
    if jobs < 1:
        raise GaitVisionError("--jobs must be at least 1.")
    items = collect_items(inputs, height_cm=height_cm, speed_kmh=speed_kmh, time_scale=time_scale)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    outcomes: dict[str, ItemOutcome] = {}
    todo = []
    for item in items:
        if (out / item.id / "manifest.json").is_file():
            outcomes[item.id] = ItemOutcome(item.id, "done", resumed=True,
                                            headline=_headline(out / item.id))
        else:
            todo.append(item)
    if broker:
        from gaitvision.web.celery_queue import celery_runner

        runner = celery_runner(broker, storage or (out / ".storage"), analyze)
    else:
        runner = _local_runner(jobs, analyze)
    bar = _progress_bar(len(items), len(items) - len(todo), show_progress)

    def ordered() -> list[tuple[BatchItem, ItemOutcome]]:
        return [(i, outcomes[i.id]) for i in items if i.id in outcomes]

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(_timed, runner, item, out / item.id, render): item for item in todo}
        for future in as_completed(futures):
            item = futures[future]
            outcome = future.result()
            if outcome.status == "done":
                outcome.headline = _headline(out / item.id)
            outcomes[item.id] = outcome
            write_summary(out, ordered())
            if bar is not None:
                bar.set_postfix_str(f"{item.id}: {outcome.status}", refresh=False)
                bar.update(1)
    if bar is not None:
        bar.close()
    write_summary(out, ordered())
    return BatchOutcome(out, ordered())


def _timed(runner, item: BatchItem, out: Path, render: bool) -> ItemOutcome:
    t0 = time.monotonic()
    try:
        outcome = runner(item, out, render)
    except GaitVisionError as exc:
        outcome = ItemOutcome(item.id, "failed", str(exc))
    except Exception as exc:  # noqa: BLE001 - one analysis must not stop the batch
        outcome = ItemOutcome(item.id, "failed", f"{type(exc).__name__}: {exc}")
    outcome.error = _one_line(outcome.error)
    outcome.seconds = time.monotonic() - t0
    return outcome


def _progress_bar(total: int, done: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    # disable=None: a bar on a terminal only, not in pipes and CI logs.
    return tqdm(total=total, initial=done, desc="clips", unit="clip", file=sys.stderr,
                disable=None)


def print_outcome(outcome: BatchOutcome) -> None:
    """The batch's result in a few lines (the CLI's output)."""
    done = [o for _, o in outcome.items if o.status == "done"]
    resumed = sum(o.resumed for o in done)
    print(f"{len(done)} of {len(outcome.items)} analyses done"
          + (f" ({resumed} from an earlier run)" if resumed else "")
          + f"; summary in {outcome.out_dir / 'summary.csv'}")
    for item, o in outcome.failed:
        print(f"failed  {item.id}: {o.error}")


def new_hex_id() -> str:
    """A job id in the web app's shape (32 hex digits)."""
    return secrets.token_hex(16)

"""Manifest entries and the result folder's README.txt.

The result folder layout is a contract between the pipeline, the report and the web
app (see the project's CONTRACTS): ``manifest.json`` lists every file with a ``kind``
(``pdf``, ``video``, ``image``, ``chart``, ``data``), its ``view`` and a label.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

KINDS = ("pdf", "video", "image", "chart", "data")


@dataclass
class ManifestEntry:
    """One file of the result folder, as listed in ``manifest.json``.

    ``path`` is relative to the result folder, with forward slashes.
    """

    path: str
    kind: str
    view: str | None
    label: str

    def to_dict(self) -> dict:
        """JSON form for ``manifest.json``'s ``files`` list."""
        return asdict(self)


def entry(out_dir: Path, path: Path, kind: str, view: str | None, label: str) -> ManifestEntry:
    """A manifest entry for ``path`` (made relative to ``out_dir``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    rel = Path(path).resolve().relative_to(Path(out_dir).resolve())
    return ManifestEntry(rel.as_posix(), kind, view, label)


#: What each standard file is, for README.txt (by file name).
DESCRIPTIONS = {
    "report.pdf": "The form report: session, summary of every metric with reference ranges "
                  "and flags, key findings, key frames, charts, per-stride table, data quality.",
    "manifest.json": "Machine-readable list of the files in this folder (schema "
                     "gaitvision.result/1).",
    "README.txt": "This file.",
    "pose.npz": "The cleaned pose track (BlazePose landmarks per frame); reload with "
                "gaitvision.pose.track.PoseTrack.load.",
    "keypoints.csv": "The pose track as a tidy table: one row per frame and landmark "
                     "(pixels of the upright frame, visibility, world coordinates).",
    "metrics.json": "All results (schema gaitvision.metrics/1): per-metric summary per side "
                    "with reference and finding, gait events, strides, curves, quality.",
    "strides.csv": "One row per stride (initial contact to the next of the same foot) with "
                   "every per-stride value.",
    "curves.csv": "Mean and SD of each joint-angle curve over 0-100 % of the gait cycle, "
                  "per side.",
    "series.npz": "Per-frame angle series and per-stride normalised curves (used to "
                  "re-render the report).",
    "annotated.mp4": "The clip with the skeleton (left blue, right vermillion; the far side "
                     "thinner, low-confidence points faded), measured angles, IC/TO markers, "
                     "a live read-out of the current stride and a stance timeline. H.264.",
    "slowmo.mp4": "The annotated clip slowed down: every frame shown once at a lower rate "
                  "(no invented frames). H.264.",
    "loop_left.mp4": "The left side's representative (median-duration) stride, cropped, in "
                     "slow motion, for looping and stepping through.",
    "loop_right.mp4": "The right side's representative stride, cropped, in slow motion.",
}


def describe(rel_path: str, label: str | None = None) -> str:
    """README description of a file (by name, else its manifest label)."""
    name = Path(rel_path).name
    if name in DESCRIPTIONS:
        return DESCRIPTIONS[name]
    parent = Path(rel_path).parent.name
    if parent == "keyframes":
        return (label or "Key frame") + " (PNG, cropped around the runner, angles drawn)."
    if parent == "charts":
        return (label or "Chart") + " (PNG, 150 dpi; the same chart is vector in report.pdf)."
    return label or ""


def write_readme(out_dir: str | os.PathLike,
                 manifest: Iterable[ManifestEntry | dict] | dict) -> Path:
    """Write ``README.txt`` describing every file listed in ``manifest``, atomically.

    ``manifest`` may be the ``manifest.json`` dict, or a list of entries/dicts.
    """
    out_dir = Path(out_dir)
    if isinstance(manifest, dict):
        files = manifest.get("files", [])
        views = manifest.get("views", [])
    else:
        files = list(manifest)
        views = []
    items = [f.to_dict() if isinstance(f, ManifestEntry) else dict(f) for f in files]
    lines = [
        "gaitvision result folder",
        "========================",
        "",
        "Running-form analysis of " + (" and ".join(f"a {v} view" for v in views)
                                       if views else "one or more clips") + ".",
        "Re-render the videos, charts and report without running pose again:",
        "    gaitvision report THIS_FOLDER",
        "",
        "IC = initial contact (the foot lands), TO = toe-off (the foot leaves the belt);",
        "a stride runs from one IC to the next IC of the same foot.",
        "Conventions: left is drawn blue and right vermillion everywhere. Knee flexion is",
        "positive when bent; hip extension (thigh vs vertical) positive when the thigh is",
        "behind vertical; pelvic drop positive when the swing side is lower (keyed by the",
        "stance side); arm crossover positive when the wrist passes the body midline.",
        "Slow motion shows every recorded frame once at (frame rate x factor) frames per",
        "second, so it lasts (clip duration / factor); no frames are invented.",
        "",
    ]
    # files the pipeline wrote but did not list (e.g. series.npz) are described too
    listed = {i["path"] for i in items}
    for view in views or sorted({i["path"].split("/")[0] for i in items if "/" in i["path"]}):
        for name in DESCRIPTIONS:
            rel = f"{view}/{name}"
            if rel not in listed and (out_dir / rel).is_file():
                items.append({"path": rel, "label": ""})
                listed.add(rel)
    top = [i for i in items if "/" not in i["path"]]
    by_view: dict[str, list[dict]] = {}
    for i in items:
        if "/" in i["path"]:
            by_view.setdefault(i["path"].split("/")[0], []).append(i)
    names = {i["path"] for i in top}
    for extra in ("manifest.json", "README.txt"):
        if extra not in names:
            top.append({"path": extra, "label": ""})
    lines.append("Files")
    lines.append("-----")
    for i in top:
        lines += _wrap(i["path"], describe(i["path"], i.get("label")))
    for view, group in by_view.items():
        lines += ["", f"{view}/", "-" * (len(view) + 1)]
        for i in group:
            lines += _wrap(i["path"], describe(i["path"], i.get("label")))
    text = "\n".join(lines) + "\n"
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / ".README.txt.part"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, out_dir / "README.txt")
    return out_dir / "README.txt"


def _wrap(path: str, desc: str, width: int = 88) -> list[str]:
    import textwrap

    lines = [path]
    lines += textwrap.wrap(desc, width=width, initial_indent="    ", subsequent_indent="    ")
    return lines

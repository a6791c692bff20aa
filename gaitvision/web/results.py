"""Read a job's result folder (manifest.json, <view>/metrics.json) for the pages.

Only files listed in the manifest (plus each view's standard exports) can be served,
and each is resolved and checked to lie inside the job's result folder.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from gaitvision.kinematics.records import GaitEvent, MetricSummary, Quality, Reference, Stats
from gaitvision.kinematics.reference import METRICS
from gaitvision.report.style import fmt_sd

#: The summary flag that excludes a metric from findings and the plain summary.
UNRELIABLE = "unreliable"

VIEWS = ("side", "rear", "front")

#: Standard per-view exports, servable even if a manifest forgot to list them.
VIEW_EXPORTS = ("metrics.json", "strides.csv", "curves.csv", "keypoints.csv")
TOP_FILES = ("report.pdf", "README.txt")

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".mp4": "video/mp4",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".npz": "application/octet-stream",
}

#: Kept for callers that want a label without the registry; the registry wins.
METRIC_LABELS = {
    "cadence_spm": "Cadence",
    "contact_time_ms": "Ground contact time",
    "flight_time_ms": "Flight time",
    "duty_factor_pct": "Duty factor",
    "knee_flexion_ic_deg": "Knee flexion at contact",
    "knee_flexion_stance_peak_deg": "Peak knee flexion in stance",
    "hip_extension_peak_deg": "Peak hip extension (thigh vs vertical)",
    "hip_extension_vs_trunk_peak_deg": "Peak hip extension (thigh vs trunk)",
    "tibia_angle_ic_deg": "Shank (tibia) angle at contact",
    "overstride_leg_lengths": "Overstride",
    "overstride_cm": "Overstride",
    "foot_strike_angle_deg": "Foot-strike angle",
    "trunk_lean_deg": "Trunk lean",
    "vertical_oscillation_leg_lengths": "Vertical oscillation",
    "vertical_oscillation_cm": "Vertical oscillation",
    "pelvic_drop_peak_deg": "Peak pelvic drop (by stance side)",
    "arm_crossover_shoulder_widths": "Arm crossover (by arm)",
    "arm_crossover_at_least_shoulder_widths": "Arm crossover, at least (by arm)",
    "arm_crossover_at_most_shoulder_widths": "Arm crossover, at most (by arm)",
    "arm_crossover_strides_pct": "Strides with arm crossover",
    "step_width_leg_lengths": "Step width",
    "camera_roll_deg": "Camera roll",
}

UNIT_TEXT = {"deg": "°", "pct": "%", "percent": "%", "leg_lengths": "leg lengths",
             "shoulder_widths": "shoulder widths", "spm": "steps/min", "steps/min": "steps/min"}


def safe_rel(rel: str) -> str | None:
    """Normalise a relative path from a URL or manifest; None if it could leave the folder."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel or len(rel) > 300:
        return None
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return None
    if ":" in parts[0]:
        return None
    return "/".join(parts)


def load_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def allowed_files(result_dir: Path, manifest: dict | None) -> dict[str, dict]:
    """Relative path -> manifest entry, for every file a client may fetch."""
    allowed: dict[str, dict] = {}
    if manifest is None:
        return allowed
    for entry in manifest.get("files") or []:
        if isinstance(entry, dict):
            rel = safe_rel(entry.get("path", ""))
            if rel:
                allowed[rel] = entry
    for name in TOP_FILES:
        allowed.setdefault(name, {"path": name, "kind": "data", "view": None, "label": name})
    for view in manifest.get("views") or []:
        if view in VIEWS:
            for name in VIEW_EXPORTS:
                rel = f"{view}/{name}"
                allowed.setdefault(rel, {"path": rel, "kind": "data", "view": view, "label": name})
    return allowed


def resolve_download(result_dir: Path, rel: str, manifest: dict | None) -> Path | None:
    """The file for ``rel`` if it belongs to this result, else None."""
    rel_norm = safe_rel(rel)
    if rel_norm is None or rel_norm not in allowed_files(result_dir, manifest):
        return None
    root = result_dir.resolve()
    path = (root / rel_norm).resolve()
    if root not in path.parents or not path.is_file():
        return None
    return path


# -- formatting ------------------------------------------------------------------------
def _num(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def fmt_value(value) -> str:
    """A value exactly as ``metrics.json`` holds it: 170.2 -> "170.2", 0.187 -> "0.187",
    337.0 -> "337", -0.0 -> "0", None/NaN -> "–" (the JSON is already rounded per unit)."""
    v = _num(value)
    if v is None:
        return "–"
    if v == 0:
        return "0"
    text = repr(v)
    if "e" in text:  # 1e-05: JSON holds it, but nobody reads it that way
        text = f"{v:.6f}".rstrip("0").rstrip(".")
    return text[:-2] if text.endswith(".0") else text


def fmt_measured(value) -> str:
    """An unrounded measurement (confidence, fps): at most 2 decimals, no trailing zeros."""
    v = _num(value)
    if v is None:
        return "–"
    text = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def unit_text(unit: str | None) -> str:
    unit = unit or ""
    return UNIT_TEXT.get(unit, unit)


def fmt_stats(stats: Stats | None, unit: str | None = None) -> dict | None:
    """Mean, SD, median and n as text; an SD that rounds to zero reads "< 0.1" (the PDF's)."""
    if stats is None or _num(stats.mean) is None:
        return None
    sd = _num(stats.sd)
    sd_text = "" if sd is None else fmt_sd(0.0, unit) if sd == 0 else fmt_value(sd)
    return {"mean": fmt_value(stats.mean), "sd": sd_text,
            "median": fmt_value(stats.median), "n": stats.n}


def fmt_reference(ref: Reference | None, unit: str) -> tuple[str, str]:
    """(range text, source) of a metric's typed reference."""
    if ref is None:
        return "no validated range", ""
    u = unit_text(unit)
    if ref.range is not None:
        rng = f"{fmt_value(ref.range[0])}–{fmt_value(ref.range[1])} {u}".strip()
        return (f"{rng} ({ref.text})" if ref.text else rng), ref.source
    return ref.text or "no validated range", ref.source


FLAG_TEXT = {"within": ("ok", "within"), "outside": ("warn", "outside"),
             "no_norm": ("none", "no validated range"),
             "insufficient": ("none", "too few values"),
             "unreliable": ("none", "unreliable")}


def flag_class(flag) -> tuple[str, str]:
    """(css class, text) for a flag of the contract (within/outside/no_norm/insufficient,
    and unreliable)."""
    return FLAG_TEXT.get(str(flag), ("none", str(flag or "").replace("_", " ")))


@dataclass
class MetricRow:
    name: str
    label: str
    unit: str
    left: dict | None
    right: dict | None
    both: dict | None
    reference: str
    source: str
    flag_class: str
    flag: str
    finding: str
    definition: str = ""
    side_flags: dict = field(default_factory=dict)
    asymmetry: str = ""
    reliable: bool = True


@dataclass
class ViewResult:
    view: str
    metrics: dict | None
    rows: list[MetricRow] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    fps: float | None = None
    player: str | None = None  # rel path of the clip for the player
    player_fps: float | None = None
    player_files: list[dict] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)
    images: list[dict] = field(default_factory=list)
    downloads: list[dict] = field(default_factory=list)
    quality: list[tuple[str, str]] = field(default_factory=list)
    quality_notes: list[str] = field(default_factory=list)
    summaries: dict = field(default_factory=dict)  # name -> MetricSummary (typed)
    time_scale: float = 1.0


QUALITY_LABELS = {
    "strides_left": "Strides used, left", "strides_right": "Strides used, right",
    "confidence_left": "Keypoint confidence, left leg",
    "confidence_right": "Keypoint confidence, right leg",
    "inferred_events": "Events inferred (not seen)", "hidden_leg": "Leg mostly hidden",
    "camera_roll_deg": "Camera roll (deg)", "tilt_suspected": "Camera tilt suspected",
    "too_few_strides": "Fewer than 7 strides on a side", "walking_detected": "Walking detected",
    "excluded_strides": "Strides excluded", "detection_rate": "Frames with the runner detected",
    "fps": "Frame rate (fps)",
}


@functools.lru_cache(maxsize=256)
def _clip_fps(path: str, mtime: float, size: int) -> float | None:
    from gaitvision.video import probe_video

    try:
        return probe_video(path, hash_content=False).fps
    except Exception:  # noqa: BLE001 - a clip we cannot probe just steps at the view's rate
        return None


def clip_fps(path: Path) -> float | None:
    """Frame rate of a rendered clip (slow-motion clips play at a lower rate)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return _clip_fps(str(path), st.st_mtime, st.st_size)


def metric_order(name: str) -> tuple[int, str]:
    """Display order: the metric registry's order, unknown names after it."""
    names = list(METRICS)
    return (names.index(name) if name in names else len(names), name)


def parse_summaries(metrics: dict) -> dict[str, MetricSummary]:
    """``summary`` of a metrics.json as typed records, in registry order."""
    out = {}
    for name in sorted(metrics.get("summary") or {}, key=metric_order):
        out[name] = MetricSummary.from_dict(name, metrics["summary"][name])
    return out


def _asymmetry_text(ms: MetricSummary) -> str:
    asym = ms.asymmetry or {}
    if _num(asym.get("diff")) is None:
        return ""
    text = f"{fmt_value(asym['diff'])} {unit_text(ms.unit)}".strip()
    if _num(asym.get("pct")) is not None:
        pct = fmt_value(asym["pct"])
        text += f" ({'' if pct.startswith('-') or pct == '0' else '+'}{pct} %)"
    return text


#: Summaries that are bounds, not values (arm crossover from behind, wrist hidden): the
#: sign their means carry on the results page.
BOUND_SIGNS = {"arm_crossover_at_least_shoulder_widths": "≥ ",
               "arm_crossover_at_most_shoulder_widths": "≤ "}


def _bound_stats(name: str, stats: dict | None) -> dict | None:
    """A bound's mean reads "≥ 0.12" / "≤ 0.31"; other metrics' stats as they are."""
    if stats is None or name not in BOUND_SIGNS:
        return stats
    return {**stats, "mean": BOUND_SIGNS[name] + stats["mean"]}


def metric_row(ms: MetricSummary) -> MetricRow:
    """One table row of a typed summary; values as metrics.json holds them."""
    ref, source = fmt_reference(ms.reference, ms.unit)
    cls, text = flag_class(ms.flag)
    label = ms.label or (METRICS[ms.name].label if ms.name in METRICS else ms.name)
    return MetricRow(
        name=ms.name, label=label, unit=unit_text(ms.unit),
        left=_bound_stats(ms.name, fmt_stats(ms.left, ms.unit)),
        right=_bound_stats(ms.name, fmt_stats(ms.right, ms.unit)),
        both=_bound_stats(ms.name, fmt_stats(ms.both, ms.unit)),
        reference=ref, source=source, flag_class=cls, flag=text, finding=ms.finding,
        definition=ms.definition, side_flags={k: flag_class(v)[0] for k, v in ms.flags.items()},
        asymmetry=_asymmetry_text(ms), reliable=ms.flag != UNRELIABLE)


def metric_rows(metrics: dict) -> list[MetricRow]:
    return [metric_row(ms) for ms in parse_summaries(metrics).values()]


def _quality(raw) -> tuple[list[tuple[str, str]], list[str]]:
    """Rows and notes of the typed :class:`Quality` record."""
    if not isinstance(raw, dict):
        return [], []
    q = Quality.from_dict(raw)
    rows = []
    for f in dataclasses.fields(q):
        value = getattr(q, f.name)
        if f.name == "notes":
            continue
        label = QUALITY_LABELS.get(f.name, f.name.replace("_", " ").capitalize())
        if isinstance(value, bool):
            rows.append((label, "yes" if value else "no"))
        elif isinstance(value, int):
            rows.append((label, str(value)))
        elif isinstance(value, float):
            text = fmt_value(value) if f.name.endswith("_deg") else fmt_measured(value)
            rows.append((label, text))
        elif value is None and f.name == "camera_roll_deg":
            continue
        else:
            rows.append((label, "–" if value is None else str(value)))
    return rows, [str(n) for n in q.notes if n]


def parse_events(metrics: dict) -> list[dict]:
    """Events of the contract (typed :class:`GaitEvent`, fractional frames kept)."""
    out = []
    for d in metrics.get("events") or []:
        ev = GaitEvent(**d)
        out.append({"foot": ev.foot, "type": ev.type, "time_s": ev.time_s,
                    "frame": ev.frame, "frame_int": int(round(ev.frame)),
                    "inferred": bool(ev.inferred)})
    out.sort(key=lambda e: e["time_s"])
    return out


def _findings(rows: list[MetricRow], metrics: dict) -> list[dict]:
    findings = [{"label": r.label, "text": r.finding, "flag_class": r.flag_class,
                 "metric": r.name} for r in rows if r.finding]
    findings.sort(key=lambda f: {"warn": 0, "ok": 2}.get(f["flag_class"], 1))
    return findings


def _fill_metrics(vr: ViewResult, metrics: dict) -> None:
    vr.summaries = parse_summaries(metrics)
    vr.rows = [metric_row(ms) for ms in vr.summaries.values()]
    vr.findings = _findings(vr.rows, metrics)
    video = metrics.get("video") or {}
    vr.fps = _num(video.get("fps"))
    vr.time_scale = _num(video.get("time_scale")) or _num(metrics.get("time_scale")) or 1.0
    vr.events = parse_events(metrics)
    vr.quality, vr.quality_notes = _quality(metrics.get("quality"))


def _file_item(files_url: str, rel: str, entry: dict) -> dict:
    return {"path": rel, "url": f"{files_url}/{rel}", "kind": entry.get("kind", "data"),
            "label": str(entry.get("label") or PurePosixPath(rel).name),
            "name": PurePosixPath(rel).name}


def _view_result(result_dir: Path, view: str, present: dict, files_url: str) -> ViewResult:
    metrics = load_json(result_dir / view / "metrics.json")
    vr = ViewResult(view=view, metrics=metrics)
    for rel, entry in present.items():
        if entry.get("view") != view and not rel.startswith(f"{view}/"):
            continue
        it = _file_item(files_url, rel, entry)
        {"chart": vr.charts, "image": vr.images}.get(it["kind"], vr.downloads).append(it)
        if it["kind"] == "video" or rel.endswith(".mp4"):
            vr.player_files.append(it)
    # Manifest order (the report's order: IC, midstance, TO ...); downloads: videos first.
    vr.downloads.sort(key=lambda d: {"video": 0, "data": 1}.get(d["kind"], 2))
    for it in vr.player_files:
        it["fps"] = clip_fps(result_dir / it["path"])
    names = {PurePosixPath(p["path"]).name: p["path"] for p in vr.player_files}
    vr.player = names.get("annotated.mp4") or names.get("slowmo.mp4") or (
        vr.player_files[0]["path"] if vr.player_files else None)
    vr.player_fps = next((p["fps"] for p in vr.player_files if p["path"] == vr.player), None)
    if metrics:
        _fill_metrics(vr, metrics)
    for it in vr.player_files:
        # Real time per second of this clip: annotated plays the source's motion (slowed by
        # the clip's own time scale); slowmo is re-timed by the report.
        it["realtime"] = it["name"] == "annotated.mp4"
    return vr


def load_result(result_dir: Path, files_url: str) -> tuple[dict | None, list[ViewResult], list[dict]]:
    """(manifest, per-view results, top-level downloads) for the results page."""
    manifest = load_json(result_dir / "manifest.json")
    if manifest is None:
        return None, [], []
    allowed = allowed_files(result_dir, manifest)
    present = {rel: e for rel, e in allowed.items() if (result_dir / rel).is_file()}
    top = [_file_item(files_url, rel, e) for rel, e in present.items()
           if not e.get("view") and "/" not in rel and rel != "manifest.json"]
    top.sort(key=lambda d: (d["kind"] != "pdf", d["name"]))
    views = [_view_result(result_dir, view, present, files_url)
             for view in manifest.get("views") or [] if view in VIEWS]
    return manifest, views, top

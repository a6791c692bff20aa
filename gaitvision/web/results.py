"""Read a job's result folder (manifest.json, <view>/metrics.json) for the pages.

Only files listed in the manifest (plus each view's standard exports) can be served,
and each is resolved and checked to lie inside the job's result folder.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

VIEWS = ("side", "rear")

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


def fmt_num(value, unit: str = "") -> str:
    v = _num(value)
    if v is None:
        return "–"
    if "leg_length" in unit or "shoulder_width" in unit or abs(v) < 10:
        digits = 2 if abs(v) < 10 else 1
    elif abs(v) < 100:
        digits = 1
    else:
        digits = 0
    return f"{v:.{digits}f}"


def _ref_num(value, unit: str) -> str:
    v = _num(value)
    if v is not None and v == int(v):
        return str(int(v))
    return fmt_num(value, unit)


def unit_text(unit: str | None) -> str:
    unit = unit or ""
    return UNIT_TEXT.get(unit, unit)


def fmt_stats(stats, unit: str) -> dict | None:
    if not isinstance(stats, dict) or _num(stats.get("mean")) is None:
        return None
    sd = _num(stats.get("sd"))
    n = stats.get("n")
    return {
        "mean": fmt_num(stats.get("mean"), unit),
        "sd": fmt_num(sd, unit) if sd is not None else "",
        "median": fmt_num(stats.get("median"), unit),
        "n": n if isinstance(n, int) else "",
    }


def fmt_reference(ref, unit: str) -> tuple[str, str]:
    """(range text, source) from whatever shape the reference takes."""
    u = unit_text(unit)
    if ref is None or ref == {}:
        return "no norm", ""
    if isinstance(ref, str):
        return ref, ""
    if isinstance(ref, (list, tuple)) and len(ref) == 2:
        return f"{_ref_num(ref[0], unit)}–{_ref_num(ref[1], unit)} {u}".strip(), ""
    if not isinstance(ref, dict):
        return str(ref), ""
    source = ref.get("source") or ref.get("citation") or ""
    if isinstance(source, list):
        source = "; ".join(str(s) for s in source)
    text = ref.get("text") or ref.get("label") or ref.get("range_text") or ref.get("description")
    lo = next((ref[k] for k in ("low", "min", "lo", "lower") if _num(ref.get(k)) is not None), None)
    hi = next((ref[k] for k in ("high", "max", "hi", "upper") if _num(ref.get(k)) is not None), None)
    rng = ref.get("range")
    if isinstance(rng, (list, tuple)) and len(rng) == 2:
        lo, hi = rng
    if lo is not None and hi is not None:
        rng_text = f"{_ref_num(lo, unit)}–{_ref_num(hi, unit)} {u}".strip()
    elif lo is not None:
        rng_text = f"≥ {_ref_num(lo, unit)} {u}".strip()
    elif hi is not None:
        rng_text = f"≤ {_ref_num(hi, unit)} {u}".strip()
    else:
        rng_text = ""
    if text and rng_text and rng_text not in str(text):
        return f"{rng_text} ({text})", str(source)
    return str(text or rng_text or "no norm"), str(source)


def flag_class(flag) -> tuple[str, str]:
    """(css class, text) for a flag value."""
    if isinstance(flag, dict):
        texts = [f"{k}: {v}" for k, v in flag.items() if v]
        worst = "warn" if any(flag_class(v)[0] == "warn" for v in flag.values()) else (
            "ok" if texts and all(flag_class(v)[0] == "ok" for v in flag.values()) else "none")
        return worst, ", ".join(texts) or "no norm"
    text = str(flag or "no norm").replace("_", " ")
    low = text.lower()
    if low in ("within", "ok", "normal", "in range", "within range", "typical"):
        return "ok", text
    if any(w in low for w in ("outside", "above", "below", "high", "low", "flag")):
        return "warn", text
    return "none", text


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


def _sort_key(name: str) -> int:
    names = list(METRIC_LABELS)
    return names.index(name) if name in names else len(names)


def metric_rows(metrics: dict) -> list[MetricRow]:
    rows = []
    summary = metrics.get("summary") or {}
    for name in sorted(summary, key=_sort_key):
        entry = summary[name]
        if not isinstance(entry, dict):
            continue
        unit = str(entry.get("unit") or "")
        ref, source = fmt_reference(entry.get("reference"), unit)
        cls, text = flag_class(entry.get("flag"))
        label = entry.get("label") or METRIC_LABELS.get(name, name.replace("_", " "))
        side_flags = {}
        if isinstance(entry.get("flags"), dict):
            side_flags = {k: flag_class(v)[0] for k, v in entry["flags"].items()}
        asym = entry.get("asymmetry")
        asym_text = ""
        if isinstance(asym, dict) and _num(asym.get("diff")) is not None:
            asym_text = f"{fmt_num(asym['diff'], unit)} {unit_text(unit)}".strip()
            if _num(asym.get("pct")) is not None:
                asym_text += f" ({_num(asym['pct']):+.0f}%)"
        rows.append(MetricRow(
            name=name, label=str(label), unit=unit_text(unit),
            left=fmt_stats(entry.get("left"), unit), right=fmt_stats(entry.get("right"), unit),
            both=fmt_stats(entry.get("both"), unit), reference=ref, source=source,
            flag_class=cls, flag=text, finding=str(entry.get("finding") or ""),
            definition=str(entry.get("definition") or ""), side_flags=side_flags,
            asymmetry=asym_text,
        ))
    return rows


def _quality(quality) -> tuple[list[tuple[str, str]], list[str]]:
    rows, notes = [], []
    if not isinstance(quality, dict):
        return rows, notes
    for key, value in quality.items():
        label = QUALITY_LABELS.get(key, key.replace("_", " ").capitalize())
        if key in ("warnings", "notes", "flags", "messages") and isinstance(value, list):
            notes.extend(str(v) for v in value if v)
        elif isinstance(value, bool):
            rows.append((label, "yes" if value else "no"))
        elif isinstance(value, int):
            rows.append((label, str(value)))
        elif isinstance(value, float):
            rows.append((label, fmt_num(value)))
        elif isinstance(value, str):
            rows.append((label, value))
        elif isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
            rows.append((label, ", ".join(str(v) for v in value) or "none"))
        elif isinstance(value, dict):
            flat = ", ".join(f"{k}: {fmt_num(v) if _num(v) is not None else v}"
                             for k, v in value.items() if not isinstance(v, (dict, list)))
            if flat:
                rows.append((label, flat))
    return rows, notes


def load_result(result_dir: Path, files_url: str) -> tuple[dict | None, list[ViewResult], list[dict]]:
    """(manifest, per-view results, top-level downloads) for the results page."""
    manifest = load_json(result_dir / "manifest.json")
    if manifest is None:
        return None, [], []
    allowed = allowed_files(result_dir, manifest)
    present = {rel: e for rel, e in allowed.items() if (result_dir / rel).is_file()}

    def item(rel: str, entry: dict) -> dict:
        return {"path": rel, "url": f"{files_url}/{rel}", "kind": entry.get("kind", "data"),
                "label": str(entry.get("label") or PurePosixPath(rel).name),
                "name": PurePosixPath(rel).name}

    top = [item(rel, e) for rel, e in present.items()
           if not e.get("view") and "/" not in rel and rel != "manifest.json"]
    top.sort(key=lambda d: (d["kind"] != "pdf", d["name"]))
    views = []
    for view in manifest.get("views") or []:
        if view not in VIEWS:
            continue
        metrics = load_json(result_dir / view / "metrics.json")
        vr = ViewResult(view=view, metrics=metrics)
        for rel, entry in present.items():
            if entry.get("view") != view and not rel.startswith(f"{view}/"):
                continue
            it = item(rel, entry)
            kind = it["kind"]
            if kind == "chart":
                vr.charts.append(it)
            elif kind == "image":
                vr.images.append(it)
            else:
                vr.downloads.append(it)
            if kind == "video" or rel.endswith(".mp4"):
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
            vr.rows = metric_rows(metrics)
            vr.findings = [{"label": r.label, "text": r.finding, "flag_class": r.flag_class}
                           for r in vr.rows if r.finding]
            vr.findings.sort(key=lambda f: {"warn": 0, "ok": 2}.get(f["flag_class"], 1))
            extra = metrics.get("findings")
            if isinstance(extra, list):
                for f in extra:
                    text = f.get("text") if isinstance(f, dict) else f
                    if text and all(text != g["text"] for g in vr.findings):
                        vr.findings.append({"label": "", "text": str(text), "flag_class": "none"})
            video = metrics.get("video") if isinstance(metrics.get("video"), dict) else {}
            quality = metrics.get("quality") if isinstance(metrics.get("quality"), dict) else {}
            vr.fps = _num(video.get("fps")) or _num(metrics.get("fps")) or _num(quality.get("fps"))
            for ev in metrics.get("events") or []:
                if not isinstance(ev, dict) or _num(ev.get("time_s")) is None:
                    continue
                vr.events.append({
                    "foot": str(ev.get("foot", "")), "type": str(ev.get("type", "")),
                    "time_s": _num(ev.get("time_s")),
                    "frame": ev.get("frame") if isinstance(ev.get("frame"), int) else None,
                    "inferred": bool(ev.get("inferred")),
                })
            vr.events.sort(key=lambda e: e["time_s"])
            vr.quality, vr.quality_notes = _quality(metrics.get("quality"))
        views.append(vr)
    return manifest, views, top

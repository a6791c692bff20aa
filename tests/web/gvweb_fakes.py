"""Stand-ins for gaitvision.pipeline.analyze used by the web tests.

They report progress through the four stages and write a small result folder that
follows the contract (manifest.json, <view>/metrics.json, report.pdf, CSVs, a video),
so the queue, store and pages can be tested without running pose.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import time
import zlib
from pathlib import Path

from gaitvision.errors import VideoError
from gaitvision.progress import STAGES


def _png(path: Path, w: int = 8, h: int = 6) -> None:
    raw = b"".join(b"\x00" + bytes([40, 120, 200]) * w for _ in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _pdf(path: Path, lines: list[str]) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    y = 800
    for line in lines:
        c.drawString(60, y, line)
        y -= 18
    c.showPage()
    c.save()


def _metrics(view: str) -> dict:
    summary = {
        "cadence_spm": {"unit": "steps/min", "both": {"mean": 168.9, "sd": 2.1, "median": 169.0, "n": 16},
                        "reference": {"low": 160, "high": 185, "source": "Heiderscheit 2011"},
                        "finding": "Cadence 169 steps/min: within the typical 160-185.", "flag": "within"},
        "contact_time_ms": {"unit": "ms", "left": {"mean": 251.0, "sd": 9.0, "median": 250.0, "n": 8},
                            "right": {"mean": 262.0, "sd": 11.0, "median": 260.0, "n": 8},
                            "both": {"mean": 256.5, "sd": 11.0, "median": 255.0, "n": 16},
                            "reference": {"low": 200, "high": 300}, "finding": "", "flag": "within"},
        "knee_flexion_ic_deg": {"unit": "deg", "left": {"mean": 9.2, "sd": 2.0, "median": 9.0, "n": 8},
                                "right": {"mean": 11.4, "sd": 2.2, "median": 11.0, "n": 8},
                                "reference": {"low": 15, "high": 25, "source": "Souza 2016"},
                                "finding": "Knee at contact 9 deg: straighter than the 15-25 deg typical.",
                                "flag": "outside"},
        "trunk_lean_deg": {"unit": "deg", "both": {"mean": 7.5, "sd": 1.0, "median": 7.4, "n": 16},
                           "reference": None, "finding": "", "flag": "no norm"},
    }
    if view == "rear":
        summary = {"pelvic_drop_peak_deg": {
            "unit": "deg", "left": {"mean": 5.1, "sd": 1.0, "median": 5.0, "n": 8},
            "right": {"mean": 6.3, "sd": 1.2, "median": 6.2, "n": 8},
            "reference": {"low": 0, "high": 7}, "finding": "Pelvic drop within range.", "flag": "within"}}
    events = []
    for k in range(6):
        for foot, off in (("left", 0), ("right", 11)):
            f_ic = 5 + 21 * k + off
            events.append({"foot": foot, "type": "IC", "time_s": f_ic / 30, "frame": f_ic,
                           "inferred": k == 3})
            events.append({"foot": foot, "type": "TO", "time_s": (f_ic + 7) / 30, "frame": f_ic + 7,
                           "inferred": False})
    return {"schema": "gaitvision.metrics/1", "view": view, "video": {"fps": 30.0, "n_frames": 90},
            "summary": summary, "events": events, "strides": [],
            "quality": {"strides_used": 16, "mean_confidence": 0.91, "too_few_strides": False,
                        "warnings": ["3 events were inferred."]}}


def fake_analyze(videos, out_dir, *, views=None, height_cm=None, speed_kmh=None, runner_name=None,
                 notes=None, progress=None, seconds: float = 0.0, **_):
    """Write a contract-shaped result folder; ``seconds`` spreads progress over time."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    pidfile = os.environ.get("GV_FAKE_PIDFILE")
    if pidfile:
        with open(pidfile, "a") as fh:
            fh.write(f"{os.getpid()}\n")
    steps = 5
    for stage in STAGES:
        for i in range(steps + 1):
            if progress:
                progress(stage, i / steps)
            if seconds:
                time.sleep(seconds / (len(STAGES) * steps))
    views = list(views or ["side"] * len(videos))
    files = [{"path": "report.pdf", "kind": "pdf", "view": None, "label": "PDF report"}]
    for video, view in zip(videos, views):
        d = out / view
        (d / "charts").mkdir(parents=True)
        (d / "metrics.json").write_text(json.dumps(_metrics(view)))
        (d / "strides.csv").write_text("stride,side,cadence\n1,left,168\n")
        (d / "curves.csv").write_text("pct,knee_left\n0,10\n")
        (d / "pose.npz").write_bytes(b"not listed in the manifest")
        shutil.copyfile(video, d / "annotated.mp4")
        _png(d / "charts" / "knee.png")
        files += [
            {"path": f"{view}/annotated.mp4", "kind": "video", "view": view, "label": "Annotated video"},
            {"path": f"{view}/metrics.json", "kind": "data", "view": view, "label": "metrics.json"},
            {"path": f"{view}/strides.csv", "kind": "data", "view": view, "label": "strides.csv"},
            {"path": f"{view}/curves.csv", "kind": "data", "view": view, "label": "curves.csv"},
            {"path": f"{view}/charts/knee.png", "kind": "chart", "view": view, "label": "Knee angle"},
        ]
    _pdf(out / "report.pdf", ["gaitvision report", f"Runner: {runner_name or '-'}",
                              "Cadence 168.9 steps/min"])
    (out / "README.txt").write_text("files\n")
    manifest = {"schema": "gaitvision.result/1", "created": "2026-11-22T00:00:00Z",
                "runner": {"name": runner_name, "height_cm": height_cm, "speed_kmh": speed_kmh,
                           "notes": notes}, "views": views, "files": files}
    (out / "manifest.json").write_text(json.dumps(manifest))


def slow_analyze(videos, out_dir, **kwargs):
    """Like :func:`fake_analyze` but takes GV_FAKE_SECONDS (default 8) seconds."""
    fake_analyze(videos, out_dir, seconds=float(os.environ.get("GV_FAKE_SECONDS", "8")), **kwargs)


def failing_analyze(videos, out_dir, *, progress=None, **_):
    """Fails like the pipeline does on a clip it cannot use (message names the file)."""
    if progress:
        progress("decoding", 0.5)
    raise VideoError(f"{videos[0]}: the clip is only 1.0 s long; film at least 2 s.")


def crashing_analyze(videos, out_dir, **_):
    """Dies without a Python exception (like a segfault in a native library)."""
    os._exit(9)

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


def contract_analysis(view: str = "side", seed: int = 0, fps: float = 60.0, **changes):
    """A real :class:`GaitAnalysis` of the parametric runner (no video, half a second):
    its ``metrics.json`` is the contract itself, not a hand-written imitation."""
    from gaitvision.kinematics import analyze_gait
    from tests.synthetic_runner import make_track

    track, _ = make_track(view=view, fps=fps, duration_s=6.0, noise_px=1.5, seed=seed,
                          **changes)
    return analyze_gait(track)


def _write_view(d: Path, video, view: str, seed: int, changes: dict) -> None:
    from gaitvision.video.ingest import file_sha256, probe_video

    # the runner filmed at the clip's own frame rate, as the pipeline would see it
    analysis = contract_analysis(view, seed, fps=probe_video(video, hash_content=False).fps,
                                 **changes)
    analysis.video.update(path=str(video), sha256=file_sha256(video))  # as the pipeline does
    analysis.save(d)


def fake_analyze(videos, out_dir, *, views=None, height_cm=None, speed_kmh=None, runner_name=None,
                 notes=None, progress=None, seconds: float = 0.0, seed: int = 0, **_):
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
        _write_view(d, video, view, seed, json.loads(os.environ.get("GV_FAKE_RUNNER", "{}")))
        (d / "pose.npz").write_bytes(b"not listed in the manifest")
        for name in ("annotated.mp4", "loop_left.mp4", "loop_right.mp4"):
            shutil.copyfile(video, d / name)
        _png(d / "charts" / "knee.png")
        files += [
            {"path": f"{view}/annotated.mp4", "kind": "video", "view": view, "label": "Annotated video"},
            {"path": f"{view}/loop_left.mp4", "kind": "video", "view": view, "label": "Left stride loop"},
            {"path": f"{view}/loop_right.mp4", "kind": "video", "view": view, "label": "Right stride loop"},
            {"path": f"{view}/metrics.json", "kind": "data", "view": view, "label": "metrics.json"},
            {"path": f"{view}/strides.csv", "kind": "data", "view": view, "label": "strides.csv"},
            {"path": f"{view}/curves.csv", "kind": "data", "view": view, "label": "curves.csv"},
            {"path": f"{view}/charts/knee.png", "kind": "chart", "view": view, "label": "Knee angle"},
        ]
    _pdf(out / "report.pdf", ["gaitvision report", f"Runner: {runner_name or '-'}",
                              "Cadence 168.9 steps/min"])
    (out / "README.txt").write_text("files\n")
    manifest = {"schema": "gaitvision.result/1", "created": "2026-11-22T00:00:00+00:00",
                "session": {"runner_name": runner_name, "notes": notes, "height_cm": height_cm,
                            "speed_kmh": speed_kmh, "created": "2026-11-22T00:00:00+00:00"},
                "views": views, "files": files,
                "videos": {v: str(Path(p).resolve()) for v, p in zip(views, videos)}}
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

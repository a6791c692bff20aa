"""Report stage on small synthetic clips: videos, key frames, charts, PDF, README."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from gaitvision.kinematics.analysis import GaitAnalysis
from gaitvision.report import render_pdf, render_view, write_readme
from gaitvision.report.charts import DPI, SIZE
from gaitvision.report.encode import video_facts
from gaitvision.report.keyframes import KEYFRAME_HEIGHT
from gaitvision.report.style import fmt_value
from tests.report.synth import make_view

SESSION = {"runner_name": "Test Runner", "notes": "easy 10k pace", "date": "2026-11-22",
           "height_cm": 178, "speed_kmh": 11.0}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    out = tmp_path_factory.mktemp("result")
    src = tmp_path_factory.mktemp("src")
    views, entries, tracks = [], [], {}
    for view in ("side", "rear"):
        analysis, track, video = make_view(src, view)
        analysis.save(out / view)
        entries += render_view(analysis, track, video, out / view, slowmo_factor=0.25)
        views.append((analysis, out / view))
        tracks[view] = track
    render_pdf(views, out / "report.pdf", session=SESSION)
    write_readme(out, entries)
    return {"out": out, "views": views, "entries": entries, "tracks": tracks}


def _text(pdf: Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(str(pdf)).pages)


# --------------------------------------------------------------------------- videos
@pytest.mark.parametrize("view", ["side", "rear"])
def test_annotated_and_slowmo_promise(result, view):
    track = result["tracks"][view]
    vdir = result["out"] / view
    ann = video_facts(vdir / "annotated.mp4")
    slow = video_facts(vdir / "slowmo.mp4")
    n, fps = track.n_frames, track.fps
    for facts in (ann, slow):
        assert facts["codec"] == "h264" and facts["pix_fmt"] == "yuv420p"
        assert facts["frames"] == n  # every frame once, none invented
        assert (facts["width"], facts["height"]) == track.frame_size
    assert ann["fps"] == pytest.approx(fps)
    assert ann["duration_s"] == pytest.approx(n / fps, abs=1e-6)
    assert slow["fps"] == pytest.approx(fps * 0.25)
    assert slow["duration_s"] == pytest.approx(ann["duration_s"] / 0.25, abs=1e-6)


@pytest.mark.parametrize("name", ["annotated.mp4", "slowmo.mp4", "loop_left.mp4"])
def test_faststart(result, name):
    data = (result["out"] / "side" / name).read_bytes()
    assert 0 <= data.find(b"moov") < data.find(b"mdat"), "moov atom must precede mdat"


@pytest.mark.parametrize("side", ["left", "right"])
def test_loops_cover_the_representative_stride(result, side):
    analysis, vdir = result["views"][0]
    s = analysis.representative_stride(side)
    fps = result["tracks"]["side"].fps
    t = result["tracks"]["side"].times
    expected = int(np.sum((t >= s.start_s - 0.5 / fps) & (t < s.end_s - 0.5 / fps)))
    facts = video_facts(vdir / f"loop_{side}.mp4")
    assert facts["codec"] == "h264" and facts["frames"] == expected
    assert facts["fps"] == pytest.approx(fps * 0.25)
    assert facts["duration_s"] == pytest.approx(expected / (fps * 0.25), abs=1e-6)


def test_high_frame_rate_keeps_every_frame(tmp_path):
    from gaitvision.report.videos import render_videos

    analysis, track, video = make_view(tmp_path / "src", "side", width=160, height=288,
                                       fps=120.0, duration=1.5)
    res = render_videos(analysis, track, video, tmp_path / "out", slowmo_factor=0.25)
    slow = video_facts(res.slowmo)
    assert slow["frames"] == track.n_frames == 180
    assert slow["fps"] == pytest.approx(30.0)
    assert slow["duration_s"] == pytest.approx(1.5 / 0.25, abs=1e-6)


# --------------------------------------------------------------------------- stills
@pytest.mark.parametrize("view", ["side", "rear"])
def test_keyframes(result, view):
    kdir = result["out"] / view / "keyframes"
    names = sorted(p.name for p in kdir.glob("*.png"))
    assert names == sorted(f"{s}_{p}.png" for s in ("left", "right")
                           for p in ("IC", "midstance", "TO"))
    for p in kdir.glob("*.png"):
        with Image.open(p) as im:
            w, h = im.size
            assert im.mode == "RGB"
        assert KEYFRAME_HEIGHT + 60 <= h <= KEYFRAME_HEIGHT + 300  # picture + caption band
        assert 300 <= w <= 2 * KEYFRAME_HEIGHT


@pytest.mark.parametrize("view,stems", [
    ("side", ["joint_angles", "left_right", "stride_trends"]),
    ("rear", ["left_right", "pelvic_obliquity", "stride_trends", "wrist_paths"]),
])
def test_charts(result, view, stems):
    cdir = result["out"] / view / "charts"
    assert sorted(p.stem for p in cdir.glob("*.png")) == stems
    for p in cdir.glob("*.png"):
        with Image.open(p) as im:
            w, h = im.size
        assert w == round(SIZE[0] * DPI)
        assert h >= 2.5 * DPI


# --------------------------------------------------------------------------- manifest
def test_manifest_entries_and_readme(result):
    out = result["out"]
    paths = [e.path for e in result["entries"]]
    assert len(paths) == len(set(paths))
    for e in result["entries"]:
        assert not Path(e.path).is_absolute() and (out / e.path).is_file()
        assert e.kind in ("video", "image", "chart") and e.view in ("side", "rear") and e.label
    readme = (out / "README.txt").read_text()
    for p in paths:
        assert p in readme
    leftovers = [p for p in out.rglob("*") if ".part" in p.name]
    assert not leftovers


# --------------------------------------------------------------------------- pdf
def test_pdf_pages_and_values(result):
    pdf = result["out"] / "report.pdf"
    reader = PdfReader(str(pdf))
    assert len(reader.pages) >= 5
    w, h = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(w), round(h)) == (595, 842)  # A4
    first = reader.pages[0].extract_text()
    assert "Running form report" in first and "Test Runner" in first
    assert "Most important findings" in first
    assert "page 1 of" in first
    text = _text(pdf)
    for _analysis, vdir in result["views"]:
        doc = json.loads((vdir / "metrics.json").read_text())
        for name, m in doc["summary"].items():
            for side in ("left", "right", "both"):
                if m[side] is not None:
                    assert fmt_value(m[side]["mean"]) in text, (name, side)
        for s in doc["strides"]:
            for name, v in s["metrics"].items():
                assert fmt_value(v) in text, (name, v)
    for section in ("key frames", "charts", "per-stride values", "data quality"):
        assert f"Side view: {section}" in text and f"Rear view: {section}" in text


def test_pdf_charts_are_vector(result):
    """Charts are stamped as vector drawings (no chart-sized raster image on their pages)."""
    reader = PdfReader(str(result["out"] / "report.pdf"))
    pages = [p for p in reader.pages if "view: charts" in p.extract_text()]
    assert pages
    for p in pages:
        assert "gait cycle" in p.extract_text()  # the chart's own axis labels are text
        assert len(p.images) == 0


def test_pdf_rerender_from_saved_gives_the_same_text(result, tmp_path):
    views = [(GaitAnalysis.load(vdir), vdir) for _a, vdir in result["views"]]
    again = render_pdf(views, tmp_path / "again.pdf", session=SESSION)
    assert _text(again) == _text(result["out"] / "report.pdf")


def test_single_view_letter_pdf_without_session(result, tmp_path):
    analysis, vdir = result["views"][1]
    pdf = render_pdf([(analysis, vdir)], tmp_path / "rear.pdf", page_size="Letter")
    w, h = (float(v) for v in PdfReader(str(pdf)).pages[0].mediabox.upper_right)
    assert (round(w), round(h)) == (612, 792)
    text = _text(pdf)
    assert "Rear view: summary" in text and "Side view" not in text
    with pytest.raises(ValueError):
        render_pdf([(analysis, vdir)], tmp_path / "x.pdf", page_size="A5")


def test_large_source_is_scaled_down(tmp_path):
    """Frames larger than max_side are decoded smaller and the skeleton scaled to match."""
    from gaitvision.report.videos import render_videos

    analysis, track, video = make_view(tmp_path / "src", "side", duration=1.6)
    res = render_videos(analysis, track, video, tmp_path / "out", max_side=288)
    facts = video_facts(res.annotated)
    assert (facts["width"], facts["height"]) == (160, 288)
    assert facts["frames"] == track.n_frames
    assert res.annotator.scale == pytest.approx(0.5)
    assert all(s.image is not None and s.image.shape[0] <= 288 for s in res.shots)


def test_bad_slowmo_factor(result, tmp_path):
    analysis, _vdir = result["views"][0]
    with pytest.raises(ValueError):
        render_view(analysis, result["tracks"]["side"], "unused.mp4", tmp_path, slowmo_factor=0)


VIDEOS = Path(__file__).resolve().parents[2].parent / "shared" / "videos"


@pytest.mark.real
def test_real_rotated_clip_renders_upright(tmp_path):
    """The phone-style rot90 .mov (stored landscape) renders upright, every frame, on time."""
    clip = VIDEOS / "treadmill_side_male_rot90.mov"
    if not clip.exists():
        pytest.skip(f"{clip} not present (shared videos are outside the repo)")
    from gaitvision.report.videos import render_videos
    from tests.report.synth import make_analysis, make_track

    track = make_track("side", width=720, height=1280, fps=30.0, duration=12.0,
                       video_path=str(clip))
    res = render_videos(make_analysis(track), track, clip, tmp_path, slowmo_factor=0.25)
    ann, slow = video_facts(res.annotated), video_facts(res.slowmo)
    assert (ann["width"], ann["height"]) == (720, 1280)
    assert ann["frames"] == slow["frames"] == 360
    assert ann["fps"] == pytest.approx(30.0) and ann["duration_s"] == pytest.approx(12.0)
    assert slow["fps"] == pytest.approx(7.5) and slow["duration_s"] == pytest.approx(48.0)


def test_analysis_without_strides_still_renders(tmp_path):
    """A walk (or a clip with no usable stride) gives videos and a PDF saying so, no crash."""
    import dataclasses

    from gaitvision.kinematics.analysis import Curves, GaitEvents, Quality

    analysis, track, video = make_view(tmp_path / "src", "side", duration=1.2)
    walk = dataclasses.replace(analysis, events=GaitEvents([]), strides=[], summary={},
                               curves=Curves(), series={},
                               quality=Quality(walking_detected=True, notes=["walking"]))
    entries = render_view(walk, track, video, tmp_path / "out" / "side")
    kinds = sorted({e.kind for e in entries})
    assert kinds == ["video"]  # annotated + slow motion; no loops, stills or charts
    pdf = render_pdf([(walk, tmp_path / "out" / "side")], tmp_path / "out" / "report.pdf")
    text = _text(pdf)
    assert "Walking detected" in text and "No metrics" in text


def test_frames_are_annotated_and_progress_reported(tmp_path):
    import av

    analysis, track, video = make_view(tmp_path / "src", "side", duration=1.2)
    calls = []
    render_view(analysis, track, video, tmp_path / "out" / "side",
                progress=lambda stage, f: calls.append((stage, f)))
    assert {s for s, _ in calls} == {"rendering"}
    fr = [f for _, f in calls]
    assert fr == sorted(fr) and fr[-1] == 1.0

    def frame(path, k):
        with av.open(str(path)) as c:
            for i, f in enumerate(c.decode(video=0)):
                if i == k:
                    return f.to_ndarray(format="rgb24").astype(int)

    src, ann = frame(video, 10), frame(tmp_path / "out" / "side" / "annotated.mp4", 10)
    x, y = (int(v) for v in track.xy[10, 25])  # left knee: skeleton, arc and label there
    win = (slice(max(0, y - 30), y + 30), slice(max(0, x - 30), x + 30))
    assert np.abs(src[win] - ann[win]).mean() > 10

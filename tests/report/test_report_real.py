"""The report on the real 30 fps treadmill clip (pose runs once per session)."""

from __future__ import annotations

import json

import pytest
from pypdf import PdfReader

from gaitvision.report import render_pdf, render_view
from gaitvision.report.encode import video_facts
from gaitvision.report.style import fmt_value
from tests.conftest import clean_track_of, shared_video


def _text(pdf) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(str(pdf)).pages)


@pytest.mark.real
@pytest.mark.slow
def test_real_clip_report_and_rerender(tmp_path):
    kin = pytest.importorskip("gaitvision.kinematics")
    if not hasattr(kin, "analyze_gait"):
        pytest.skip("kinematics.analyze_gait is not available yet")
    from gaitvision.kinematics.analysis import GaitAnalysis

    clip = shared_video("treadmill_side_male_30fps.mp4")
    track = clean_track_of(clip)
    analysis = kin.analyze_gait(track, height_cm=178.0)
    vdir = tmp_path / "side"
    analysis.save(vdir)
    entries = render_view(analysis, track, clip, vdir, slowmo_factor=0.25)
    assert {e.kind for e in entries} == {"video", "image", "chart"}

    ann, slow = video_facts(vdir / "annotated.mp4"), video_facts(vdir / "slowmo.mp4")
    assert (ann["codec"], ann["pix_fmt"]) == ("h264", "yuv420p")
    assert ann["frames"] == slow["frames"] == 360
    assert ann["fps"] == pytest.approx(30.0) and ann["duration_s"] == pytest.approx(12.0)
    assert slow["fps"] == pytest.approx(7.5) and slow["duration_s"] == pytest.approx(48.0)
    assert len(list((vdir / "keyframes").glob("*.png"))) == 6

    session = {"runner_name": "Sample runner", "created": "2026-11-22T00:00:00+00:00"}
    pdf = render_pdf([(analysis, vdir)], tmp_path / "report.pdf", session=session)
    text = _text(pdf)
    doc = json.loads((vdir / "metrics.json").read_text())
    for name, m in doc["summary"].items():
        for side in ("left", "right", "both"):
            if m[side] is not None and m[side]["mean"] is not None:
                assert fmt_value(m[side]["mean"]) in text, (name, side)
    again = render_pdf([(GaitAnalysis.load(vdir), vdir)], tmp_path / "again.pdf",
                       session=session)
    assert _text(again) == text

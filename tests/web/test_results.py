"""Reading a result folder for the pages: formatting and the download whitelist."""

from __future__ import annotations

import importlib.util
import json

from gaitvision.kinematics.records import (
    GaitEvent,
    GaitEvents,
    MetricSummary,
    Quality,
    Reference,
    Stats,
)
from gaitvision.web.results import flag_class, fmt_reference, load_result, resolve_download, safe_rel


def test_reference_and_flag_formats():
    assert fmt_reference(Reference((15.0, 25.0), "typical", "Souza 2016"), "deg") == \
        ("15–25 ° (typical)", "Souza 2016")
    assert fmt_reference(Reference(None, "no validated cut-off", ""), "deg") == \
        ("no validated cut-off", "")
    assert fmt_reference(Reference((155.0, 203.5), "", ""), "spm")[0] == "155–203.5 steps/min"
    assert flag_class("within") == ("ok", "within")
    assert flag_class("outside") == ("warn", "outside")
    assert flag_class("no_norm") == ("none", "no validated range")
    assert flag_class("insufficient")[0] == "none"
    assert flag_class("unreliable") == ("none", "unreliable")


def test_safe_rel():
    assert safe_rel("side/metrics.json") == "side/metrics.json"
    for bad in ("../x", "side/../../x", "/etc/passwd", "a\\b", "c:/x", "", "a//b", "./a", "a\x00b"):
        assert safe_rel(bad) is None, bad


def test_load_result_with_kinematics_shaped_metrics(tmp_path):
    """A real metrics.json (the parametric runner's analysis) with one summary, two events
    and the quality set to known values, validated against the shipped schema."""
    from gvweb_fakes import contract_analysis

    out = tmp_path / "result"
    analysis = contract_analysis("side", 0)
    analysis.video["fps"] = 59.94
    analysis.summary = {"knee_flexion_ic_deg": MetricSummary(
        name="knee_flexion_ic_deg", label="Knee flexion at IC", unit="deg",
        definition="thigh-shank angle", left=Stats(9.04, 1.5, 9.0, 8),
        right=Stats(17.2, 2.0, 17.0, 7), both=None,
        reference=Reference((15.0, 25.0), "typical", "Souza 2016"),
        finding="Knee at contact 9 deg: straighter than typical.", flag="outside",
        flags={"left": "outside", "right": "within"}, asymmetry={"diff": -8.16, "pct": -62.3})}
    analysis.events = GaitEvents([GaitEvent("left", "IC", 0.5, 30.0),
                                  GaitEvent("right", "TO", 0.2, 11.6, inferred=True)])
    analysis.quality = Quality(strides_left=8, fps=59.94, confidence_left=0.9, confidence_right=0.9,
                               detection_rate=1.0, notes=["The far leg was hidden in 20% of frames."])
    analysis.save(out / "side")
    metrics = json.loads((out / "side" / "metrics.json").read_text())
    if importlib.util.find_spec("jsonschema"):
        from gaitvision.schemas import validate

        validate(metrics, "metrics")
    (out / "side" / "annotated.mp4").write_bytes(b"x")
    (out / "side" / "pose.npz").write_bytes(b"x")
    (out / "report.pdf").write_bytes(b"%PDF")
    manifest = {"schema": "gaitvision.result/1", "created": "2026-12-01T10:00:00+00:00",
                "session": {"runner_name": None, "notes": None, "height_cm": None,
                            "speed_kmh": None, "created": "2026-12-01T10:00:00+00:00"},
                "views": ["side"], "videos": {"side": "side.mp4"}, "files": [
        {"path": "report.pdf", "kind": "pdf", "view": None, "label": "PDF form report"},
        {"path": "side/annotated.mp4", "kind": "video", "view": "side", "label": "Annotated"}]}
    (out / "manifest.json").write_text(json.dumps(manifest))
    if importlib.util.find_spec("jsonschema"):
        validate(manifest, "manifest")
    loaded, views, top = load_result(out, "/jobs/x/files")
    assert loaded == manifest and [t["path"] for t in top] == ["report.pdf"]
    (v,) = views
    assert v.fps == 59.94 and v.player == "side/annotated.mp4"
    assert [e["time_s"] for e in v.events] == [0.2, 0.5]
    assert [e["frame"] for e in v.events] == [11.6, 30.0]  # fractional frames kept (issue 13)
    assert [e["frame_int"] for e in v.events] == [12, 30]
    (row,) = v.rows
    # as metrics.json holds them: 9.04 deg is saved to 1 decimal (9.0) and shown as "9"
    assert row.left["mean"] == "9" and row.right["mean"] == "17.2" and row.right["n"] == 7
    assert row.both is None and metrics["summary"]["knee_flexion_ic_deg"]["left"]["mean"] == 9.0
    assert row.side_flags == {"left": "warn", "right": "ok"}
    assert row.asymmetry == "-8.2 ° (-62.3 %)"
    assert row.reference == "15–25 ° (typical)" and row.flag_class == "warn"
    assert v.findings[0]["text"].startswith("Knee at contact 9 deg")
    assert ("Strides used, left", "8") in v.quality
    assert v.quality_notes == ["The far leg was hidden in 20% of frames."]
    assert resolve_download(out, "side/metrics.json", manifest) is not None  # standard export
    assert resolve_download(out, "side/pose.npz", manifest) is None  # not listed
    assert resolve_download(out, "manifest.json", manifest) is None

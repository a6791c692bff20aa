"""Reading a result folder for the pages: formatting and the download whitelist."""

from __future__ import annotations

import json

from gaitvision.kinematics.records import Reference
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
    out = tmp_path / "result"
    (out / "side").mkdir(parents=True)
    metrics = {
        "schema": "gaitvision.metrics/1", "view": "side", "video": {"fps": 59.94},
        "summary": {"knee_flexion_ic_deg": {
            "label": "Knee flexion at IC", "unit": "deg", "definition": "thigh-shank angle",
            "left": {"mean": 9.04, "sd": 1.5, "median": 9.0, "n": 8},
            "right": {"mean": 17.2, "sd": 2.0, "median": 17.0, "n": 7}, "both": None,
            "reference": {"range": [15.0, 25.0], "text": "typical", "source": "Souza 2016"},
            "finding": "Knee at contact 9 deg: straighter than typical.", "flag": "outside",
            "flags": {"left": "outside", "right": "within"},
            "asymmetry": {"diff": -8.16, "pct": -62.3}}},
        "events": [{"foot": "left", "type": "IC", "time_s": 0.5, "frame": 30, "inferred": False},
                   {"foot": "right", "type": "TO", "time_s": 0.2, "frame": 11.6, "inferred": True}],
        "quality": {"strides_left": 8, "too_few_strides": False, "camera_roll_deg": None,
                    "notes": ["The far leg was hidden in 20% of frames."]},
    }
    (out / "side" / "metrics.json").write_text(json.dumps(metrics))
    (out / "side" / "annotated.mp4").write_bytes(b"x")
    (out / "side" / "pose.npz").write_bytes(b"x")
    (out / "report.pdf").write_bytes(b"%PDF")
    manifest = {"schema": "gaitvision.result/1", "views": ["side"], "files": [
        {"path": "report.pdf", "kind": "pdf", "view": None, "label": "PDF form report"},
        {"path": "side/annotated.mp4", "kind": "video", "view": "side", "label": "Annotated"}]}
    (out / "manifest.json").write_text(json.dumps(manifest))
    loaded, views, top = load_result(out, "/jobs/x/files")
    assert loaded == manifest and [t["path"] for t in top] == ["report.pdf"]
    (v,) = views
    assert v.fps == 59.94 and v.player == "side/annotated.mp4"
    assert [e["time_s"] for e in v.events] == [0.2, 0.5]
    assert [e["frame"] for e in v.events] == [11.6, 30]  # fractional frames kept (issue 13)
    assert [e["frame_int"] for e in v.events] == [12, 30]
    (row,) = v.rows
    assert row.left["mean"] == "9.04" and row.right["n"] == 7 and row.both is None
    assert row.side_flags == {"left": "warn", "right": "ok"}
    assert row.asymmetry == "-8.16 ° (-62.3 %)"
    assert row.reference == "15–25 ° (typical)" and row.flag_class == "warn"
    assert v.findings[0]["text"].startswith("Knee at contact 9 deg")
    assert ("Strides used, left", "8") in v.quality
    assert v.quality_notes == ["The far leg was hidden in 20% of frames."]
    assert resolve_download(out, "side/metrics.json", manifest) is not None  # standard export
    assert resolve_download(out, "side/pose.npz", manifest) is None  # not listed
    assert resolve_download(out, "manifest.json", manifest) is None

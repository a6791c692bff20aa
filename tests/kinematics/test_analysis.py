"""Round trip of the result types through metrics.json / strides.csv / series.npz."""

import json

import numpy as np

from gaitvision.kinematics.analysis import (
    SCHEMA,
    Curves,
    GaitAnalysis,
    GaitEvent,
    GaitEvents,
    MetricSummary,
    Quality,
    Reference,
    Stats,
    StrideRecord,
)


def _toy() -> GaitAnalysis:
    ev = GaitEvents([GaitEvent("left", "IC", 0.1, 3.0), GaitEvent("left", "TO", 0.35, 10.5),
                     GaitEvent("right", "IC", 0.45, 13.5, inferred=True),
                     GaitEvent("left", "IC", 0.8, 24.0)])
    st = [StrideRecord("left", 0, 0.1, 0.8, 0.35, 3.0, 24.0,
                       metrics={"knee_flexion_ic_deg": 20.5, "overstride_cm": float("nan")})]
    ms = MetricSummary("knee_flexion_ic_deg", "Knee flexion at IC", "deg",
                       Stats.of([20.5]), None, Stats.of([20.5, 21.0]),
                       Reference((15.0, 25.0), "about 21 deg", "Bramah 2018"),
                       "typical", "within", {"left": "within", "right": "insufficient"})
    curves = Curves({"knee_flexion_deg": {"left": np.linspace(0, 40, 101)[None, :]}},
                    {"knee_flexion_deg": "deg"}, {"left": 36.0})
    return GaitAnalysis("side", "left", {"path": "x.mp4"}, ev, st, {ms.name: ms}, curves,
                        Quality(strides_left=1, notes=["n"]), np.arange(30) / 30.0,
                        np.arange(30), {"knee_flexion_deg.left": np.ones(30)},
                        height_cm=None, speed_kmh=10.0, leg_length_px=400.0)


def test_round_trip(tmp_path):
    a = _toy()
    a.save(tmp_path)
    d = json.loads((tmp_path / "metrics.json").read_text())
    assert d["schema"] == SCHEMA
    assert d["summary"]["knee_flexion_ic_deg"]["left"]["n"] == 1
    assert d["summary"]["knee_flexion_ic_deg"]["right"] is None
    assert d["strides"][0]["metrics"]["overstride_cm"] is None
    assert d["events"][1]["type"] == "TO"
    b = GaitAnalysis.load(tmp_path)
    assert b.to_json_dict() == a.to_json_dict()
    np.testing.assert_array_equal(b.series["knee_flexion_deg.left"], np.ones(30))
    np.testing.assert_allclose(b.curves.mean("knee_flexion_deg", "left"), np.linspace(0, 40, 101))
    assert (tmp_path / "strides.csv").read_text().startswith("side,index")
    assert b.representative_stride("left").index == 0
    assert not list(tmp_path.glob("*.part*"))

"""The committed synthetic sample clips and their truth files."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest

from gaitvision.synth.camera import Camera
from gaitvision.synth.kinematics import LANDMARKS, SIDES, RunModel, RunParams, Skeleton

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"
CLIPS = ("synthetic_side_60fps", "synthetic_rear_60fps")


def _truth(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text())


def _camera(truth: dict) -> Camera:
    c = truth["camera"]
    return Camera(position=tuple(c["position_m"]), target=tuple(c["target_m"]),
                  yfov_deg=c["yfov_deg"], width=c["width"], height=c["height"])


@pytest.mark.parametrize("name", CLIPS)
def test_clip_decodes_at_60fps_with_truth_frame_count(name: str) -> None:
    path = SAMPLES / f"{name}.mp4"
    assert path.exists(), f"missing {path}"
    assert path.stat().st_size < 8_000_000
    truth = _truth(name)
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert float(s.average_rate) == pytest.approx(60.0)
        times = []
        for frame in c.decode(video=0):
            assert frame.format.name == "yuv420p"
            assert (frame.width, frame.height) == (truth["clip"]["width"],
                                                   truth["clip"]["height"])
            times.append(frame.time)
    assert len(times) == truth["clip"]["n_frames"]
    assert truth["clip"]["fps"] == 60
    assert 6.0 <= truth["clip"]["duration_s"] <= 8.0
    assert np.allclose(np.diff(times), 1 / 60, atol=1e-3)
    # The moov atom comes first (+faststart): the file starts ftyp then moov.
    head = path.read_bytes()[:64]
    assert b"ftyp" in head[:12]
    assert path.read_bytes().find(b"moov") < path.read_bytes().find(b"mdat")


@pytest.mark.parametrize("name", CLIPS)
def test_truth_is_self_consistent(name: str) -> None:
    t = _truth(name)
    assert t["schema"] == "gaitvision.synth_truth/1"
    fps, n = t["clip"]["fps"], t["clip"]["n_frames"]
    fr = t["frames"]
    assert np.allclose(fr["time_s"], np.arange(n) / fps, atol=1e-6)
    assert set(fr["landmarks"]) == set(LANDMARKS)
    cam = _camera(t)
    for lm in LANDMARKS:
        xyz = np.array(fr["joints_3d_m"][lm])
        px = np.array(fr["joints_px"][lm])
        assert xyz.shape == (n, 3) and px.shape == (n, 2)
        assert np.abs(cam.project(xyz) - px).max() < 0.05
        assert (px[:, 0] > 0).all() and (px[:, 0] < cam.width).all()
        assert (px[:, 1] > 0).all() and (px[:, 1] < cam.height).all()
    s = t["summary"]
    assert s["cadence_spm"] == pytest.approx(120 / s["stride_time_s"], rel=1e-3)
    strides = t["strides"]
    assert len(strides) >= 14
    for side in SIDES:
        st = [r for r in strides if r["side"] == side]
        assert len(st) >= 7
        ics = np.array([r["ic_s"] for r in st])
        assert np.allclose(np.diff(ics), s["stride_time_s"], atol=2e-4)
        for r in st:
            assert r["ic_frame"] == pytest.approx(r["ic_s"] * fps, abs=2e-3)
            assert r["to_frame"] == pytest.approx(r["to_s"] * fps, abs=2e-3)
            assert r["to_s"] - r["ic_s"] == pytest.approx(s["contact_time_s"], abs=2e-4)
            # Contact flags: on between IC and TO, off just outside.
            c = fr["contact"][side]
            k0, k1 = int(np.ceil(r["ic_frame"])), int(np.floor(r["to_frame"]))
            assert all(c[k0:k1 + 1])
            if k0 - 1 >= 0:
                assert not c[k0 - 1]
        knees = [r["knee_flexion_ic_deg"]["3d"] for r in st]
        assert s["knee_flexion_ic_deg"]["3d"][side] == pytest.approx(np.mean(knees), abs=1e-3)
    # Per-frame knee angle agrees with the 3D joint centres.
    hip, knee, ankle = (np.array(fr["joints_3d_m"][f"left_{j}"]) for j in ("hip", "knee", "ankle"))
    u, v = hip - knee, ankle - knee
    ang = 180 - np.degrees(np.arccos(np.sum(u * v, 1) / np.linalg.norm(u, axis=1)
                                     / np.linalg.norm(v, axis=1)))
    assert np.allclose(ang, fr["angles"]["left_knee_flexion_deg"]["3d"], atol=0.01)
    # Only the clip's own view has image values.
    side_view = t["clip"]["view"].startswith("side")
    assert (s["knee_flexion_ic_deg"]["image"]["mean"] is not None) == side_view
    assert (s["pelvic_drop_deg"]["image"]["mean"] is not None) == (not side_view)


def test_side_and_rear_show_the_same_run() -> None:
    a, b = (_truth(n) for n in CLIPS)
    assert a["frames"]["joints_3d_m"] == b["frames"]["joints_3d_m"]
    assert [r["ic_s"] for r in a["strides"]] == [r["ic_s"] for r in b["strides"]]
    assert a["summary"]["pelvic_drop_deg"]["plane"] == b["summary"]["pelvic_drop_deg"]["plane"]


def test_truth_is_reproducible_without_torch() -> None:
    """The numpy model alone, from the truth's own parameters, gives the same joints."""
    t = _truth(CLIPS[0])
    gen = t["generator"]
    sk = Skeleton.default()
    assert gen["phenotype"] == pytest.approx(sk.phenotype)
    params = RunParams(**gen["params"])
    model = RunModel(params, sk)
    assert model.phase0 == pytest.approx(gen["phase0_s"], abs=1e-6)
    fps = t["clip"]["fps"]
    for k in (0, 37, 211, t["clip"]["n_frames"] - 1):
        lm = model.pose(k / fps).landmarks
        for name in ("left_knee", "right_ankle", "left_wrist", "right_hip"):
            assert np.allclose(lm[name], t["frames"]["joints_3d_m"][name][k], atol=2e-5)


def test_generator_renders_a_short_clip(tmp_path: Path) -> None:
    pytest.importorskip("anny", reason="needs the [synth] extra (torch, anny)")
    pytest.importorskip("pyrender", reason="needs the [synth] extra (pyrender)")
    from gaitvision.synth.__main__ import main

    assert main(["--seed", "1", "--out", str(tmp_path), "--duration", "0.05",
                 "--views", "rear", "--fps", "60"]) == 0
    clip = tmp_path / "synthetic_rear_60fps.mp4"
    with av.open(str(clip)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 3
    truth = json.loads(clip.with_suffix(".truth.json").read_text())
    assert truth["clip"]["n_frames"] == 3

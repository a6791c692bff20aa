"""Compare two sessions: verdicts against the parametric runner's truth, the CLI's outputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gaitvision.cli import main
from gaitvision.compare import Comparison, compare, compare_analyses
from gaitvision.compare.stats import REAL, holm, welch_p
from gaitvision.kinematics import analyze_gait
from tests.synthetic_runner import make_track

#: A second runner: quicker steps, more lean, a shorter overstride (legs stay in reach).
RUNNER_B = {"cadence_spm": 180.0, "trunk_lean_deg": 12.0, "overstride_m": 0.10}
#: Metrics these changes move (truth differs by at least 3 % of the value or 3 deg).
MOVED = ("cadence_spm", "step_time_ms", "knee_flexion_ic_deg", "hip_extension_vs_trunk_peak_deg",
         "tibia_angle_ic_deg", "overstride_leg_lengths", "trunk_lean_deg")


def session(seed: int, **changes):
    track, truth = make_track(view="side", fps=60.0, duration_s=6.0, noise_px=1.5, seed=seed,
                              **changes)
    return analyze_gait(track), truth


def truth_mean(truth, name):
    vals = truth.values.get(name)
    return None if not vals else float(np.mean(list(vals.values())))


def test_same_runner_twice_is_no_real_change():
    (a, _), (b, _) = session(0), session(1)  # other noise: the same runner filmed again
    rows = compare_analyses(a, b)
    assert len(rows) >= 12
    assert [r.name for r in rows if r.real] == []
    assert all(r.verdict == "no real change" for r in rows)


def test_two_runners_show_the_changes_their_truths_differ_by():
    (a, ta), (b, tb) = session(0), session(1, **RUNNER_B)
    rows = {r.name: r for r in compare_analyses(a, b)}
    for name in MOVED:
        r = rows[name]
        assert r.verdict == REAL, (name, r)
        ta_m, tb_m = truth_mean(ta, name), truth_mean(tb, name)
        if ta_m is not None:
            true_diff = tb_m - ta_m
            assert np.sign(r.diff) == np.sign(true_diff), name
            assert abs(r.diff - true_diff) <= 0.35 * abs(true_diff), (name, r.diff, true_diff)
    for name in ("duty_factor_pct", "foot_strike_angle_deg", "vertical_oscillation_leg_lengths"):
        assert abs(truth_mean(tb, name) - truth_mean(ta, name)) < 1e-6
        assert not rows[name].real, name  # truth unchanged: no change claimed


def test_welch_and_holm():
    rng = np.random.default_rng(0)
    a, b = rng.normal(10, 1, 12), rng.normal(10, 1, 12)
    assert welch_p(a, b) > 0.05 and welch_p(a, b + 3) < 1e-4
    assert welch_p(a[:2], b) is None
    assert welch_p(np.full(5, 2.0), np.full(5, 2.0)) == 1.0
    assert holm([0.01, None, 0.04, 0.03]) == [0.03, None, 0.06, 0.06]


def test_pelvic_drop_change_below_the_sdd_is_not_real():
    rear = {"view": "rear", "fps": 60.0, "duration_s": 8.0, "noise_px": 0.5}
    a = analyze_gait(make_track(seed=0, pelvic_drop_deg=(5.0, 7.0), **rear)[0])
    b = analyze_gait(make_track(seed=1, pelvic_drop_deg=(6.5, 8.5), **rear)[0])
    rows = [r for r in compare_analyses(a, b) if r.name == "pelvic_drop_peak_deg"]
    assert rows and all(r.sdd == 2.8 and "Dingenen" in r.sdd_source for r in rows)
    for r in rows:
        if r.diff is not None and abs(r.diff) <= 2.8:
            assert not r.real


def _loop(path: Path, shade: int) -> None:
    import av

    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 96, "yuv420p"
        for i in range(20):
            img = np.full((96, 64, 3), shade, np.uint8)
            img[i * 4:(i * 4) + 10, 20:40] = 255
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def result_folder(root: Path, name: str, analysis) -> Path:
    folder = root / name
    analysis.save(folder / "side")
    _loop(folder / "side" / "loop_left.mp4", 40 if name == "a" else 90)
    (folder / "manifest.json").write_text(json.dumps({
        "schema": "gaitvision.result/1", "created": "2026-12-01T10:00:00+00:00",
        "session": {"runner_name": "Ana", "created": "2026-12-01T10:00:00+00:00"},
        "views": ["side"], "files": []}))
    return folder


def test_cli_writes_pdf_video_and_table(tmp_path, capsys):
    pytest.importorskip("reportlab")
    a = result_folder(tmp_path, "a", session(0)[0])
    b = result_folder(tmp_path, "b", session(1, **RUNNER_B)[0])
    out = tmp_path / "cmp"
    assert main(["compare", str(a), str(b), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "real change(s)" in printed and "Cadence" in printed
    from pypdf import PdfReader

    pages = PdfReader(str(out / "compare.pdf")).pages
    assert 2 <= len(pages) <= 4
    text = pages[0].extract_text()
    assert "Cadence" in text and "Welch" in text
    from gaitvision.video import probe_video

    info = probe_video(out / "side" / "side_by_side.mp4", hash_content=False)
    assert info.n_frames == 100 and (info.width, info.height) == (640, 480)  # 2 x (64x96 -> 320x480)
    loaded = Comparison.load(out)
    assert {r.name for r in loaded.real_changes} >= {"cadence_spm", "trunk_lean_deg"}
    assert not list(tmp_path.glob(".cmp.partial-*"))
    # the same folder against itself: no real change, said plainly
    assert main(["compare", str(a), str(a), "--out", str(tmp_path / "same"), "--no-render"]) == 0
    assert "No real change on any metric." in capsys.readouterr().out


def test_bad_folder_one_clear_line(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    assert main(["compare", str(tmp_path / "x"), str(tmp_path / "x"), "--out",
                 str(tmp_path / "o")]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a gaitvision result folder" in err[0]
    assert not (tmp_path / "o").exists()


def test_compare_function_refuses_views_not_shared(tmp_path):
    a = result_folder(tmp_path, "a", session(0)[0])
    b = tmp_path / "b"
    b.mkdir()
    (b / "manifest.json").write_text(json.dumps({"views": ["rear"], "files": []}))
    from gaitvision.errors import GaitVisionError

    with pytest.raises(GaitVisionError, match="share no analysed view"):
        compare(a, b, tmp_path / "o")

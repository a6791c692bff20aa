"""``gaitvision batch``: a folder with one bad file; good ones finish, the bad one is listed
with its reason, a re-run skips the finished ones (data files only: ``--no-render``, on the
session's cached pose tracks)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from gaitvision.batch import ItemOutcome, collect_items, run_batch, write_summary
from gaitvision.cli import main
from gaitvision.errors import GaitVisionError

SAMPLES = Path(__file__).resolve().parents[1] / "sample_videos"


def _rows(out: Path) -> dict[str, dict]:
    with open(out / "summary.csv", newline="") as fh:
        return {row["id"]: row for row in csv.DictReader(fh)}


@pytest.mark.slow
def test_batch_folder_with_a_bad_file_then_resume(tmp_path, capsys):
    clips = tmp_path / "clips"
    clips.mkdir()
    shutil.copy(SAMPLES / "synthetic_side_60fps.mp4", clips / "side.mp4")
    shutil.copy(SAMPLES / "synthetic_rear_60fps.mp4", clips / "rear.mp4")
    (clips / "broken.mp4").write_bytes(b"this is not a video" * 100)
    (clips / "notes.txt").write_text("not a clip, not picked up")
    out = tmp_path / "out"

    code = main(["--quiet", "batch", str(clips), "--out", str(out), "--jobs", "2", "--no-render",
                 "--height-cm", "178"])
    assert code == 1  # one failed
    rows = _rows(out)
    assert set(rows) == {"broken", "rear", "side"}
    assert rows["side"]["status"] == rows["rear"]["status"] == "done"
    assert rows["broken"]["status"] == "failed"
    assert "broken" in rows["broken"]["error"] or "video" in rows["broken"]["error"].lower()
    assert "\n" not in rows["broken"]["error"] and rows["broken"]["error"]
    assert float(rows["side"]["cadence_spm_both"]) > 100  # headline metrics are in
    assert (out / "side" / "side" / "metrics.json").is_file()
    assert (out / "rear" / "rear" / "metrics.json").is_file()
    assert not (out / "broken").exists()  # no half-written output
    assert (out / "failures.txt").read_text().startswith("broken: ")
    printed = capsys.readouterr().out
    assert "2 of 3 analyses done" in printed and "failed  broken:" in printed

    stamp = (out / "side" / "manifest.json").stat().st_mtime_ns
    outcome = run_batch([clips], out, render=False, show_progress=False)
    by_id = {i.id: o for i, o in outcome.items}
    assert by_id["side"].resumed and by_id["rear"].resumed
    assert by_id["broken"].status == "failed" and not by_id["broken"].resumed
    assert (out / "side" / "manifest.json").stat().st_mtime_ns == stamp  # not run again
    assert _rows(out)["side"]["resumed"] == "1"


def _csv_with_clips(folder: Path, clips: list[str], text: str) -> Path:
    """``folder/runs.csv`` with ``text``, beside placeholder files for ``clips``."""
    for name in clips:
        (folder / name).write_bytes(b"x")
    table = folder / "runs.csv"
    table.write_text(text)
    return table


def test_batch_csv_inputs(tmp_path):
    table = _csv_with_clips(tmp_path, ["a_side.mp4", "a_rear.mp4"],
                            "runner_name,height_cm,speed_kmh,side,rear\n"
                            "Ann Lee,168,11.5,a_side.mp4,a_rear.mp4\nBen,,,a_side.mp4,\n")
    items = collect_items([table], height_cm=180)
    assert [i.id for i in items] == ["001-Ann-Lee", "002-Ben"]
    assert items[0].views == ["side", "rear"] and items[0].height_cm == 168
    assert items[1].height_cm == 180 and items[1].speed_kmh is None
    table.write_text("runner_name,side,rear\nCy,,\n")
    with pytest.raises(GaitVisionError, match="line 2"):
        collect_items([table])
    table.write_text("runner_name,side,rear,front\nDi,a_side.mp4,a_rear.mp4,a_rear.mp4\n")
    with pytest.raises(GaitVisionError, match="one or two clips"):
        collect_items([table])
    with pytest.raises(GaitVisionError, match="no such file"):
        collect_items([tmp_path / "missing.mp4"])


def test_batch_csv_front_clips_and_slowed_exports(tmp_path):
    """A front column pairs with side; time_scale per row, else the batch's, else 1."""
    table = _csv_with_clips(tmp_path, ["s.mp4", "f.mp4"],
                            "runner_name,side,front,time_scale\nEd,s.mp4,f.mp4,4\n"
                            "Fay,s.mp4,,\nGus,,f.mp4,\n")
    ed, fay, gus = collect_items([table], time_scale=2)
    assert ed.views == ["side", "front"] and ed.time_scale == 4
    assert fay.time_scale == 2 and gus.views == ["front"]
    kwargs = ed.analyze_kwargs(render=False)
    assert kwargs["time_scale"] == 4 and kwargs["clip_names"] == ["s.mp4", "f.mp4"]
    assert collect_items([table])[1].analyze_kwargs(True)["time_scale"] == 1.0
    table.write_text("side,time_scale\ns.mp4,-1\n")
    with pytest.raises(GaitVisionError, match="time_scale must be positive"):
        collect_items([table])
    write_summary(tmp_path, [(ed, ItemOutcome(ed.id, "done"))])
    assert _rows(tmp_path)[ed.id]["time_scale"] == "4"

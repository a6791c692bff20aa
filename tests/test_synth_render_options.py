"""The generator's new options, rendered for real (needs .venv-synth; skips elsewhere)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import av
import pytest

ROOT = Path(__file__).resolve().parents[1]
SYNTH_PY = ROOT / ".venv-synth" / "bin" / "python"

pytestmark = pytest.mark.skipif(not SYNTH_PY.exists(),
                                reason=".venv-synth is missing (bash tools/setup_synth_venv.sh)")


def _render(out: Path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([str(SYNTH_PY), "-m", "gaitvision.synth", "--out", str(out), "--duration",
                    "0.2", "--fps", "25", *args], check=True, env=env, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=sys.stderr, timeout=900)


def test_front_view_at_25fps_640x480_rolled_with_baggy_top_and_random_body(tmp_path):
    _render(tmp_path, "--views", "front", "--size", "640x480", "--roll", "3",
            "--clothing", "baggy", "--body-seed", "5")
    clip = tmp_path / "synthetic_front_25fps.mp4"
    truth = json.loads(clip.with_name("synthetic_front_25fps.truth.json").read_text())
    with av.open(str(clip)) as c:
        s = c.streams.video[0]
        assert float(s.average_rate) == 25.0
        frames = list(c.decode(video=0))
    assert len(frames) == truth["clip"]["n_frames"] == 5
    assert (frames[0].width, frames[0].height) == (640, 480)
    assert truth["clip"]["view"] == "front" and truth["camera"]["roll_deg"] == 3.0
    assert truth["generator"]["clothing"] == "baggy" and truth["generator"]["body_seed"] == 5
    vp = truth["visible_pelvis"]
    assert len(vp["frames"]["psis"]["image"]) == 5
    # The rolled camera turns every obliquity in the image by the roll (scene
    # counter-clockwise: seen from the front the left side is image right, so it rises).
    for lm in ("bone", "psis", "asis"):
        diff = [i - p for i, p in zip(vp["frames"][lm]["image"], vp["frames"][lm]["plane"])]
        assert all(2.0 < d < 4.0 for d in diff), (lm, diff)

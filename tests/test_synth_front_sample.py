"""The committed synthetic front clip and its truth."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest

CLIP = Path(__file__).resolve().parents[1] / "sample_videos" / "synthetic_front_30fps.mp4"


def test_front_clip_decodes_with_its_truth():
    truth = json.loads(CLIP.with_name("synthetic_front_30fps.truth.json").read_text())
    assert CLIP.stat().st_size < 2_000_000
    with av.open(str(CLIP)) as c:
        assert float(c.streams.video[0].average_rate) == pytest.approx(30.0)
        frames = [(f.width, f.height) for f in c.decode(video=0)]
    assert len(frames) == truth["clip"]["n_frames"] == 150
    assert frames[0] == (truth["clip"]["width"], truth["clip"]["height"]) == (960, 540)
    assert truth["clip"]["view"] == "front"
    vp = truth["visible_pelvis"]
    assert len(vp["frames"]["asis"]["image"]) == 150
    # The skin over the ASIS carries part of the bone's tilt, in step with it.
    assert 0.4 < vp["gain_vs_bone"]["asis"]["image"]["slope"] < 1.0
    assert vp["gain_vs_bone"]["asis"]["image"]["r"] > 0.9

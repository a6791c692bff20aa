"""The video pass cut into segments rendered side by side, and joined without re-encoding."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from gaitvision.report.encode import H264Writer, concat_packets, video_facts
from gaitvision.report.forked import can_fork
from gaitvision.report.keyframes import write_keyframes
from gaitvision.report.videos import MIN_SEGMENT_FRAMES, plan_segments, render_videos
from tests.report.synth import make_view


def _frames(path) -> list[tuple[int, np.ndarray]]:
    with av.open(str(path)) as c:
        return [(f.pts, f.to_ndarray(format="gray")) for f in c.decode(video=0)]


# --------------------------------------------------------------------------- planning
def test_short_clip_is_one_segment():
    times = np.arange(2 * MIN_SEGMENT_FRAMES - 1) / 30
    assert plan_segments(times, np.array([0.0]), 2, []) == [(None, None)]
    assert plan_segments(np.arange(600) / 30, np.array([0.0]), 1, []) == [(None, None)]


def test_cut_is_between_frames_balanced_and_outside_loops():
    times = np.arange(600) / 60  # 10 s at 60 fps, key frames every 2 s
    keys = np.arange(0, 10, 2.0)
    (a0, cut), (cut2, b1) = plan_segments(times, keys, 2, [])
    assert a0 is None and b1 is None and cut == cut2
    assert 4.0 <= cut <= 5.1  # near half, pulled toward the key frame at 4 s
    assert np.min(np.abs(times - cut)) == pytest.approx(0.5 / 60)  # halfway between frames
    loop = (3.5, 5.5)
    (_, cut), _ = plan_segments(times, keys, 2, [loop])
    assert not loop[0] <= cut <= loop[1]


def test_extra_work_moves_the_cut_toward_it():
    """Stills and loop frames early in the clip give the first segment fewer frames."""
    times = np.arange(600) / 30  # key frame only at 0: no pull toward a key frame
    (_, even), _ = plan_segments(times, np.array([0.0]), 2, [])
    (_, cut), _ = plan_segments(times, np.array([0.0]), 2, [], [(2.0, 60.0), (3.0, 40.0)])
    assert even == pytest.approx(10.0, abs=0.05)
    # 700 frames of work, 100 of them before 3 s: the cut at 350 - 100 = 250 frames
    assert cut == pytest.approx(250 / 30 - 0.5 / 30, abs=1e-6)


def test_three_segments_in_order():
    segs = plan_segments(np.arange(900) / 30, np.array([0.0]), 3, [])
    cuts = [b for _, b in segs[:-1]]
    assert len(segs) == 3 and cuts == sorted(cuts)
    assert all(b - a >= MIN_SEGMENT_FRAMES / 30 - 1e-9 for a, b in zip([0, *cuts], cuts))


# --------------------------------------------------------------------------- joining
def test_parts_join_at_their_exact_frame_slots(tmp_path):
    """Parts written from 0 are placed by their start (an MP4 offset would be rounded)."""
    parts, starts = [], []
    for k, first in enumerate((0, 176)):
        w = H264Writer(tmp_path / f"p{k}.mp4", 64, 48, 30, zero_based=True)
        for i in range(first, first + 20 if k else 176):
            w.write(np.full((48, 64, 3), i % 200, np.uint8), i / 30)
        w.close()
        parts.append(w.path)
        starts.append(Fraction(w.first_pts) / w.rate)
    out = concat_packets(parts, tmp_path / "joined.mp4", starts=starts)
    facts = video_facts(out)
    assert facts["frames"] == 196 and facts["fps"] == pytest.approx(30.0)
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        pts = [round(f.pts * s.time_base * 30) for f in c.decode(s)]
    assert pts == list(range(196))
    slow = concat_packets(parts, tmp_path / "slow.mp4", 0.25, starts)
    assert video_facts(slow)["duration_s"] == pytest.approx(196 / 30 / 0.25, abs=1e-6)


# --------------------------------------------------------------------------- the pass
@pytest.mark.skipif(not can_fork(), reason="needs two cores and fork")
def test_two_processes_render_what_one_does(tmp_path):
    analysis, track, video = make_view(tmp_path / "src", "side", duration=5.0)
    def stills(folder):
        return lambda ann, shots: write_keyframes(ann, shots, folder)

    one = render_videos(analysis, track, video, tmp_path / "one", processes=1,
                        stills=stills(tmp_path / "one" / "keyframes"))
    two = render_videos(analysis, track, video, tmp_path / "two", processes=2,
                        stills=stills(tmp_path / "two" / "keyframes"))
    a, b = _frames(one.annotated), _frames(two.annotated)
    assert [p for p, _ in a] == [p for p, _ in b] and len(a) == track.n_frames
    # the second part is encoded on its own, so pixels differ by compression noise only
    assert max(np.abs(x.astype(int) - y).mean() for (_, x), (_, y) in zip(a, b)) < 3.0
    assert video_facts(two.slowmo)["frames"] == track.n_frames
    assert one.loop_frames == two.loop_frames and set(two.loops) == {"left", "right"}
    for s1, s2 in zip(one.shots, two.shots, strict=True):
        assert (s1.side, s1.phase, s1.box) == (s2.side, s2.phase, s2.box)
        assert np.array_equal(s1.image, s2.image)
    assert not list((tmp_path / "two").glob(".annotated*"))  # parts removed
    # each segment drew its own key-frame stills; listed in report order all the same
    assert [p.name for p in two.stills] == [p.name for p in one.stills] == [
        f"{sh.side}_{sh.phase}.png" for sh in one.shots]
    for a_path, b_path in zip(one.stills, two.stills, strict=True):
        assert a_path.read_bytes() == b_path.read_bytes()

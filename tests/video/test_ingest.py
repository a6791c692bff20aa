"""Video ingest: timestamps, frame rate, trimming, rotation, and bad input."""

from __future__ import annotations

import fractions
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from gaitvision.errors import VideoError
from gaitvision.video import iter_frames, probe_video
from tests.conftest import shared_video


def write_clip(path: Path, n: int, fps: int = 30, size=(64, 48), times=None, codec="libx264") -> Path:
    """Encode ``n`` frames; ``times`` (seconds) gives variable frame timing."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = fractions.Fraction(1, 90000)
        stream.codec_context.time_base = fractions.Fraction(1, 90000)
        for i in range(n):
            img = np.full((size[1], size[0], 3), (i * 7) % 255, np.uint8)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            t = i / fps if times is None else times[i]
            frame.pts = int(round(t * 90000))
            frame.time_base = stream.time_base
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def test_high_frame_rate_clip_reports_its_capture_rate(tmp_path):
    info = probe_video(write_clip(tmp_path / "slowmo.mp4", 720, fps=240))
    assert info.fps == pytest.approx(240, rel=1e-3)
    assert info.n_frames == 720
    assert info.duration_s == pytest.approx(3.0, abs=1e-3)
    assert not info.variable_frame_rate


def test_variable_frame_rate_keeps_true_times(tmp_path):
    rng = np.random.default_rng(1)
    times = np.cumsum(rng.uniform(1 / 40, 1 / 20, 120))
    times -= times[0]
    path = write_clip(tmp_path / "vfr.mp4", 120, fps=30, times=times)
    info = probe_video(path)
    assert info.variable_frame_rate
    got = np.array([f.time_s for f in iter_frames(path)])
    np.testing.assert_allclose(got, times, atol=2e-5)


def test_trimming_keeps_indices_and_times(tmp_path):
    path = write_clip(tmp_path / "c.mp4", 150, fps=30)
    frames = list(iter_frames(path, 2.0, 3.0))
    assert [f.index for f in frames] == list(range(60, 90))
    assert frames[0].time_s == pytest.approx(2.0)


def test_frames_are_streamed_not_loaded(tmp_path):
    gen = iter_frames(write_clip(tmp_path / "c.mp4", 90))
    first = next(gen)
    assert first.image.shape == (48, 64, 3) and first.index == 0
    gen.close()


def test_large_frames_are_scaled_down_on_decode(tmp_path):
    path = write_clip(tmp_path / "big.mp4", 70, size=(640, 360))
    frame = next(iter_frames(path, max_side=320))
    assert frame.image.shape == (180, 320, 3)


def test_portrait_phone_recording_comes_out_upright():
    upright = next(iter_frames(shared_video("treadmill_side_male_30fps.mp4")))
    rotated = next(iter_frames(shared_video("treadmill_side_male_rot90.mov")))
    assert rotated.image.shape == upright.image.shape == (1280, 720, 3)
    assert np.abs(rotated.image.astype(int) - upright.image).mean() < 3
    info = probe_video(shared_video("treadmill_side_male_rot90.mov"))
    assert (info.width, info.height, info.rotation) == (720, 1280, 90)


# ------------------------------------------------------------------ bad input
def _text(tmp_path):
    p = tmp_path / "notes.mp4"
    p.write_text("this is not a video\n" * 50)
    return p


def _image(tmp_path):
    import cv2

    p = tmp_path / "photo.png"
    cv2.imwrite(str(p), np.zeros((100, 100, 3), np.uint8))
    return p


def _audio(tmp_path):
    p = tmp_path / "sound.m4a"
    with av.open(str(p), "w") as out:
        s = out.add_stream("aac", rate=44100)
        for i in range(40):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp",
                                               layout="mono")
            frame.sample_rate = 44100
            frame.pts = i * 1024
            out.mux(s.encode(frame))
        out.mux(s.encode(None))
    return p


def _truncated(tmp_path):
    whole = write_clip(tmp_path / "whole.mp4", 150, size=(128, 96))
    p = tmp_path / "truncated.mp4"
    p.write_bytes(whole.read_bytes()[: whole.stat().st_size // 3])
    whole.unlink()
    return p


def _empty(tmp_path):
    p = tmp_path / "empty.mp4"
    p.write_bytes(b"")
    return p


def _short(tmp_path):
    return write_clip(tmp_path / "one_second.mp4", 30)


def _missing(tmp_path):
    return tmp_path / "does_not_exist.mp4"


def _folder(tmp_path):
    return tmp_path


BAD_INPUTS = {
    "text": (_text, "not a readable video"),
    "image": (_image, "still image"),
    "audio": (_audio, "audio-only"),
    "truncated": (_truncated, "corrupt or truncated"),
    "empty": (_empty, "empty"),
    "short": (_short, "only 1.0 s long"),
    "missing": (_missing, "no such file"),
    "folder": (_folder, "is a folder"),
}


@pytest.mark.parametrize("kind", sorted(BAD_INPUTS))
def test_bad_input_gets_one_clear_line_and_writes_nothing(tmp_path, kind):
    make, expected = BAD_INPUTS[kind]
    src = tmp_path / "in"
    src.mkdir()
    path = make(src)
    with pytest.raises(VideoError, match=expected):
        probe_video(path)
        for _ in iter_frames(path):
            pass
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "gaitvision", "--quiet", "pose", str(path),
                           "--out", str(out), "--workers", "1"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("gaitvision: error:")]
    assert len(lines) == 1 and expected in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()

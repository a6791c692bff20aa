"""The capture rate a phone writes into a slow-motion export is read and turned into a factor."""

from __future__ import annotations

import av
import numpy as np

from gaitvision.video.ingest import VideoInfo, probe_video, slowed_by_metadata


def _clip(path, tags: dict) -> None:
    out = av.open(str(path), "w", options={"movflags": "use_metadata_tags"})
    for k, v in tags.items():
        out.metadata[k] = v
    s = out.add_stream("libx264", rate=30)
    s.width, s.height, s.pix_fmt = 64, 64, "yuv420p"
    for i in range(75):
        img = np.full((64, 64, 3), (i * 3) % 255, np.uint8)
        for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            out.mux(p)
    for p in s.encode():
        out.mux(p)
    out.close()


def test_android_capture_fps_tag_gives_the_slow_motion_factor(tmp_path):
    _clip(tmp_path / "slowmo.mp4", {"com.android.capture.fps": "120.000000"})
    info = probe_video(tmp_path / "slowmo.mp4")
    assert info.capture_fps == 120.0 and round(info.fps) == 30
    assert slowed_by_metadata(info) == 4.0


def test_no_tag_no_factor(tmp_path):
    _clip(tmp_path / "plain.mp4", {})
    info = probe_video(tmp_path / "plain.mp4")
    assert info.capture_fps is None and slowed_by_metadata(info) is None


def test_old_video_info_without_the_field_still_loads():
    d = {"path": "x", "sha256": "", "codec": "h264", "width": 2, "height": 2, "rotation": 0,
         "n_frames": 60, "duration_s": 2.0, "fps": 30.0, "fps_nominal": 30.0,
         "variable_frame_rate": False}
    assert VideoInfo.from_dict(d).capture_fps is None

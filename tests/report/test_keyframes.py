"""Key-frame captions say which instant their values belong to."""

from types import SimpleNamespace

import numpy as np

from gaitvision.kinematics.records import StrideRecord
from gaitvision.report.keyframes import caption_lines
from gaitvision.report.videos import KeyFrameShot


def _ann(fps: float = 30.0):
    return SimpleNamespace(view="side", track=SimpleNamespace(times=np.arange(90) / fps),
                           a=SimpleNamespace(summary={}))


def _stride():
    return StrideRecord(side="left", index=3, start_s=2.643, end_s=3.35, to_s=2.93,
                        start_frame=79.3, end_frame=100.5,
                        metrics={"knee_flexion_ic_deg": 5.4, "tibia_angle_ic_deg": 13.3})


def test_a_contact_between_frames_gives_both_times():
    # the still shows frame 79 (2.633 s); the contact and its values are at 2.643 s
    lines = caption_lines(_ann(), KeyFrameShot("left", "IC", 2.643, 79, _stride()))
    assert lines[0] == "LEFT initial contact"
    assert "initial contact at 2.643 s, frame at 2.633 s" in lines[1]
    assert any("knee flexion 5.4" in line for line in lines[2:])


def test_a_contact_on_a_frame_gives_one_time():
    lines = caption_lines(_ann(), KeyFrameShot("left", "IC", 2.6, 78, _stride()))
    assert lines[1].startswith("t = 2.600 s")

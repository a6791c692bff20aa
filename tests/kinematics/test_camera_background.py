"""Camera roll from the background's across-view lines (BackgroundLevel)."""

from __future__ import annotations

import numpy as np
import pytest

from gaitvision.kinematics.camera import BackgroundLevel


def _scene(roll_deg: float, n: int = 9, lines: bool = True, seed: int = 0):
    """Grey frames of a room (wall over floor, a console bar) seen with ``roll_deg``
    (counter-clockwise on screen), a runner-sized blob bobbing in the middle whose own
    edges tilt 8 deg; each frame's 33 keypoints spread over the blob."""
    import cv2

    rng = np.random.default_rng(seed)
    h, w = 480, 640
    frames, keypoints = [], []
    for k in range(n):
        img = np.full((h, w), 200, np.uint8)
        if lines:
            img[300:] = 120                                   # floor
            img[250:262, 220:420] = 90                        # console bar
        y0 = 120 + int(10 * np.sin(k))
        blob = np.zeros_like(img)
        cv2.rectangle(blob, (290, y0), (350, y0 + 300), 255, -1)
        rot = cv2.getRotationMatrix2D((320, y0 + 150), 8.0, 1.0)
        blob = cv2.warpAffine(blob, rot, (w, h)) > 0
        img[blob] = 40
        img = cv2.GaussianBlur(img, (3, 3), 0)
        m = cv2.getRotationMatrix2D((w / 2, h / 2), roll_deg, 1.0)   # + = counter-clockwise
        img = cv2.warpAffine(img, m, (w, h), borderMode=cv2.BORDER_REPLICATE)
        img = np.clip(img + rng.normal(0, 2, img.shape), 0, 255).astype(np.uint8)
        pts = np.column_stack([rng.uniform(290, 350, 33), rng.uniform(y0, y0 + 300, 33)])
        pts = (m[:, :2] @ pts.T).T + m[:, 2]
        frames.append(img)
        keypoints.append(pts)
    return frames, keypoints


@pytest.mark.parametrize("roll", [-3.0, 0.0, 1.0, 2.5])
def test_roll_from_the_background_lines(roll):
    frames, kps = _scene(roll)
    got = BackgroundLevel().from_frames(frames, kps)
    assert got.found and got.n_lines >= 1
    assert got.roll_deg == pytest.approx(roll, abs=0.15)


def test_the_runners_own_edges_are_left_out():
    frames, kps = _scene(0.0, lines=False)
    got = BackgroundLevel().from_frames(frames, kps)
    assert not got.found and np.isnan(got.roll_deg) and got.n_lines == 0


def test_no_frames_no_roll():
    assert not BackgroundLevel().from_frames([], []).found

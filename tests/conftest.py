"""Shared fixtures: paths to the real footage and session-cached pose tracks.

Real footage lives in ``../shared/videos`` (never in this repository); tests that need
it skip with a reason when it is absent. Pose runs at most once per clip per session.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
#: ``../shared/videos``; GAITVISION_SHARED_VIDEOS points elsewhere (e.g. from a worktree).
SHARED_VIDEOS = Path(os.environ.get("GAITVISION_SHARED_VIDEOS", REPO.parent / "shared" / "videos"))
SAMPLE_VIDEOS = REPO / "sample_videos"


@pytest.fixture(scope="session", autouse=True)
def _isolated_pose_cache(tmp_path_factory):
    """Keep the pose cache of a test session in its own temporary folder."""
    old = os.environ.get("GAITVISION_CACHE")
    os.environ["GAITVISION_CACHE"] = str(tmp_path_factory.mktemp("pose-cache"))
    yield
    if old is None:
        os.environ.pop("GAITVISION_CACHE", None)
    else:
        os.environ["GAITVISION_CACHE"] = old


def shared_video(name: str) -> Path:
    """Path of a clip in ../shared/videos, or skip the test with the reason."""
    path = SHARED_VIDEOS / name
    if not path.exists():
        pytest.skip(f"real footage {path} is not present (../shared/videos is absent here)")
    return path


_RAW_TRACKS: dict = {}


def raw_track(path: Path, workers: int = 2):
    """Raw BlazePose track of ``path``, computed once per session."""
    from gaitvision.pose.estimate import estimate_pose

    key = (str(path), workers)
    if key not in _RAW_TRACKS:
        _RAW_TRACKS[key] = estimate_pose(path, workers=workers)
    return _RAW_TRACKS[key]


def pose_product_of(path: Path):
    """The pose stage's product of ``path`` (pose computed once per session)."""
    from gaitvision.pose.tracking import prepare_track

    return prepare_track(raw_track(path))


def clean_track_of(path: Path):
    """Cleaned, labelled track of ``path`` (pose computed once per session)."""
    return pose_product_of(path).cleaned

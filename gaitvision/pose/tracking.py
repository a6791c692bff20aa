"""From a video file to a clean, labelled track of one runner.

The steps, each its own module and testable alone::

    estimate_pose -> keep_main_subject -> classify_view -> identity correction -> clean_track
"""

from __future__ import annotations

import os

from gaitvision.filtering import CleaningSettings, clean_track
from gaitvision.pose.blazepose import PoseSettings
from gaitvision.pose.estimate import estimate_pose
from gaitvision.pose.identity import correct_front_back_flips, correct_leg_swaps
from gaitvision.pose.subject import keep_main_subject
from gaitvision.pose.track import CleaningReport, PoseTrack
from gaitvision.pose.view import classify_view
from gaitvision.progress import ProgressCallback

VIEWS = ("side", "rear", "front")


def label_track(raw: PoseTrack, *, view: str | None = None,
                direction: str | None = None) -> PoseTrack:
    """Subject selection, view and identity correction of a raw track (no filtering).

    Gait events are best timed on this unfiltered track: a low-pass filter rounds
    the corners of foot strike and toe-off.

    Parameters
    ----------
    raw : PoseTrack
        As returned by :func:`estimate_pose`.
    view : {"side", "rear", "front"}, optional
        Override the automatic view.
    direction : {"left", "right"}, optional
        Override the side-view running direction (the way the runner faces).

    Returns
    -------
    PoseTrack
        With ``view`` filled in and ``cleaning`` counting swaps and dropped frames.
    """
    track, subject = keep_main_subject(raw)
    track.view = classify_view(track, override=view, direction=direction)
    track.cleaning = CleaningReport(other_person_frames=subject.frames_dropped)
    if track.view.view == "side":
        return correct_leg_swaps(track)
    return correct_front_back_flips(track, track.view.view)


def prepare_track(raw: PoseTrack, *, view: str | None = None, direction: str | None = None,
                  cleaning: CleaningSettings | None = None) -> PoseTrack:
    """:func:`label_track`, then :func:`~gaitvision.filtering.clean_track`.

    Returns
    -------
    PoseTrack
        Labelled and cleaned, with ``view`` and ``cleaning`` filled in.
    """
    labelled = label_track(raw, view=view, direction=direction)
    return clean_track(labelled, cleaning)


def track_pose(
    path: str | os.PathLike,
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    view: str | None = None,
    direction: str | None = None,
    workers: int | None = None,
    settings: PoseSettings | None = None,
    use_cache: bool = True,
    progress: ProgressCallback | None = None,
    stats: list | None = None,
) -> PoseTrack:
    """Run the whole pose stage on a clip: the API behind ``gaitvision pose``.

    Parameters
    ----------
    path : path-like
        Video file.
    start_s, end_s : float, optional
        Trim in seconds.
    view, direction : str, optional
        Overrides for the automatic view and direction.
    workers : int, optional
        Pose processes (default: one per core).
    settings : PoseSettings, optional
    use_cache : bool
    progress : callable, optional
        Receives ``("pose", fraction)``.
    stats : list, optional
        Receives a :class:`~gaitvision.pose.estimate.PoseRunStats`.

    Returns
    -------
    PoseTrack
        Cleaned, with view and cleaning report.
    """
    if view is not None and view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    raw = estimate_pose(path, start_s=start_s, end_s=end_s, workers=workers, settings=settings,
                        use_cache=use_cache, progress=progress, stats=stats)
    return prepare_track(raw, view=view, direction=direction)

"""Pose stage: BlazePose keypoints of one runner, cleaned and labelled."""

from gaitvision.pose.track import CleaningReport, PoseTrack, ViewEstimate

__all__ = ["CleaningReport", "PoseTrack", "ViewEstimate", "label_track", "prepare_track", "track_pose"]


def __getattr__(name: str):
    # Imported lazily: the tracking module pulls in filtering, which needs this package.
    if name in ("label_track", "prepare_track", "track_pose"):
        from gaitvision.pose import tracking

        return getattr(tracking, name)
    raise AttributeError(name)

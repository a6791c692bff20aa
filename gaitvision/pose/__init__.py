"""Pose stage: BlazePose keypoints of one runner, cleaned and labelled."""

from gaitvision.pose.track import CleaningReport, PoseTrack, ViewEstimate
from gaitvision.pose.tracking import prepare_track, track_pose

__all__ = ["CleaningReport", "PoseTrack", "ViewEstimate", "prepare_track", "track_pose"]

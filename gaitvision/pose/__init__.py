"""Pose stage: keypoints of one runner, final labels, cleaned: a :class:`PoseProduct`."""

from gaitvision.pose.product import LabelSettings, PoseProduct, PoseStageSettings
from gaitvision.pose.track import CleaningReport, PoseTrack, ViewEstimate
from gaitvision.pose.tracking import finish_labels, label_track, make_product, prepare_track, track_pose

__all__ = [
    "CleaningReport", "LabelSettings", "PoseProduct", "PoseStageSettings", "PoseTrack",
    "ViewEstimate", "finish_labels", "label_track", "make_product", "prepare_track", "track_pose",
]

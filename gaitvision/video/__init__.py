"""Video ingest: streaming decode of phone video with rotation and real timestamps."""

from gaitvision.video.ingest import Frame, VideoInfo, iter_frames, probe_video

__all__ = ["Frame", "VideoInfo", "iter_frames", "probe_video"]

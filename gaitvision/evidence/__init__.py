"""Image evidence beyond the keypoints: modules that re-read the frames they need with
:func:`gaitvision.video.iter_frames` (streamed, never the whole video in memory).

- :mod:`gaitvision.evidence.pelvis`: pelvic obliquity from the waist's image motion
  (rear view; issue 12);
- :mod:`gaitvision.evidence.hip_centre`, :mod:`gaitvision.evidence.silhouette`: side view
  (issue 16).
"""

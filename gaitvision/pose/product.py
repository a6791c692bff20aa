"""The pose stage's one product: the labelled track, the cleaned track, the settings.

Kinematics times gait events on the *labelled* track (final left/right labels, glitches
bridged, nothing low-passed: a low-pass rounds the corners of foot strike and toe-off)
and measures angles on the *cleaned* one (the labelled track gap-filled, Hampel-filtered
and low-passed). Both are saved in the result folder, so kinematics can be re-run from
the folder and give the same ``metrics.json`` (:func:`gaitvision.pipeline.recompute`);
the skeleton drawn on the report's videos and ``keypoints.csv`` are the cleaned track,
the points the angles were measured on.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gaitvision.pose.blazepose import PoseSettings
from gaitvision.pose.cleaning import CleaningSettings
from gaitvision.pose.track import PoseTrack, ViewEstimate

#: File names inside a result's view folder.
CLEANED_FILE = "pose.npz"
LABELLED_FILE = "pose_labelled.npz"

#: Low-pass cut-off of the cleaned track (Hz), the one the angles are measured on. The
#: 6 Hz usual for walking rounds the values at contact, the more so in running (Sinclair
#: et al. 2013, J Hum Kinet 39:25); 10 Hz keeps them within about 1-3 deg on synthetic
#: 30-60 fps runs, against 2-4 deg at 6 Hz.
ANGLE_CUTOFF_HZ = 10.0


@dataclass
class LabelSettings:
    """Parameters of the final labelling (:func:`gaitvision.pose.tracking.finish_labels`).

    Attributes
    ----------
    glitch_legs : float
        A leg point further than this (leg lengths) from its own 0.05 s moving median is
        a glitch and is interpolated over (:func:`gaitvision.pose.legs.bridge_leg_glitches`).
    """

    glitch_legs: float = 0.25


@dataclass
class PoseStageSettings:
    """Everything the pose stage was run with."""

    pose: PoseSettings = field(default_factory=PoseSettings)
    labels: LabelSettings = field(default_factory=LabelSettings)
    cleaning: CleaningSettings | None = field(
        default_factory=lambda: CleaningSettings(cutoff_hz=ANGLE_CUTOFF_HZ))

    def to_dict(self) -> dict:
        """JSON form."""
        return {"pose": asdict(self.pose), "labels": asdict(self.labels),
                "cleaning": None if self.cleaning is None else asdict(self.cleaning)}

    @classmethod
    def from_dict(cls, d: dict | None) -> PoseStageSettings:
        """Inverse of :meth:`to_dict` (defaults for what is missing)."""
        d = d or {}
        cleaning = d.get("cleaning", asdict(CleaningSettings(cutoff_hz=ANGLE_CUTOFF_HZ)))
        return cls(pose=PoseSettings(**d.get("pose", {})), labels=LabelSettings(**d.get("labels", {})),
                   cleaning=None if cleaning is None else CleaningSettings(**cleaning))


@dataclass
class PoseProduct:
    """What the pose stage hands to kinematics.

    Attributes
    ----------
    labelled : PoseTrack
        Final labels (one subject, view and direction, left/right repaired, glitches
        bridged), not low-passed: gait events are timed on it.
    cleaned : PoseTrack
        ``labelled`` cleaned with ``settings.cleaning``: angles are measured on it and it
        is what the report draws. The same object as ``labelled`` when nothing was
        cleaned (``settings.cleaning`` None, e.g. exact synthetic keypoints).
    settings : PoseStageSettings
        What the stage was run with.
    """

    labelled: PoseTrack
    cleaned: PoseTrack
    settings: PoseStageSettings = field(default_factory=PoseStageSettings)

    @property
    def view(self) -> ViewEstimate | None:
        """The camera view the labels were set for."""
        return self.labelled.view

    @property
    def fps(self) -> float:
        """Frame rate of the track (median of its timestamps)."""
        return self.labelled.fps

    def save(self, folder: str | os.PathLike) -> Path:
        """Write both tracks (``pose.npz``: cleaned, ``pose_labelled.npz``) into ``folder``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.cleaned.save(folder / CLEANED_FILE)
        self.labelled.save(folder / LABELLED_FILE)
        return folder

    @classmethod
    def load(cls, folder: str | os.PathLike, settings: PoseStageSettings | None = None
             ) -> PoseProduct:
        """Read a product written by :meth:`save` (settings are kept in ``metrics.json``)."""
        folder = Path(folder)
        cleaned = PoseTrack.load(folder / CLEANED_FILE)
        labelled_path = folder / LABELLED_FILE
        labelled = PoseTrack.load(labelled_path) if labelled_path.exists() else cleaned
        return cls(labelled, cleaned, settings or PoseStageSettings())

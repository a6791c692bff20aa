"""Every parameter of an analysis in one place, recorded in ``metrics.json``.

:class:`AnalysisSettings` gathers the pose stage's settings (model, labelling, cleaning:
the cleaning cut-off is the one the angles are measured at) and the kinematics
stage's (contact detection, left/right sequence). :func:`gaitvision.pipeline.analyze`
takes one, and every ``metrics.json`` records the one it was made with and the package
version, so a result can be re-run exactly (:func:`gaitvision.pipeline.recompute`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from gaitvision import __version__
from gaitvision.kinematics.events import ContactParams
from gaitvision.kinematics.sequence import SequenceParams
from gaitvision.pose.product import PoseStageSettings


@dataclass
class AnalysisSettings:
    """Pose, labelling, cleaning, contact and sequence parameters of one analysis.

    Attributes
    ----------
    pose_stage : PoseStageSettings
        ``pose`` (model, inference size, confidences), ``labels`` (glitch bridging) and
        ``cleaning`` (gap filling, Hampel, low-pass cut-off: the angle cut-off).
    contacts : ContactParams
        Contact detection (:func:`gaitvision.kinematics.events.detect_contacts`).
    sequence : SequenceParams
        Left/right sequence (:func:`gaitvision.kinematics.sequence.build_sequence`).
    """

    pose_stage: PoseStageSettings = field(default_factory=PoseStageSettings)
    contacts: ContactParams = field(default_factory=ContactParams)
    sequence: SequenceParams = field(default_factory=SequenceParams)

    def to_dict(self) -> dict:
        """JSON form, with the package version."""
        return {"gaitvision_version": __version__, **self.pose_stage.to_dict(),
                "contacts": asdict(self.contacts), "sequence": asdict(self.sequence)}

    @classmethod
    def from_dict(cls, d: dict | None) -> AnalysisSettings:
        """Inverse of :meth:`to_dict` (defaults for what is missing)."""
        d = d or {}
        return cls(pose_stage=PoseStageSettings.from_dict(d),
                   contacts=ContactParams(**d.get("contacts", {})),
                   sequence=SequenceParams(**d.get("sequence", {})))

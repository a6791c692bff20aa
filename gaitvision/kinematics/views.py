"""Camera views as small classes: what each view measures and how.

A view provides the contact detector, the periodic signal that gives the stride
period, the camera roll, the angle series, the metrics of one stride, its quality
notes and the pooled cadence. :func:`~gaitvision.kinematics.gait.analyze_gait` runs
the same straight sequence for every view. The per-view maths stays in
:mod:`.side` and :mod:`.rear`; these classes only call it. A front view (filmed from
in front, e.g. a phone on the treadmill's console) measures what the rear view measures,
mirrored (:func:`~gaitvision.kinematics.geometry.body_frame` turns the runner's left to
image-right), under its own name, so its results, folder and report say "front".
"""

from __future__ import annotations

import numpy as np

from gaitvision.evidence.hip_centre import HipCentre, KneeCircleHip
from gaitvision.kinematics.analysis import Quality
from gaitvision.kinematics.assessment import hidden_leg, note_hidden_wrists
from gaitvision.kinematics.detectors import MidstanceContactDetector
from gaitvision.kinematics.events import ContactParams
from gaitvision.kinematics.foot_contacts import DepartureContactDetector
from gaitvision.kinematics.geometry import BodyFrame, rear_series, side_series
from gaitvision.kinematics.rear import camera_roll, drop_series, hand_backed_wrists
from gaitvision.kinematics.rear import stride_metrics as rear_stride_metrics
from gaitvision.kinematics.sequence import Sequence, Stride, cadence_fit
from gaitvision.kinematics.side import hip_centre_series, hip_note
from gaitvision.kinematics.side import midstance as side_midstance
from gaitvision.kinematics.side import stride_metrics as side_stride_metrics
from gaitvision.landmarks import HEEL, SIDES, TOE
from gaitvision.pose.track import PoseTrack


class SideView:
    """Side-on (sagittal): timing and sagittal angles.

    Parameters
    ----------
    contacts : ContactParams, optional
        Parameters of the contact detector.
    """

    name = "side"

    def __init__(self, contacts: ContactParams | None = None):
        self.contact_params = contacts or ContactParams()
        self.hip_centre: HipCentre | None = None
        self.hip_offset = 0.0  #: hip joint centre minus hip keypoint, forward, leg lengths
        self.leg_cm: float | None = None

    def detector(self, treadmill: bool) -> DepartureContactDetector:
        """The contact detector (the belt's line on a treadmill, foot height otherwise;
        toe-off on the toe's accelerating departure, :mod:`.foot_contacts`)."""
        return DepartureContactDetector(self.contact_params, belt=treadmill)

    def periodic(self, bf: BodyFrame) -> list[np.ndarray]:
        """Signals whose period is the stride: the heels' forward positions."""
        return [bf.p[:, HEEL[f], 0] for f in SIDES]

    def hidden_leg(self, visibility: dict[str, float]) -> str | None:
        """The far leg when it is seen clearly less well than the near one."""
        return hidden_leg(visibility)

    def camera_roll(self, labelled: PoseTrack, cleaned: PoseTrack, seq: Sequence
                    ) -> tuple[float, float]:
        """Roll to report and roll to undo (deg).

        The stance foot's path gives the belt's line in the image, but a camera not
        quite perpendicular to the belt tilts it too (the foot sinks in the image as it
        nears the camera), so it is reported, not undone.
        """
        return belt_roll(labelled, seq), 0.0

    def series(self, bf: BodyFrame) -> dict[str, np.ndarray]:
        """Per-frame angle series."""
        return side_series(bf)

    def use_hip_centre(self, bf: BodyFrame, series: dict, track: PoseTrack,
                       hip_centre: HipCentre | None) -> None:
        """Measure the hip's metrics on the hip joint centre, when one is resolved
        (default: the knee-circle estimate from ``track``; :mod:`gaitvision.evidence.hip_centre`)."""
        self.hip_centre = hip_centre or KneeCircleHip().estimate(track)
        self.hip_offset = self.hip_centre.offset_px / bf.leg_px if self.hip_centre.used else 0.0
        legs = self.hip_centre.leg_offsets_px()
        hip_centre_series(bf, series, {s: v / bf.leg_px for s, v in legs.items()})

    def stride_metrics(self, bf: BodyFrame, series: dict, stride: Stride,
                       leg_cm: float | None) -> dict[str, float]:
        """Every side-view metric of one stride."""
        self.leg_cm = leg_cm
        return side_stride_metrics(bf, series, stride, leg_cm, self.hip_offset)

    def midstance(self, bf: BodyFrame, stride: Stride) -> float:
        """When the stance ankle passes under the mid-hip."""
        return side_midstance(bf, stride)

    def quality_notes(self, bf: BodyFrame, series: dict, seq: Sequence, quality: Quality) -> None:
        """Which hip each metric used."""
        quality.notes.append(hip_note(self.hip_centre, self.hip_offset,
                                      self.leg_cm))

    def cadence(self, seq: Sequence) -> dict[str, float]:
        """Cadence per side and pooled, from a fit of all event times."""
        return cadence_fit(seq)

    def finish_series(self, series: dict) -> None:
        """Series added for the report after the metrics (none)."""


class RearView(SideView):
    """From behind (frontal plane): pelvic drop, arm crossover, foot placement.

    Contacts are placed about the pelvis's lowest point; contact time, flight time and
    duty factor are left to the side view (see the quality notes).
    """

    name = "rear"

    def detector(self, treadmill: bool) -> MidstanceContactDetector:
        """The contact detector (stances placed about the pelvis's lowest point)."""
        return MidstanceContactDetector(self.contact_params)

    def periodic(self, bf: BodyFrame) -> list[np.ndarray]:
        """Signals whose period is the stride: the heels' heights."""
        return [bf.p[:, HEEL[f], 1] for f in SIDES]

    def hidden_leg(self, visibility: dict[str, float]) -> str | None:
        """From behind neither leg hides the other."""
        return None

    def use_hip_centre(self, bf: BodyFrame, series: dict, track: PoseTrack,
                       hip_centre: HipCentre | None) -> None:
        """From behind the hip keypoints' fore-aft bias does not enter any metric."""

    def camera_roll(self, labelled: PoseTrack, cleaned: PoseTrack, seq: Sequence
                    ) -> tuple[float, float]:
        """The trunk's mean frontal-plane axis is vertical for a runner: its tilt is the
        camera's roll, reported and undone."""
        roll = camera_roll(cleaned.times, cleaned.xy, seq.strides)
        return roll, (roll if np.isfinite(roll) else 0.0)

    def series(self, bf: BodyFrame) -> dict[str, np.ndarray]:
        """Per-frame angle series."""
        return rear_series(bf)

    def stride_metrics(self, bf: BodyFrame, series: dict, stride: Stride,
                       leg_cm: float | None) -> dict[str, float]:
        """Every rear-view metric of one stride."""
        return rear_stride_metrics(bf, series, stride)

    def quality_notes(self, bf: BodyFrame, series: dict, seq: Sequence, quality: Quality) -> None:
        """Wrists hidden behind the torso at their innermost point."""
        note_hidden_wrists(bf, series, seq, quality)

    def cadence(self, seq: Sequence) -> dict[str, float]:
        """From behind, contact times are uncertain (see the quality note); the period of
        the feet's motion gives the pooled cadence without depending on them."""
        cadence = cadence_fit(seq)
        if np.isfinite(seq.stride_s):
            cadence["both"] = 120.0 / seq.stride_s
        return cadence

    def finish_series(self, series: dict) -> None:
        """Pelvic drop per stance side, for the report's live read-out."""
        for s in SIDES:
            series[f"pelvic_drop_deg.{s}"] = drop_series(series, s)


class FrontView(RearView):
    """From in front (frontal plane): the rear view's metrics, mirrored.

    The body frame puts the runner's left on image-right for this view, so every
    frontal-plane metric keeps its sign convention; only the name differs.
    """

    name = "front"

    def detector(self, treadmill: bool) -> MidstanceContactDetector:
        """Stances placed about the pelvis's lowest point, TO mirrored from IC (from the
        front the landing turns the foot's image path sharply, the lift-off does not)."""
        return MidstanceContactDetector(self.contact_params, anchor="ic")

    def series(self, bf: BodyFrame) -> dict[str, np.ndarray]:
        """The rear view's series, the wrists placed back from the hands' knuckles
        (:func:`~gaitvision.kinematics.rear.hand_backed_wrists`)."""
        out = rear_series(bf)
        hand_backed_wrists(bf, out)
        return out

    def stride_metrics(self, bf: BodyFrame, series: dict, stride: Stride,
                       leg_cm: float | None) -> dict[str, float]:
        """The rear view's metrics; every wrist is in front of the torso, so seen."""
        return rear_stride_metrics(bf, series, stride, wrists_in_front=True)

    def quality_notes(self, bf: BodyFrame, series: dict, seq: Sequence, quality: Quality) -> None:
        """No wrist is hidden behind the torso from the front: nothing to note."""


#: View name (as in a ViewEstimate) -> view class.
VIEWS = {"side": SideView, "rear": RearView, "front": FrontView}


def view_for(name: str, contacts: ContactParams | None = None) -> SideView:
    """The view object for a ViewEstimate's view name."""
    return VIEWS[name](contacts)


def belt_roll(track: PoseTrack, seq: Sequence) -> float:
    """Side view: direction of the stance toe's path in the image = the belt's tilt (deg)."""
    angles = []
    for st in seq.stances:
        if st.ic_inferred:
            continue
        sel = (track.times > st.ic + 0.2 * (st.to - st.ic)) & \
            (track.times < st.to - 0.2 * (st.to - st.ic))
        pts = track.xy[sel, TOE[st.foot]]
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts) < 2:
            continue
        dx, dy = pts[-1] - pts[0]
        a = np.degrees(np.arctan2(-dy, dx))  # up = -y
        a = (a + 90) % 180 - 90
        angles.append(a)
    return float(np.median(angles)) if angles else float("nan")

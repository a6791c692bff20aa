"""Contact detectors: interchangeable objects, parameters in ``__init__`` (gaitmap's habit).

Each detector turns a clip's body-centred landmarks into the stances of both feet,
``detect(bf, visibility, stride_s) -> {"left": [Contact, ...], "right": [...]}``, so a
new initial-contact rule can sit beside the old one and both can be scored on the
synthetic truth (``tests/kinematics``).
"""

from __future__ import annotations

import numpy as np

from gaitvision.kinematics.events import Contact, ContactParams, detect_contacts
from gaitvision.kinematics.geometry import BodyFrame
from gaitvision.kinematics.midstance import frontal_contacts, midstances, steady_contacts
from gaitvision.landmarks import SIDES


class BeltContactDetector:
    """Side view on a treadmill: the stance foot rides the belt on a straight line.

    IC is where the heel joins that line and TO where the toe leaves it, both between
    frames (:func:`~gaitvision.kinematics.events.detect_contacts`; Zeni et al. 2008 and
    Fellin et al. 2010 for the foot-path methods it improves on).

    Parameters
    ----------
    params : ContactParams, optional
    belt : bool
        False when the runner moves across the frame (no treadmill): stances are then
        found from the foot's height alone.
    """

    def __init__(self, params: ContactParams | None = None, belt: bool = True):
        self.params = params or ContactParams()
        self.belt = belt

    def detect(self, bf: BodyFrame, visibility: np.ndarray, stride_s: float
               ) -> dict[str, list[Contact]]:
        """Stances of both feet."""
        return {f: detect_contacts(bf.t, bf.p, visibility, f, self.params, side_view=self.belt)
                for f in SIDES}


class MidstanceContactDetector:
    """Rear (and front) view: each stance placed about the pelvis's lowest point.

    From behind, the foot's image height mixes height and distance; the pelvis is lowest
    at midstance (spring-mass model; Cavagna 1988, Blickhan 1989), so each stance is
    searched around it (:func:`~gaitvision.kinematics.midstance.midstances`), its edges
    are where the foot leaves its stance path in the image, up or down
    (:func:`~gaitvision.kinematics.midstance.frontal_contacts`: seen from the front a
    lifting foot drops in the image), and every stance is then centred on its midstance
    with the clip's median half-stance, measured from the sharper edge
    (:func:`~gaitvision.kinematics.midstance.steady_contacts`: single edges are too
    noisy on small clips to time strides by).

    Parameters
    ----------
    params : ContactParams, optional
    anchor : {"to", "ic"}
        The edge the other one is mirrored from: "to" from behind, "ic" from the front
        (where the foot's image path turns sharply;
        :func:`~gaitvision.kinematics.midstance.symmetric_contacts`).
    """

    def __init__(self, params: ContactParams | None = None, anchor: str = "to"):
        self.params = params or ContactParams()
        self.anchor = anchor

    def detect(self, bf: BodyFrame, visibility: np.ndarray, stride_s: float
               ) -> dict[str, list[Contact]]:
        """Stances of both feet."""
        mids = midstances(bf.t, bf.p, stride_s, self.params)
        if not mids:  # no pelvis bounce to go by: low and slow foot frames
            return {f: detect_contacts(bf.t, bf.p, visibility, f, self.params, side_view=False)
                    for f in SIDES}
        contacts = {f: frontal_contacts(bf.t, bf.p, visibility, f, mids, self.params)
                    for f in SIDES}
        return steady_contacts(bf.t, visibility, contacts, mids, self.anchor, self.params)

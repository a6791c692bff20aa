"""From a video file to the pose stage's product: one runner, final labels, cleaned.

The steps, each its own module and testable alone::

    estimate_pose -> keep_main_subject -> classify_view -> identity correction
        (:func:`label_track`) -> whole-leg repair, glitch bridging (:func:`finish_labels`)
        -> clean_track  =>  PoseProduct(labelled, cleaned, settings)
"""

from __future__ import annotations

import math
import os

from gaitvision.pose.blazepose import PoseSettings
from gaitvision.pose.cleaning import clean_track
from gaitvision.pose.estimate import estimate_pose
from gaitvision.pose.identity import correct_front_back_flips, correct_leg_swaps
from gaitvision.pose.legs import (
    CrossingOrderLabeller,
    MixedLegRelabeller,
    bridge_leg_glitches,
    repair_leg_swaps,
)
from gaitvision.pose.product import LabelSettings, PoseProduct, PoseStageSettings
from gaitvision.pose.subject import keep_main_subject
from gaitvision.pose.track import CleaningReport, PoseTrack, ViewEstimate
from gaitvision.pose.view import classify_view, facing_direction
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


def ensure_view(track: PoseTrack, view: str | None = None) -> ViewEstimate:
    """The track's view (classified when missing or overridden), with a side view's direction."""
    est = track.view
    if view is not None and (est is None or est.view != view):
        est = classify_view(track, override=view)
    if est is None:
        est = classify_view(track)
    if est.view == "side" and est.direction is None:
        est = ViewEstimate("side", facing_direction(track)[0], est.confidence, est.source)
    return est


def finish_labels(track: PoseTrack, labels: LabelSettings | None = None, *,
                  view: str | None = None) -> PoseTrack:
    """The final labels of a labelled track: whole legs exchanged back, glitches bridged.

    A track nobody has checked (``cleaning`` None, e.g. made by hand) first gets the
    rear/front flip check. Side view: whole legs whose labels the pose model swapped
    are exchanged back (:func:`~gaitvision.pose.legs.repair_leg_swaps`), mixed legs
    relabelled (:class:`~gaitvision.pose.legs.MixedLegRelabeller`), and labels the model
    held by image order through a crossing exchanged back by the legs' alternating
    order (:class:`~gaitvision.pose.legs.CrossingOrderLabeller`, which also
    interpolates over a unit's points collapsed together, counted as glitches; where the
    model's labels keep no identity at all, it names the legs by the near thigh's larger
    image size, the near leg being the side the runner faces in a non-mirrored video,
    or leaves them as given when that cue is weak); every view:
    leg points that jump off their own path for a few frames are interpolated over
    (:func:`~gaitvision.pose.legs.bridge_leg_glitches`). The counts go into
    ``cleaning.legs_relabelled`` and ``cleaning.glitches_bridged``.

    Returns
    -------
    PoseTrack
        A new track (the input is not modified) with ``view`` set.
    """
    labels = labels or LabelSettings()
    est = ensure_view(track, view)
    if track.cleaning is None and est.view != "side":
        track = correct_front_back_flips(track, est.view)
    n_unswapped = n_collapsed = 0
    identity = {}
    if est.view == "side":
        track, _, n_unswapped = repair_leg_swaps(track, track)
        track, n_mixed = MixedLegRelabeller().apply(track)
        order = CrossingOrderLabeller()
        track, n_order, n_collapsed = order.apply(track, facing=est.direction)
        n_unswapped += n_mixed + n_order
        identity = _identity_fields(order.identity)
    track, n_glitches = bridge_leg_glitches(track, labels.glitch_legs)
    n_glitches += n_collapsed
    track = track.copy()
    track.view = est
    report = track.cleaning or CleaningReport()
    track.cleaning = CleaningReport(**{**vars(report), "legs_relabelled": n_unswapped,
                                       "glitches_bridged": n_glitches, **identity})
    return track


def _identity_fields(evidence) -> dict:
    """The cleaning report's account of where the legs' names came from, when the
    model's labels carried no identity (``evidence`` set by the labeller)."""
    if evidence is None:
        return {}
    if evidence.sign == 0:
        return {"leg_identity_unknown": True}
    return {"leg_identity_from_size_pct": round(100 * math.expm1(abs(evidence.log_ratio)), 1)}


def make_product(labelled: PoseTrack, settings: PoseStageSettings | None = None, *,
                 view: str | None = None) -> PoseProduct:
    """:func:`finish_labels`, then :func:`~gaitvision.pose.cleaning.clean_track`.

    ``settings.cleaning`` None: nothing is cleaned, the cleaned track is the labelled one.
    """
    settings = settings or PoseStageSettings()
    final = finish_labels(labelled, settings.labels, view=view)
    cleaned = final if settings.cleaning is None else clean_track(final, settings.cleaning)
    return PoseProduct(final, cleaned, settings)


def prepare_track(raw: PoseTrack, *, view: str | None = None, direction: str | None = None,
                  settings: PoseStageSettings | None = None) -> PoseProduct:
    """:func:`label_track`, then :func:`make_product`."""
    labelled = label_track(raw, view=view, direction=direction)
    return make_product(labelled, settings)


def track_pose(
    path: str | os.PathLike,
    *,
    start_s: float | None = None,
    end_s: float | None = None,
    view: str | None = None,
    direction: str | None = None,
    workers: int | None = None,
    settings: PoseStageSettings | PoseSettings | None = None,
    use_cache: bool = True,
    progress: ProgressCallback | None = None,
    stats: list | None = None,
) -> PoseProduct:
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
    settings : PoseStageSettings, optional
        Pose model, labelling and cleaning settings (a bare ``PoseSettings`` sets the
        model only).
    use_cache : bool
    progress : callable, optional
        Receives ``("pose", fraction)``.
    stats : list, optional
        Receives a :class:`~gaitvision.pose.estimate.PoseRunStats`.

    Returns
    -------
    PoseProduct
        The labelled and the cleaned track, and the settings used.
    """
    if view is not None and view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    if isinstance(settings, PoseSettings):
        settings = PoseStageSettings(pose=settings)
    settings = settings or PoseStageSettings()
    raw = estimate_pose(path, start_s=start_s, end_s=end_s, workers=workers,
                        settings=settings.pose, use_cache=use_cache, progress=progress,
                        stats=stats)
    return prepare_track(raw, view=view, direction=direction, settings=settings)

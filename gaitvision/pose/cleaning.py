"""Cleaning a pose track: short-gap filling, outlier rejection, zero-lag low-pass,
and glitch bridging.

The maths is :mod:`gaitvision.signal`'s; here it is applied to every landmark of a
:class:`~gaitvision.pose.track.PoseTrack`. Gaps are filled only when short (a fraction
of a step): a longer gap would invent a footfall, so it stays missing and is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitvision.landmarks import INDEX
from gaitvision.pose.track import CleaningReport, PoseTrack
from gaitvision.signal import fill_gaps, glitches, hampel, lowpass, runs


@dataclass
class CleaningSettings:
    """Parameters of :func:`clean_track`.

    Attributes
    ----------
    max_gap_s : float
        Longest gap filled by interpolation (0.15 s: about half a running step).
    hampel_window_s : float
        Half-width of the Hampel window (0.1 s: 3 frames either side at 30 fps,
        the Sports2D window of 7).
    hampel_sigmas : float
        Outlier threshold in robust standard deviations.
    cutoff_hz : float
        Low-pass cut-off (Sports2D: 6 Hz).
    order : int
        Butterworth order of the *combined* forward-backward filter (4, as in Winter).
    """

    max_gap_s: float = 0.15
    hampel_window_s: float = 0.1
    hampel_sigmas: float = 3.0
    cutoff_hz: float = 6.0
    order: int = 4


def bridge_glitches(track: PoseTrack, landmarks, max_dev_px: float,
                    half_window_s: float = 0.05) -> tuple[PoseTrack, int]:
    """Interpolate over the :func:`glitches` of some landmarks; a new track and the count.

    The bridged samples keep their place in time, so events stay on the frame grid; they
    are interpolated from the good samples on either side (x and y; ``z`` and ``world``
    are left as they are).
    """
    out = track.copy()
    n = 0
    for j in landmarks:
        bad = glitches(track.xy[:, j], track.times, max_dev_px, half_window_s)
        good = np.flatnonzero(~bad & np.isfinite(track.xy[:, j, 0]))
        if not bad.any() or len(good) < 2:
            continue
        idx = np.flatnonzero(bad)
        for c in range(2):
            out.xy[idx, j, c] = np.interp(idx, good, track.xy[good, j, c])
        n += len(idx)
    return out, n


def clean_track(track: PoseTrack, settings: CleaningSettings | None = None) -> PoseTrack:
    """Fill short gaps, reject outliers and low-pass every landmark coordinate.

    Visibility of filled samples is set to 0 (so later stages know they were not
    seen); ``track.cleaning`` records what was done. Swap correction and view
    classification are separate steps (:mod:`gaitvision.pose.identity`,
    :mod:`gaitvision.pose.view`) that should run before this one.

    Returns
    -------
    PoseTrack
        A new, cleaned track; the input is not modified.
    """
    s = settings or CleaningSettings()
    out = track.copy()
    rep = CleaningReport(cutoff_hz=s.cutoff_hz)
    if track.cleaning is not None:  # what labelling did is kept
        rep.swaps_corrected = track.cleaning.swaps_corrected
        rep.other_person_frames = track.cleaning.other_person_frames
        rep.legs_relabelled = track.cleaning.legs_relabelled
        rep.glitches_bridged = track.cleaning.glitches_bridged
    fs = track.fps
    half = max(1, int(round(s.hampel_window_s * fs)))
    n_lm = track.xy.shape[1]
    filled_frames = np.zeros(track.n_frames, bool)
    for j in range(n_lm):
        series = np.concatenate([track.xy[:, j], track.z[:, j, None], track.world[:, j]], axis=1)
        series, filled = fill_gaps(series, track.times, s.max_gap_s)
        for a, b in filled:
            filled_frames[a:b] = True
            out.visibility[a:b, j] = 0.0
        for c in range(series.shape[1]):
            col, outliers = hampel(series[:, c], half, s.hampel_sigmas)
            if c < 2:
                rep.outliers_removed += int(outliers.sum())
            series[:, c] = lowpass(col, fs, s.cutoff_hz, s.order)
        out.xy[:, j] = series[:, :2]
        out.z[:, j] = series[:, 2]
        out.world[:, j] = series[:, 3:]
    missing = ~np.isfinite(out.xy[:, INDEX["left_hip"], 0])  # the runner's gaps
    rep.frames_filled = int(filled_frames.sum())
    rep.gaps_filled = len(runs(filled_frames))
    rep.long_gaps = [(int(a), int(b)) for a, b in runs(missing)]
    out.cleaning = rep
    return out

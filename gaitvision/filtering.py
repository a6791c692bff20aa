"""Cleaning a pose track: short-gap filling, outlier rejection, zero-lag low-pass.

Defaults follow the field (``../shared/reference/running-metrics.md``, "Filtering"):
Sports2D fills gaps, rejects outliers with a Hampel filter (window 7) and low-passes
with a 4th-order zero-lag Butterworth at 6 Hz. Every window and cut-off here is in
seconds or Hz, not frames, so 30 fps and 240 fps video behave alike. Gaps are filled
only when short (a fraction of a step): a longer gap would invent a footfall, so it
stays missing and is reported.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfiltfilt

from gaitvision.pose.track import CleaningReport, PoseTrack


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


def runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` index ranges where ``mask`` is True."""
    m = np.concatenate([[False], np.asarray(mask, bool), [False]])
    d = np.diff(m.astype(int))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def fill_gaps(values: np.ndarray, times: np.ndarray, max_gap_s: float) -> tuple[np.ndarray, list]:
    """Linearly interpolate NaN runs no longer than ``max_gap_s`` seconds.

    Parameters
    ----------
    values : ndarray, shape (T,) or (T, ...)
        Series with NaN for missing samples (NaN-ness judged on the first column).
    times : ndarray, shape (T,)
    max_gap_s : float

    Returns
    -------
    filled : ndarray
        A copy with short interior gaps filled; gaps at the ends stay missing.
    filled_runs : list of (start, end)
        The gaps that were filled.
    """
    out = np.array(values, dtype=float, copy=True)
    flat = out.reshape(len(out), -1)
    missing = ~np.isfinite(flat[:, 0])
    filled = []
    for a, b in runs(missing):
        if a == 0 or b == len(out):
            continue
        if times[b] - times[a - 1] > max_gap_s + 1e-9 + (times[a] - times[a - 1]):
            continue
        w = (times[a:b] - times[a - 1]) / (times[b] - times[a - 1])
        flat[a:b] = flat[a - 1] + w[:, None] * (flat[b] - flat[a - 1])
        filled.append((int(a), int(b)))
    return out, filled


def hampel(x: np.ndarray, half_window: int, sigmas: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Hampel filter: replace samples far from the moving median by that median.

    Parameters
    ----------
    x : ndarray, shape (T,)
        May contain NaN (ignored in the windows, left as NaN).
    half_window : int
        Samples each side.
    sigmas : float
        Threshold in robust SDs (1.4826 x median absolute deviation).

    Returns
    -------
    y : ndarray
        Filtered copy.
    outliers : ndarray of bool
        Where samples were replaced.
    """
    x = np.asarray(x, dtype=float)
    n = len(x)
    k = int(half_window)
    if n == 0 or k < 1:
        return x.copy(), np.zeros(n, bool)
    padded = np.pad(x, k, mode="constant", constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1)
    with np.errstate(all="ignore"), quiet_nan_warnings():
        med = np.nanmedian(windows, axis=1)
        mad = 1.4826 * np.nanmedian(np.abs(windows - med[:, None]), axis=1)
    out = np.abs(x - med) > sigmas * np.maximum(mad, 1e-9)
    out &= np.isfinite(x)
    y = x.copy()
    y[out] = med[out]
    return y, out


def glitches(xy: np.ndarray, times: np.ndarray, max_dev: float,
             half_window_s: float = 0.05) -> np.ndarray:
    """Samples of one keypoint that lie far off its own path: the model's glitches.

    Without its own smoothing, the pose model now and then puts a foot point on the
    other foot, or between the feet, for a frame or a few. Such a sample lies far from
    the moving median of its neighbours, while real motion does not: the median follows
    a monotonic path exactly and cuts a turning point only a little. Unlike
    :func:`hampel`, the threshold is a distance, not a multiple of the local spread,
    which the foot's own swing speed inflates. Glitch samples pull their neighbours'
    median too, so every sample is judged again against the median of the samples that
    passed the first look. A run of up to ``half_window_s`` is found.

    Parameters
    ----------
    xy : ndarray, shape (T, 2)
        Positions (NaN where missing).
    times : ndarray, shape (T,)
        Times, s.
    max_dev : float
        Largest believable distance from the moving median, in ``xy``'s unit.
    half_window_s : float
        Half-width of the moving median, s.

    Returns
    -------
    ndarray of bool, shape (T,)
    """
    xy = np.asarray(xy, dtype=float)
    dt = float(np.median(np.diff(times))) if len(times) > 1 else 1.0
    k = max(1, int(round(half_window_s / dt)))

    def deviation(series):
        padded = np.pad(series, ((k, k), (0, 0)), constant_values=np.nan)
        win = np.lib.stride_tricks.sliding_window_view(padded, 2 * k + 1, axis=0)
        with quiet_nan_warnings(), np.errstate(invalid="ignore"):
            return np.linalg.norm(xy - np.nanmedian(win, axis=-1), axis=1)

    first = deviation(xy) > max_dev
    with np.errstate(invalid="ignore"):
        return deviation(np.where(first[:, None], np.nan, xy)) > max_dev


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


@contextmanager
def quiet_nan_warnings():
    """Silence numpy's all-NaN warnings: missing frames are expected, not errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def lowpass(x: np.ndarray, fs: float, cutoff_hz: float, order: int = 4) -> np.ndarray:
    """Zero-lag Butterworth low-pass of each finite run of ``x``.

    The filter runs forward and backward (``sosfiltfilt``), which squares its
    response: a design of order ``order // 2`` gives the combined ``order``, and the
    design cut-off is divided by Winter's correction for two passes,
    ``(2**(1/2) - 1)**(1/4) = 0.802`` (Winter, Biomechanics and Motor Control of
    Human Movement), so the combined filter's -3 dB point falls at ``cutoff_hz``.
    Runs too short to filter are left as they are.

    Parameters
    ----------
    x : ndarray, shape (T,)
    fs : float
        Sampling rate in Hz.
    cutoff_hz : float
    order : int
        Order of the combined (two-pass) filter; even.
    """
    x = np.asarray(x, dtype=float)
    y = x.copy()
    nyquist = fs / 2
    design_cutoff = cutoff_hz / 0.802  # Winter: 0.802 = (2**(1/2) - 1) ** (1/4) for two passes
    if design_cutoff >= nyquist * 0.99:
        return y  # nothing above the cut-off can be represented at this frame rate
    sos = butter(max(1, order // 2), design_cutoff / nyquist, output="sos")
    padlen = 3 * (2 * len(sos) + 1)
    for a, b in runs(np.isfinite(x)):
        if b - a > padlen:
            y[a:b] = sosfiltfilt(sos, x[a:b], padlen=padlen)
    return y


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
    if track.cleaning is not None:
        rep.swaps_corrected = track.cleaning.swaps_corrected
        rep.other_person_frames = track.cleaning.other_person_frames
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
    missing = ~np.isfinite(out.xy[:, 23, 0])
    rep.frames_filled = int(filled_frames.sum())
    rep.gaps_filled = len(runs(filled_frames))
    rep.long_gaps = [(int(a), int(b)) for a, b in runs(missing)]
    out.cleaning = rep
    return out

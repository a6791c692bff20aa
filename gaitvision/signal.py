"""Signal maths at the bottom of the package: runs, gap filling, outliers, one low-pass.

Everything here works on plain arrays (no pose track, no gaitvision type), so every
stage can use it without import cycles. Every window and cut-off is in seconds or Hz,
not frames, so 30 fps and 240 fps video behave alike. The defaults follow the field
(the project's ``docs/metrics.md``, "Filtering"): Sports2D fills gaps, rejects outliers
with a Hampel filter (window 7) and low-passes with a 4th-order zero-lag Butterworth
(:func:`lowpass`, the one low-pass of the package).
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
from scipy.signal import butter, sosfiltfilt

#: Winter's correction of a Butterworth cut-off for a forward-backward pass:
#: ``(2**(1/2) - 1)**(1/4)`` (Winter, Biomechanics and Motor Control of Human Movement).
WINTER_TWO_PASS = 0.802


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
        med = _window_median(windows)
        mad = 1.4826 * _window_median(np.abs(windows - med[:, None]))
    out = np.abs(x - med) > sigmas * np.maximum(mad, 1e-9)
    out &= np.isfinite(x)
    y = x.copy()
    y[out] = med[out]
    return y, out


def _window_median(windows: np.ndarray) -> np.ndarray:
    """Median of each row, ignoring NaN (NaN where a row has none).

    Equal to ``np.nanmedian(windows, axis=1)`` bit for bit (the middle sample, or the
    mean of the middle two), which goes through masked arrays and was half of the pose
    cleaning's time.
    """
    ordered = np.sort(windows, axis=1)  # NaN sort last
    count = np.isfinite(windows).sum(axis=1)
    rows = np.arange(len(windows))
    lower = ordered[rows, np.maximum(count - 1, 0) // 2]
    upper = ordered[rows, np.maximum(count, 1) // 2 - (count == 0)]
    out = (lower + upper) / 2
    out[count == 0] = np.nan
    return out


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


@contextmanager
def quiet_nan_warnings():
    """Silence numpy's all-NaN warnings: missing frames are expected, not errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


@lru_cache(maxsize=64)
def _butterworth(order: int, normalised_cutoff: float) -> np.ndarray:
    """The filter design, kept: the cleaning filters some 200 series with one design
    (scipy's filters only read it)."""
    return butter(order, normalised_cutoff, output="sos")


def lowpass(x: np.ndarray, fs: float, cutoff_hz: float, order: int = 4, *,
            bridge_gaps: bool = False) -> np.ndarray:
    """Zero-lag Butterworth low-pass: the package's one low-pass filter.

    The filter runs forward and backward (``sosfiltfilt``), which squares its
    response: a design of order ``order // 2`` gives the combined ``order``, and the
    design cut-off is divided by Winter's correction for two passes (0.802,
    :data:`WINTER_TWO_PASS`), so the combined filter's -3 dB point falls at
    ``cutoff_hz``. A cut-off at or above the frame rate's Nyquist limit leaves ``x`` as
    it is (nothing above it can be represented).

    Parameters
    ----------
    x : ndarray, shape (T,)
        May contain NaN.
    fs : float
        Sampling rate in Hz.
    cutoff_hz : float
        -3 dB point of the combined filter, Hz.
    order : int
        Order of the combined (two-pass) filter; even.
    bridge_gaps : bool
        False: each finite run is filtered on its own, runs too short to filter are
        left as they are. True: gaps are bridged linearly and the whole series is
        filtered at once (a smooth trend for finding windows); NaN stay NaN.

    Returns
    -------
    ndarray, shape (T,)
    """
    x = np.asarray(x, dtype=float)
    y = x.copy()
    nyquist = fs / 2
    design_cutoff = cutoff_hz / WINTER_TWO_PASS
    if design_cutoff >= nyquist * 0.99:
        return y
    sos = _butterworth(max(1, order // 2), design_cutoff / nyquist)
    padlen = 3 * (2 * len(sos) + 1)
    ok = np.isfinite(x)
    if bridge_gaps:
        if ok.sum() < max(16, padlen + 1):
            return y
        y = sosfiltfilt(sos, np.interp(np.arange(len(x)), np.flatnonzero(ok), x[ok]))
        y[~ok] = np.nan
        return y
    for a, b in runs(ok):
        if b - a > padlen:
            y[a:b] = sosfiltfilt(sos, x[a:b], padlen=padlen)
    return y


# ------------------------------------------------------------------ sampled series
def at(t: np.ndarray, y: np.ndarray, when: float) -> float:
    """Linear interpolation of ``y`` at time ``when`` (NaN outside or next to a gap)."""
    i = int(np.searchsorted(t, when))
    if i <= 0 or i >= len(t):
        return float(y[0]) if i == 0 and len(t) and abs(t[0] - when) < 1e-9 else float("nan")
    y0, y1 = y[i - 1], y[i]
    if not (np.isfinite(y0) and np.isfinite(y1)):
        return float("nan")
    f = (when - t[i - 1]) / (t[i] - t[i - 1])
    return float(y0 + f * (y1 - y0))


def peak(t: np.ndarray, y: np.ndarray, t0: float, t1: float, sign: float = 1.0) -> float:
    """Largest (``sign`` = -1: smallest) value of ``y`` over [t0, t1], parabola-refined."""
    sel = np.flatnonzero((t >= t0) & (t <= t1))
    ends = [at(t, y, t0), at(t, y, t1)]
    cand = [sign * v for v in ends if np.isfinite(v)]
    if sel.size:
        ys = sign * y[sel]
        if np.isfinite(ys).any():
            k = int(sel[np.nanargmax(ys)])
            cand.append(_parabola_peak(t, sign * y, k, t0, t1))
    return sign * max(cand) if cand else float("nan")


def _parabola_peak(t: np.ndarray, y: np.ndarray, k: int, t0: float, t1: float) -> float:
    """The maximum of the parabola through samples k-1, k, k+1 when it lies in [t0, t1]."""
    best = y[k]
    if 0 < k < len(y) - 1 and np.isfinite(y[k - 1]) and np.isfinite(y[k + 1]):
        a, b, c = y[k - 1], y[k], y[k + 1]
        den = a - 2 * b + c
        if den < 0:
            off = 0.5 * (a - c) / den
            if abs(off) <= 1 and t0 <= t[k] + off * (t[k + 1] - t[k]) <= t1:
                best = b - 0.25 * (a - c) * off
    return best


def span_mean(t: np.ndarray, y: np.ndarray, t0: float, t1: float) -> float:
    """Time-weighted mean of ``y`` over [t0, t1] (trapezoid on the samples inside)."""
    sel = (t > t0) & (t < t1)
    tt = np.concatenate([[t0], t[sel], [t1]])
    yy = np.concatenate([[at(t, y, t0)], y[sel], [at(t, y, t1)]])
    ok = np.isfinite(yy)
    if ok.sum() < 2:
        return float("nan")
    yy, tt = yy[ok], tt[ok]
    return float(np.sum(0.5 * (yy[1:] + yy[:-1]) * np.diff(tt)) / (tt[-1] - tt[0]))


def frame_rate(times: np.ndarray, default: float = float("nan")) -> float:
    """Median frame rate (Hz) of sample times; ``default`` with fewer than two samples."""
    dt = np.diff(np.asarray(times, float))
    return float(1.0 / np.median(dt)) if dt.size else float(default)

"""Signal maths on series with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from gaitvision.signal import at, fill_gaps, hampel, lowpass, peak, span_mean


def test_6hz_cutoff_keeps_2hz_and_removes_15hz():
    fs = 120.0
    t = np.arange(0, 4, 1 / fs)
    slow, fast = np.sin(2 * np.pi * 2 * t), np.sin(2 * np.pi * 15 * t)
    core = slice(60, -60)  # away from the ends
    kept = lowpass(slow, fs, cutoff_hz=6.0)
    assert np.max(np.abs(kept[core] - slow[core])) < 0.01  # 2 Hz passes (within 1 %)
    removed = lowpass(fast, fs, cutoff_hz=6.0)
    assert np.max(np.abs(removed[core])) < 0.06  # 15 Hz is cut to under 6 % (-24 dB)
    both = lowpass(slow + fast, fs, cutoff_hz=6.0)
    assert np.std(both[core] - slow[core]) < 0.05


def test_cutoff_is_in_hz_whatever_the_frame_rate():
    for fs in (30.0, 60.0, 240.0):
        t = np.arange(0, 6, 1 / fs)
        x = np.sin(2 * np.pi * 2 * t) + 0.5 * np.sin(2 * np.pi * 12 * t)
        y = lowpass(x, fs, 6.0)
        core = slice(int(fs), -int(fs))
        resid = y[core] - np.sin(2 * np.pi * 2 * t[core])
        assert np.std(resid) < 0.05, fs


def test_combined_filter_is_3db_down_at_its_cutoff():
    fs = 240.0
    t = np.arange(0, 10, 1 / fs)
    y = lowpass(np.sin(2 * np.pi * 6 * t), fs, 6.0)
    gain = np.std(y[500:-500]) / np.std(np.sin(2 * np.pi * 6 * t[500:-500]))
    assert gain == pytest.approx(1 / np.sqrt(2), abs=0.02)


def test_hampel_replaces_a_spike_and_nothing_else():
    x = np.sin(np.linspace(0, 6, 200))
    x[100] += 5
    y, out = hampel(x, 3)
    assert out.sum() == 1 and out[100]
    assert y[100] == pytest.approx(np.sin(6 * 100 / 199), abs=0.05)


def test_hampel_moving_median_is_numpys_nan_median_exactly():
    """The fast window median (plain median on full windows, finite samples elsewhere)
    gives numpy's nanmedian bit for bit, gaps and clip ends included."""
    rng = np.random.default_rng(3)
    x = np.cumsum(rng.normal(size=300))
    x[rng.random(300) < 0.1] = np.nan
    x[100:110] = np.nan
    x[146:155] = np.arange(9.0)
    x[150] = 40.0
    k = 3
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x, k, constant_values=np.nan),
                                                       2 * k + 1)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        med = np.nanmedian(windows, axis=1)
        mad = 1.4826 * np.nanmedian(np.abs(windows - med[:, None]), axis=1)
    replaced = (np.abs(x - med) > 3 * np.maximum(mad, 1e-9)) & np.isfinite(x)
    y, out = hampel(x, k)
    np.testing.assert_array_equal(out, replaced)
    np.testing.assert_array_equal(y, np.where(replaced, med, x))
    assert out[150]


def test_short_gaps_are_filled_long_gaps_stay_missing():
    t = np.arange(100) / 30
    x = np.sin(t)
    x[10:13] = np.nan  # 0.1 s
    x[50:70] = np.nan  # 0.67 s
    y, filled = fill_gaps(x, t, max_gap_s=0.15)
    assert filled == [(10, 13)]
    assert np.all(np.isfinite(y[10:13])) and np.all(np.isnan(y[50:70]))
    np.testing.assert_allclose(y[10:13], np.sin(t[10:13]), atol=0.01)


def test_coarse_lowpass_bridges_gaps_and_keeps_nan():
    fs = 60.0
    t = np.arange(0, 3, 1 / fs)
    x = np.sin(2 * np.pi * 1.5 * t)
    x[50:55] = np.nan
    y = lowpass(x, fs, 6.0, bridge_gaps=True)
    assert np.isnan(y[50:55]).all() and np.isfinite(y[:50]).all()
    assert np.max(np.abs(y[10:45] - x[10:45])) < 0.02


def test_at_peak_span_on_a_parabola():
    t = np.linspace(0, 1, 11)
    y = 1 - (t - 0.53) ** 2
    assert at(t, y, 0.25) == pytest.approx(np.interp(0.25, t, y))
    assert np.isnan(at(t, y, 1.5))
    assert peak(t, y, 0.0, 1.0) == pytest.approx(1.0, abs=1e-9)  # parabola-refined
    assert span_mean(t, np.ones_like(t), 0.1, 0.9) == pytest.approx(1.0)

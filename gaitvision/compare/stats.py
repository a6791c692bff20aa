"""Is a difference between two sessions real? Two tests, both must say yes.

1. **Beyond the measurement's own error between sessions**: where the literature gives a
   smallest detectable difference (SDD) for the 2D measure, the difference must exceed
   it. Only contralateral pelvic drop has one in the project's literature page:
   2.7-2.8 deg over 7 steps (Dingenen et al. 2018, Phys Ther Sport 33:40); the larger
   bound is used.
2. **Beyond the stride-to-stride scatter of both sessions**: Welch's unequal-variance
   t-test on the per-stride values (Welch 1947, Biometrika 34:28), two-sided, with
   Holm's step-down correction over all rows of the table (Holm 1979, Scand J Stat 6:65)
   at a family-wise alpha of 0.05, so that a table of 15 metrics does not "find" a
   change by chance.

"No real change" is a result: it means the difference is inside what the two sessions'
own scatter (and the SDD) allow, not that the runner is the same.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy import stats as sps

#: Smallest detectable differences from the literature, in the metric's unit.
SDD: dict[str, tuple[float, str]] = {
    "pelvic_drop_peak_deg": (2.8, "Dingenen et al. 2018, Phys Ther Sport 33:40 "
                                  "(2D SDD 2.7-2.8 deg over 7 steps)"),
}
ALPHA = 0.05
MIN_STRIDES = 3  #: per session and row, for a t-test worth stating

REAL, NONE, BELOW_SDD, TOO_FEW = "real change", "no real change", "below the SDD", "too few strides"
#: A metric measured once per clip (e.g. camera roll): nothing to test its difference with.
ONE_VALUE = "one value per clip: not tested"


@dataclass
class RowComparison:
    """One metric (and side) of the compare table."""

    name: str
    label: str
    unit: str
    side: str            #: "both", "left" or "right"
    a: float | None      #: session A's summary mean, as its metrics.json holds it
    b: float | None
    diff: float | None   #: b - a
    n_a: int
    n_b: int
    p_value: float | None = None     #: Welch, uncorrected
    p_holm: float | None = None      #: Holm-adjusted
    sdd: float | None = None
    sdd_source: str = ""
    verdict: str = TOO_FEW
    excluded: str = ""   #: why the row is not judged (unreliable summary ...)

    @property
    def real(self) -> bool:
        return self.verdict == REAL

    def to_dict(self) -> dict:
        d = asdict(self)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k, v in d.items()}


def welch_p(a: np.ndarray, b: np.ndarray) -> float | None:
    """Two-sided Welch t-test p-value; None when either sample is too small.

    Two samples without any scatter: p = 1 when their means agree, 0 when they differ.
    """
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if a.size < MIN_STRIDES or b.size < MIN_STRIDES:
        return None
    if np.ptp(a) == 0 and np.ptp(b) == 0:
        return 1.0 if a[0] == b[0] else 0.0
    return float(sps.ttest_ind(a, b, equal_var=False).pvalue)


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm step-down adjusted p-values (None entries are skipped)."""
    idx = sorted((i for i, p in enumerate(p_values) if p is not None), key=lambda i: p_values[i])
    m = len(idx)
    out: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, i in enumerate(idx):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        out[i] = running
    return out


def judge(rows: list[RowComparison]) -> None:
    """Fill ``p_holm`` and ``verdict`` of every row in place."""
    adjusted = holm([r.p_value if not r.excluded else None for r in rows])
    for row, p in zip(rows, adjusted):
        row.p_holm = p
        if row.excluded or p is None or row.diff is None:
            row.verdict = ("not judged" if row.excluded else
                           ONE_VALUE if row.n_a == 0 and row.n_b == 0 else TOO_FEW)
            continue
        significant = p < ALPHA
        if row.sdd is not None and abs(row.diff) <= row.sdd:
            row.verdict = BELOW_SDD if significant else NONE
        else:
            row.verdict = REAL if significant else NONE

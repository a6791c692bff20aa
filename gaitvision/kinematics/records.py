"""Value types of a gait analysis: events, strides, statistics, summaries, quality, curves.

Each type converts to and from the plain JSON of ``metrics.json`` (schema
``gaitvision.metrics/1``, see :mod:`gaitvision.kinematics.analysis`). Values are
rounded for display by :func:`round_metric`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

import numpy as np

N_CURVE = 101  #: samples of a normalised curve, 0..100 % of the gait cycle
SIDES = ("left", "right")
FLAGS = ("within", "outside", "no_norm", "insufficient", "unreliable")


def unit_decimals(unit: str) -> int:
    """Decimals of a value of ``unit``, from the metric registry (2 for other units)."""
    from gaitvision.kinematics.reference import UNIT_DECIMALS  # the registry imports this module

    return UNIT_DECIMALS.get(unit, 2)


def round_metric(value: float | None, unit: str) -> float | None:
    """Round a value for display and for ``metrics.json``: decimals by unit.

    The decimals are the registry's (:data:`gaitvision.kinematics.reference.UNIT_DECIMALS`:
    deg 1, ms 0, spm 1, % 1, cm 1, leg lengths 3, shoulder widths 2, others 2); NaN and
    None give None.
    """
    if value is None or not math.isfinite(float(value)):
        return None
    return round(float(value), unit_decimals(unit))



# --------------------------------------------------------------------------- events
@dataclass
class GaitEvent:
    """One initial contact (``"IC"``) or toe-off (``"TO"``) of one foot.

    ``frame`` is fractional: the source-video frame number interpolated at ``time_s``
    (equal to the track's row index when the clip was not trimmed). ``inferred`` is
    True when the event was not seen (hidden foot) and was placed from the other foot's
    timing instead.
    """

    foot: str
    type: str
    time_s: float
    frame: float
    inferred: bool = False


@dataclass
class GaitEvents:
    """All events of a clip, sorted by time."""

    events: list[GaitEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.events.sort(key=lambda e: e.time_s)

    def __iter__(self):
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)

    def select(self, foot: str | None = None, type: str | None = None) -> list[GaitEvent]:
        """Events of one foot and/or type, in time order."""
        return [e for e in self.events
                if (foot is None or e.foot == foot) and (type is None or e.type == type)]

    def times(self, foot: str, type: str) -> np.ndarray:
        """Times (s) of one foot's events of one type."""
        return np.array([e.time_s for e in self.select(foot, type)], dtype=float)

    @property
    def n_inferred(self) -> int:
        """How many events were inferred rather than seen."""
        return sum(e.inferred for e in self.events)

    def to_list(self) -> list[dict]:
        """JSON form: a list of event dicts."""
        return [asdict(e) for e in self.events]

    @classmethod
    def from_list(cls, items: list[dict]) -> GaitEvents:
        """Inverse of :meth:`to_list`."""
        return cls([GaitEvent(**d) for d in items])


# --------------------------------------------------------------------------- strides
@dataclass
class StrideRecord:
    """One stride of one side: from an IC to the next IC of the same foot.

    ``to_s`` is the toe-off inside the stride; ``metrics`` maps metric NAME (as in
    ``metrics.json``) to this stride's value (``NaN`` when it could not be measured).
    ``excluded`` names the reason when the stride is left out of the summaries.
    """

    side: str
    index: int
    start_s: float
    end_s: float
    to_s: float
    start_frame: float
    end_frame: float
    inferred: bool = False
    excluded: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    mid_s: float = float("nan")  #: midstance: stance ankle under the mid-hip, else (IC+TO)/2

    @property
    def duration_s(self) -> float:
        """Stride time in seconds."""
        return self.end_s - self.start_s

    def to_dict(self, units: dict[str, str] | None = None) -> dict:
        """JSON form (NaN as None); metric values rounded by ``units[name]``."""
        units = units or {}
        d = asdict(self)
        d["duration_s"] = self.duration_s
        d["metrics"] = {k: round_metric(v, units.get(k, "")) for k, v in self.metrics.items()}
        return {k: _num(v) if isinstance(v, float) else v for k, v in d.items()}

    @classmethod
    def from_dict(cls, d: dict) -> StrideRecord:
        """Inverse of :meth:`to_dict`."""
        kw = {f.name: d[f.name] for f in fields(cls) if f.name in d}
        for k in ("start_s", "end_s", "to_s", "start_frame", "end_frame", "mid_s"):
            kw[k] = _flt(kw.get(k))
        kw["metrics"] = {k: _flt(v) for k, v in d.get("metrics", {}).items()}
        return cls(**kw)


# --------------------------------------------------------------------------- summaries
@dataclass
class Stats:
    """Mean, SD (ddof=1; NaN for one value), median and count of finite values."""

    mean: float
    sd: float
    median: float
    n: int

    @classmethod
    def of(cls, values) -> Stats | None:
        """Statistics of the finite entries of ``values``; None when there are none."""
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            return None
        sd = float(np.std(v, ddof=1)) if v.size > 1 else float("nan")
        return cls(float(np.mean(v)), sd, float(np.median(v)), int(v.size))

    @classmethod
    def harmonic(cls, values) -> Stats | None:
        """Like :meth:`of`, but the mean is the harmonic mean (for rates)."""
        st = cls.of(values)
        if st is None:
            return None
        v = np.asarray(values, dtype=float)
        v = v[np.isfinite(v) & (v != 0)]
        if v.size:
            st.mean = float(v.size / np.sum(1.0 / v))
        return st

    def to_dict(self, unit: str = "") -> dict:
        """JSON form, rounded for the unit (:func:`round_metric`)."""
        return {"mean": round_metric(self.mean, unit), "sd": round_metric(self.sd, unit),
                "median": round_metric(self.median, unit), "n": self.n}

    @classmethod
    def from_dict(cls, d: dict | None) -> Stats | None:
        """Inverse of :meth:`to_dict`."""
        if d is None:
            return None
        return cls(_flt(d["mean"]), _flt(d["sd"]), _flt(d["median"]), int(d["n"]))


@dataclass
class Reference:
    """A metric's reference values: ``range`` (lo, hi) when the literature gives one."""

    range: tuple[float, float] | None
    text: str
    source: str

    def to_dict(self) -> dict:
        """JSON form."""
        return {"range": None if self.range is None else list(self.range),
                "text": self.text, "source": self.source}

    @classmethod
    def from_dict(cls, d: dict) -> Reference:
        """Inverse of :meth:`to_dict`."""
        r = d.get("range")
        return cls(None if r is None else (float(r[0]), float(r[1])), d["text"], d["source"])


@dataclass
class MetricSummary:
    """One metric over the clip, per side and both sides pooled, with its finding.

    ``flag`` judges the pooled mean against the reference range (``"within"``,
    ``"outside"``, ``"no_norm"`` where the literature has no validated range,
    ``"insufficient"`` where there are no values); ``flags`` does the same per side.
    ``asymmetry`` is ``{"diff": left - right, "pct": 100 * (left - right) / mean(|left|, |right|)}``
    of the side means, or None.
    """

    name: str
    label: str
    unit: str
    left: Stats | None
    right: Stats | None
    both: Stats | None
    reference: Reference
    finding: str
    flag: str
    flags: dict[str, str] = field(default_factory=dict)
    asymmetry: dict[str, float] | None = None
    definition: str = ""

    def to_dict(self) -> dict:
        """JSON form (the value of ``summary[NAME]`` in ``metrics.json``)."""
        return {
            "label": self.label, "unit": self.unit, "definition": self.definition,
            "left": _st(self.left, self.unit), "right": _st(self.right, self.unit),
            "both": _st(self.both, self.unit),
            "reference": self.reference.to_dict(), "finding": self.finding,
            "flag": self.flag, "flags": dict(self.flags),
            "asymmetry": None if self.asymmetry is None
            else {"diff": round_metric(self.asymmetry.get("diff"), self.unit),
                  "pct": round_metric(self.asymmetry.get("pct"), "%")},
        }

    @classmethod
    def from_dict(cls, name: str, d: dict) -> MetricSummary:
        """Inverse of :meth:`to_dict`."""
        asym = d.get("asymmetry")
        return cls(
            name=name, label=d.get("label", name), unit=d["unit"],
            left=Stats.from_dict(d.get("left")), right=Stats.from_dict(d.get("right")),
            both=Stats.from_dict(d.get("both")), reference=Reference.from_dict(d["reference"]),
            finding=d["finding"], flag=d["flag"], flags=dict(d.get("flags", {})),
            asymmetry=None if asym is None else {k: _flt(v) for k, v in asym.items()},
            definition=d.get("definition", ""),
        )


# --------------------------------------------------------------------------- quality
@dataclass
class Quality:
    """How far the numbers can be trusted; stated in the report's data-quality section."""

    strides_left: int = 0
    strides_right: int = 0
    confidence_left: float = float("nan")   #: mean visibility of the leg landmarks
    confidence_right: float = float("nan")
    inferred_events: int = 0
    hidden_leg: str | None = None           #: side whose leg was mostly not seen
    camera_roll_deg: float | None = None    #: rear view: estimated camera roll
    tilt_suspected: bool = False
    too_few_strides: bool = False           #: fewer than 7 strides on a side (Dingenen 2018)
    walking_detected: bool = False
    excluded_strides: int = 0
    detection_rate: float = float("nan")
    fps: float = float("nan")
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON form."""
        return {k: _num(v) if isinstance(v, float) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict) -> Quality:
        """Inverse of :meth:`to_dict`."""
        kw = {f.name: d[f.name] for f in fields(cls) if f.name in d}
        for k in ("confidence_left", "confidence_right", "detection_rate", "fps"):
            if k in kw:
                kw[k] = _flt(kw[k])
        return cls(**kw)


# --------------------------------------------------------------------------- curves
@dataclass
class Curves:
    """Curves normalised to 0-100 % of the gait cycle (IC to next IC of the same foot).

    ``per_stride[name][side]`` is an array (n_strides, 101); row ``i`` belongs to the
    side's ``i``-th included stride in :attr:`GaitAnalysis.strides`. ``units[name]`` is
    the curve's unit and ``to_pct[side]`` the mean toe-off instant in % of the cycle.
    """

    per_stride: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    to_pct: dict[str, float] = field(default_factory=dict)

    @property
    def pct(self) -> np.ndarray:
        """The 101 cycle positions 0, 1, ..., 100 %."""
        return np.linspace(0.0, 100.0, N_CURVE)

    def mean(self, name: str, side: str) -> np.ndarray:
        """Mean curve (NaN where no stride has a value)."""
        return _nanstat(self.per_stride[name][side], np.nanmean)

    def sd(self, name: str, side: str) -> np.ndarray:
        """SD curve across strides."""
        return _nanstat(self.per_stride[name][side], np.nanstd)

    def to_json_dict(self) -> dict:
        """Mean/SD per curve and side for ``metrics.json``."""
        out: dict = {"pct": self.pct.tolist(), "to_pct": {k: _num(v) for k, v in
                                                         self.to_pct.items()}}
        for name, sides in self.per_stride.items():
            out[name] = {"unit": self.units.get(name, "")}
            for side, arr in sides.items():
                out[name][side] = {"mean": _lst(self.mean(name, side)),
                                   "sd": _lst(self.sd(name, side)), "n": int(len(arr))}
        return out


# --------------------------------------------------------------------------- helpers
def _num(v):
    """JSON-safe float: NaN/inf -> None."""
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _flt(v) -> float:
    return float("nan") if v is None else float(v)


def _lst(a: np.ndarray) -> list:
    return [_num(round(float(x), 4)) for x in a]


def _st(s: Stats | None, unit: str = "") -> dict | None:
    return None if s is None else s.to_dict(unit)


def _nanstat(arr: np.ndarray, fn) -> np.ndarray:
    arr = np.asarray(arr, dtype=float)
    if arr.ndim != 2 or arr.shape[0] == 0:
        return np.full(N_CURVE, np.nan)
    ok = np.isfinite(arr).any(axis=0)
    out = np.full(arr.shape[1], np.nan)
    if ok.any():
        out[ok] = fn(arr[:, ok], axis=0)
    return out

"""The metric registry: every metric's description, in one place, and its finding in words.

:data:`METRICS` (NAME -> :class:`MetricDef`, in display order) is the only place a
metric is described: label, unit, definition, reference values and source, the
physiological plausibility gate applied per stride, decimals, importance for the
report's findings, the charts, key-frame captions and headline lists it appears in,
and the views that measure it. The report, the web app and ``metrics.json`` derive
from it (:func:`chart_metrics`, :func:`keyframe_captions`, :data:`IMPORTANCE`,
:data:`HEADLINE_METRICS`, :data:`UNIT_DECIMALS`). Adding a metric is one entry here
plus its computation in a view.

Reference values and sources are those of the project's metric reference
(``docs/metrics.md``). A metric gets a ``range`` only where the literature gives
numbers to compare with; the flag is then ``"within"`` or ``"outside"``. Where it has
no validated cut-off the flag is ``"no_norm"`` and the finding is descriptive.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from gaitvision.kinematics.records import MetricSummary, Reference, Stats, round_metric

MIN_STRIDES = 7  #: per side, for a stable average (Dingenen 2018, Phys Ther Sport 33:40)

#: Decimals by unit: the default of a metric of that unit (every metric of a unit must
#: use the same decimals, so a value rounds the same wherever it is shown).
_UNIT_DEFAULT_DECIMALS = {"deg": 1, "ms": 0, "spm": 1, "%": 1, "cm": 1, "leg lengths": 3,
                          "shoulder widths": 2}


@dataclass(frozen=True)
class KeyFrameCaption:
    """Where a metric's per-stride value is printed on the report's key frames."""

    view: str   #: "side" or "rear"
    phase: str  #: "IC", "midstance" or "TO"
    label: str  #: the caption's words (metrics with the same label: the first present wins)
    rank: int = 0  #: position among the phase's values


@dataclass(frozen=True)
class MetricDef:
    """Everything about one metric, except how it is computed (that is the view's job).

    Attributes
    ----------
    name, label, unit, definition : str
        NAME as in ``metrics.json``, the words shown, the unit, what is measured.
    reference : Reference
        Reference range (or None), its words and source.
    low, high, within : str
        What a value under / over / within the range is associated with.
    typical : float or None
        A typical value to compare with when there is no range.
    words : (str, str)
        How a value under / over reads ("lower", "higher").
    range_word : str
        What the range is ("typical", "elite-runner range", ...).
    gate : (float, float) or None
        Physiological plausibility range of one stride's value, in the metric's unit: a
        stride outside it cannot be a real running stride (a crossed leg, a missed
        event) and is left out of the summaries. None: no per-stride gate.
    order : int
        Display position (set from the position in :data:`METRICS`).
    importance : int or None
        Rank among the report's findings (0 first); None: not a headline finding.
    decimals : int
        Decimals of the value in ``metrics.json``, the PDF, the web and key frames.
    charts : dict of str to int
        Charts the metric appears in (``"trend"``, ``"left_right"``) and its priority
        there (lower first; ties in display order).
    keyframe : KeyFrameCaption or None
        Its line on a key frame's caption.
    headline : bool
        Shown in the web app's history list.
    views : tuple of str
        Views whose summary holds it ("side", "rear").
    """

    name: str
    label: str
    unit: str
    definition: str
    reference: Reference
    low: str = ""
    high: str = ""
    typical: float | None = None
    words: tuple[str, str] = ("lower", "higher")
    range_word: str = "typical"
    within: str = ""
    gate: tuple[float, float] | None = None
    order: int = 0
    importance: int | None = None
    decimals: int = 2
    charts: dict[str, int] = field(default_factory=dict, hash=False)
    keyframe: KeyFrameCaption | None = None
    headline: bool = False
    views: tuple[str, ...] = ("side",)


def _d(name, label, unit, definition, rng, text, source, **kw) -> MetricDef:
    kw.setdefault("decimals", _UNIT_DEFAULT_DECIMALS.get(unit, 2))
    return MetricDef(name, label, unit, definition, Reference(rng, text, source), **kw)


def _kf(view: str, phase: str, label: str, rank: int = 0) -> KeyFrameCaption:
    return KeyFrameCaption(view, phase, label, rank)


BOTH = ("side", "rear")
REAR = ("rear",)
BRAMAH = "Bramah et al. 2018, Am J Sports Med 46:3023"
LIEBERMAN = "Lieberman et al. 2015, J Exp Biol 218:3406"
DOCS = "gaitvision docs/metrics.md"
# Gates (per stride, physiological plausibility, not norms): knee flexion at IC -5..50
# and tibia angle at IC -25..35 deg as in issue 11. The others are set wide of what
# treadmill running shows in the literature of docs/metrics.md (contact time about
# 250 ms, flight near 100 ms, cadence 155-203 spm in elite runners, vertical
# oscillation 3-15 cm, trunk lean 7 +- 4 deg, peak knee flexion in stance about 36-45
# deg, pelvic drop a few degrees): about twice the observed span, so that only values
# no running stride can have (a crossed leg, a missed or doubled event) are caught.
_METRIC_LIST = (
    _d("cadence_spm", "Cadence", "spm", "steps per minute, from the mean stride time",
       (155.0, 203.0), "about 170 spm is metabolically optimal at 3.0 m/s; elite runners "
       "about 155-203 spm; 180 is not a universal target",
       f"{LIEBERMAN}; Heiderscheit et al. 2011, MSSE 43:296",
       low="a 5-10 % higher step rate reduces the load on the knee (Heiderscheit 2011)",
       high="a high step rate with short steps; fine if it feels natural",
       range_word="elite-runner range",
       within="about 170 spm is optimal at 3 m/s, and 180 is no universal target",
       gate=(110.0, 250.0), importance=2, charts={"trend": 0}, headline=True, views=BOTH),
    _d("step_time_ms", "Step time", "ms",
       "IC of this foot to the next IC of the other foot (its contact plus the flight after it)",
       None, "no reference; compare left with right", "definition",
       gate=(240.0, 550.0),  # 60000 / the cadence gate
       charts={"left_right": 11}, keyframe=_kf("rear", "IC", "step time", 1), views=BOTH),
    _d("contact_time_ms", "Ground contact time", "ms", "IC to TO of the same foot",
       None, "about 240-250 ms in recreational runners; not related to running economy",
       f"{DOCS} (Gait events)", typical=245.0, words=("shorter", "longer"),
       gate=(80.0, 500.0), importance=7, charts={"trend": 0, "left_right": 2},
       keyframe=_kf("side", "TO", "contact", 1), headline=True),
    _d("flight_time_ms", "Flight time", "ms", "TO of this foot to IC of the other foot",
       None, "a run has a flight phase (positive); a walk has none", "definition",
       # slow runners can run with almost no flight ("grounded running"); a few frames of
       # overlap are measurement, more is not a running stride
       gate=(-50.0, 250.0), charts={"left_right": 12}),
    _d("duty_factor_pct", "Duty factor", "%", "contact time / stride time",
       None, "under 50 % in running (flight phase), 50 % or more in walking", "definition",
       gate=(15.0, 60.0), importance=13),
    _d("knee_flexion_ic_deg", "Knee flexion at contact", "deg",
       "180 deg minus the hip-knee-ankle angle at IC; + when bent",
       (15.0, 25.0), "about 21 deg at IC on a level treadmill", BRAMAH,
       low="a straighter knee at landing was seen in injured runners (Bramah 2018)",
       high="a softer, more bent landing", words=("straighter", "more bent"),
       gate=(-5.0, 50.0), importance=1, charts={"trend": 0, "left_right": 0},
       keyframe=_kf("side", "IC", "knee flexion", 0), headline=True),
    _d("knee_flexion_stance_peak_deg", "Peak knee flexion in stance", "deg",
       "largest knee flexion between IC and TO (thigh from the hip joint centre)", None,
       "about 36 deg peak in stance on a level treadmill", BRAMAH, typical=36.0,
       words=("less flexed", "more flexed"),
       gate=(10.0, 75.0), charts={"left_right": 6},
       keyframe=_kf("side", "midstance", "peak knee flexion", 0)),
    _d("hip_extension_peak_deg", "Peak hip extension (thigh vs vertical)", "deg",
       "largest angle of the thigh (hip joint centre->knee) behind vertical in the stride; "
       "2D clinical measure, not true hip extension (thigh vs pelvis)", None,
       "no validated injury cut-off; less leg extension at toe-off goes with better economy",
       "Souza lab peak thigh extension; Moore 2016",
       gate=(-15.0, 50.0), importance=8, charts={"trend": 0, "left_right": 1},
       keyframe=_kf("side", "TO", "peak hip extension (thigh vs vertical)", 0)),
    _d("hip_extension_vs_trunk_peak_deg", "Peak hip extension (thigh vs trunk)", "deg",
       "largest angle of the thigh behind the trunk line in the stride (both from the hip "
       "joint centre)", None,
       "no validated cut-off; the hip keypoint sits 30-50 mm from the joint centre",
       "Moore 2016; Needham et al. 2021, Sci Rep 11:20673", gate=(-15.0, 60.0)),
    _d("tibia_angle_ic_deg", "Tibia angle at contact", "deg",
       "shank (knee->ankle) vs vertical at IC; + when the ankle is ahead of the knee",
       None, "a near-vertical shank at landing is advised; descriptive", LIEBERMAN,
       gate=(-25.0, 35.0), importance=5, charts={"left_right": 5},
       keyframe=_kf("side", "IC", "tibia", 1)),
    _d("overstride_leg_lengths", "Overstride", "leg lengths",
       "heel ahead of the mid-hip (joint centres) at IC, horizontal, / leg length "
       "(hip-knee-ankle)", None,
       "braking scales with how far ahead of the hip the foot lands; no validated cut-off",
       LIEBERMAN, gate=(-0.25, 0.6), importance=4, charts={"trend": 0, "left_right": 4},
       keyframe=_kf("side", "IC", "overstride", 3), headline=True),
    _d("overstride_cm", "Overstride", "cm", "heel ahead of the mid-hip (joint centres) at IC, "
       "horizontal; leg length taken as 0.491 x height (Winter)", None,
       "braking scales with how far ahead of the hip the foot lands; no validated cut-off",
       LIEBERMAN, gate=(-25.0, 55.0), importance=3, charts={"trend": 0, "left_right": 3},
       keyframe=_kf("side", "IC", "overstride", 2)),
    _d("foot_strike_angle_deg", "Foot-strike angle", "deg",
       "sole line (heel->toe) vs belt at IC minus its angle at midstance; + toe up", None,
       "rearfoot above 7.4 deg, forefoot below -0.8 deg, midfoot between; about 70-94 % of "
       "recreational runners are rearfoot strikers", "Mo et al. 2021, Res Sports Med",
       gate=(-30.0, 40.0), importance=10, charts={"left_right": 7},
       keyframe=_kf("side", "IC", "foot strike", 4)),
    _d("trunk_lean_deg", "Trunk lean", "deg",
       "trunk (mid-hip joint centre->mid-shoulder) vs vertical, mean over the stride; + "
       "forward", None,
       "7.3 +- 3.6 deg self-selected at 3.4 m/s; descriptive",
       "Teng & Powers 2014, JOSPT", typical=7.3, words=("more upright", "leaning more"),
       gate=(-15.0, 35.0), importance=9, charts={"trend": 0},
       keyframe=_kf("side", "midstance", "trunk lean", 1)),
    _d("vertical_oscillation_leg_lengths", "Vertical oscillation", "leg lengths",
       "vertical range of the pelvis over the step that starts at this foot's IC, read "
       "below the ears along the head-trunk line (the hip keypoints ride on the thighs)",
       None,
       "typically 3-15 cm (about 0.035-0.17 leg lengths)", f"{DOCS} (Side view)",
       gate=(0.01, 0.3)),
    _d("vertical_oscillation_cm", "Vertical oscillation", "cm",
       "vertical range of the pelvis over the step, read below the ears along the "
       "head-trunk line; leg length 0.491 x height (Winter)",
       (3.0, 15.0), "typically 3-15 cm; 6-8 cm economical in one study",
       f"{DOCS} (Side view)", low="a very flat run", high="a bouncy run: energy "
       "goes into moving up and down",
       gate=(1.0, 25.0), importance=11, charts={"left_right": 13},
       keyframe=_kf("side", "midstance", "vertical oscillation", 2)),
    _d("pelvic_drop_peak_deg", "Contralateral pelvic drop", "deg",
       "hip line vs horizontal at its deepest in each stance, + when the swing side is lower; "
       "keyed by the stance side", None,
       "strongest discriminator of injured runners (each extra degree raised the odds of the "
       "injured class by 80 %); 2D smallest detectable difference about 2.7-2.8 deg",
       f"{BRAMAH}; Dingenen et al. 2018, Phys Ther Sport 33:40",
       gate=(-15.0, 25.0), importance=0, charts={"trend": 0, "left_right": 8},
       keyframe=_kf("rear", "midstance", "peak pelvic drop"), headline=True, views=REAR),
    _d("arm_crossover_shoulder_widths", "Arm crossover", "shoulder widths",
       "how far the wrist passes the body midline (mid-hip->mid-shoulder line), peak per "
       "stride, / shoulder width; + when it crosses; keyed by arm", None,
       "no validated definition or norm; descriptive", f"{DOCS} (Rear view)",
       gate=(-1.5, 1.5), importance=12, charts={"trend": 0, "left_right": 9},
       keyframe=_kf("rear", "TO", "arm crossover"), views=REAR),
    _d("arm_crossover_at_least_shoulder_widths", "Arm crossover, at least", "shoulder widths",
       "lower bound of the arm crossover per stride: the value where the wrist is seen at its "
       "innermost point; where it is hidden behind the torso (from behind), as far in as "
       "its elbow; keyed by arm", None,
       "no validated definition or norm; descriptive", f"{DOCS} (Rear view)",
       gate=(-1.5, 1.5), views=REAR),
    _d("arm_crossover_at_most_shoulder_widths", "Arm crossover, at most", "shoulder widths",
       "upper bound of the arm crossover per stride: the value where the wrist is seen at its "
       "innermost point; where it is hidden, no farther in than one forearm length from its "
       "elbow (a forearm's image is never longer than the forearm); keyed by arm", None,
       "no validated definition or norm; descriptive", f"{DOCS} (Rear view)",
       gate=(-1.5, 1.5), views=REAR),
    _d("arm_crossover_strides_pct", "Strides with arm crossover", "%",
       "share of strides in which the wrist crosses the midline; keyed by arm", None,
       "no validated definition or norm; descriptive", f"{DOCS} (Rear view)", views=REAR),
    _d("step_width_leg_lengths", "Foot placement from midline", "leg lengths",
       "ankle's lateral distance from the mid-hip at IC, + on its own side; negative = the "
       "foot lands across the midline (cross-over gait)", None,
       "the cross-over sign is seen in about 30 % of healthy runners; linked with tibial "
       "stress and ITB problems", "Iskandar 2023; Souza 2016",
       gate=(-0.35, 0.35), importance=6, charts={"trend": 0, "left_right": 10},
       keyframe=_kf("rear", "IC", "step width", 0), views=REAR),
    _d("camera_roll_deg", "Camera roll", "deg",
       "tilt of the camera about its lens axis, from the trunk's mean frontal-plane axis; "
       "+ counter-clockwise on screen", (-2.0, 2.0),
       "a tilted camera biases pelvic drop directly; level the camera",
       f"{DOCS} (Rear view, camera level)",
       low="the camera is tilted", high="the camera is tilted", range_word="acceptable",
       views=()),  # summarised by the rear view from the whole clip, not per stride
)
#: NAME -> MetricDef, in display order.
METRICS: dict[str, MetricDef] = {m.name: replace(m, order=i) for i, m in enumerate(_METRIC_LIST)}


def register(metric: MetricDef) -> MetricDef:
    """Add (or replace) a metric in :data:`METRICS`, at the end of the display order.

    The derived lists (:data:`SIDE_METRICS`, :data:`REAR_METRICS`, ...) are module
    constants computed at import; code that must see a metric registered later reads
    :func:`view_metrics` and the other functions instead.
    """
    old = METRICS.get(metric.name)
    order = old.order if old is not None else max((m.order for m in METRICS.values()), default=-1) + 1
    METRICS[metric.name] = replace(metric, order=order)
    return METRICS[metric.name]


def unregister(name: str) -> None:
    """Remove a metric added by :func:`register` (tests)."""
    METRICS.pop(name, None)


def metric_view(view: str) -> str:
    """The metric set a view measures: ``"side"``, or ``"rear"`` for both frontal-plane
    views (a front view measures the rear view's metrics, mirrored)."""
    return "side" if view == "side" else "rear"


def view_metrics(view: str) -> tuple[str, ...]:
    """NAMEs summarised by a view ("side", "rear" or "front"), in display order."""
    view = metric_view(view)
    return tuple(n for n, m in METRICS.items() if view in m.views)


def importance_order() -> list[str]:
    """NAMEs that make headline findings, most important first."""
    ranked = [m for m in METRICS.values() if m.importance is not None]
    return [m.name for m in sorted(ranked, key=lambda m: (m.importance, m.order))]


def chart_metrics(chart: str, view: str | None = None) -> list[str]:
    """NAMEs shown in a chart (``"trend"``, ``"left_right"``), in priority order.

    ``view`` keeps the metrics that view summarises.
    """
    view = None if view is None else metric_view(view)
    ms = [m for m in METRICS.values() if chart in m.charts and (view is None or view in m.views)]
    return [m.name for m in sorted(ms, key=lambda m: (m.charts[chart], m.order))]


def keyframe_captions(view: str) -> dict[str, list[tuple[str, str, int]]]:
    """Per phase, the ``(NAME, label, decimals)`` printed on a key frame of ``view``."""
    out: dict[str, list[tuple[MetricDef, KeyFrameCaption]]] = {}
    view = metric_view(view)
    for m in METRICS.values():
        if m.keyframe is not None and m.keyframe.view == view:
            out.setdefault(m.keyframe.phase, []).append((m, m.keyframe))
    return {phase: [(m.name, k.label, m.decimals) for m, k in
                    sorted(items, key=lambda mk: (mk[1].rank, mk[0].order))]
            for phase, items in out.items()}


def headline_metrics() -> tuple[str, ...]:
    """NAMEs of the web app's history list, in display order."""
    return tuple(n for n, m in METRICS.items() if m.headline)


def unit_decimals() -> dict[str, int]:
    """Decimals by unit, from the registry (for :func:`~.records.round_metric`)."""
    out = dict(_UNIT_DEFAULT_DECIMALS)
    out.update({m.unit: m.decimals for m in METRICS.values()})
    return out


class LiveNames(Sequence):
    """A tuple of metric NAMEs recomputed from :data:`METRICS` on every use, so that a
    metric registered later (:func:`register`) shows up in every derived list."""

    def __init__(self, compute: Callable[[], Sequence[str]]):
        self._compute = compute

    def __getitem__(self, i):
        return tuple(self._compute())[i]

    def __len__(self) -> int:
        return len(tuple(self._compute()))

    def __repr__(self) -> str:
        return repr(tuple(self._compute()))


class LiveMapping(Mapping):
    """A mapping recomputed from :data:`METRICS` on every use (see :class:`LiveNames`)."""

    def __init__(self, compute: Callable[[], Mapping]):
        self._compute = compute

    def __getitem__(self, key):
        return self._compute()[key]

    def __iter__(self):
        return iter(self._compute())

    def __len__(self) -> int:
        return len(self._compute())


#: Display order of every metric.
METRIC_ORDER = LiveNames(lambda: list(METRICS))
SIDE_METRICS = LiveNames(lambda: view_metrics("side"))
#: Contact time, flight time and duty factor are side-view measures: from behind the toe's
#: lift-off is seen poorly (on the rendered rear clip contacts came out 110 ms short), so
#: they stay in the per-stride data but are not summarised.
REAR_METRICS = LiveNames(lambda: view_metrics("rear"))
IMPORTANCE = LiveNames(importance_order)
HEADLINE_METRICS = LiveNames(headline_metrics)
UNIT_DECIMALS = LiveMapping(unit_decimals)


def _fmt(v: float, unit: str) -> str:
    r = round_metric(v, unit)
    d = UNIT_DECIMALS.get(unit, 2)
    return f"{r:.{d}f}" if r is not None else "n/a"


def flag_of(m: MetricDef, st: Stats | None) -> str:
    """``within`` / ``outside`` / ``no_norm`` / ``insufficient`` for one set of values."""
    if st is None:
        return "insufficient"
    if m.reference.range is None:
        return "no_norm"
    lo, hi = m.reference.range
    return "within" if lo <= st.mean <= hi else "outside"


def strike_class(angle_deg: float) -> str:
    """Foot-strike class from the strike angle (Mo et al. 2021 thresholds)."""
    if angle_deg > 7.4:
        return "rearfoot"
    if angle_deg < -0.8:
        return "forefoot"
    return "midfoot"


def finding(m: MetricDef, left: Stats | None, right: Stats | None, both: Stats | None,
            strides_per_side: dict[str, int], extra: str = "") -> str:
    """A plain-words finding for one metric."""
    if both is None:
        return f"{m.label}: not measured (no usable strides)."
    u = "" if m.unit in ("%",) else " "
    unit = m.unit
    val = f"{_fmt(both.mean, unit)}{u}{unit}"
    if left is not None and right is not None:
        val += (f" (left {_fmt(left.mean, unit)}, right {_fmt(right.mean, unit)})")
    text = f"{m.label} {val}"
    ref = m.reference
    if ref.range is not None:
        lo, hi = ref.range
        span = f"{_fmt(lo, unit)}-{_fmt(hi, unit)}{u}{unit}"
        if both.mean < lo:
            text += f": {m.words[0]} than the {span} {m.range_word}"
            text += f"; {m.low}" if m.low else ""
        elif both.mean > hi:
            text += f": {m.words[1]} than the {span} {m.range_word}"
            text += f"; {m.high}" if m.high else ""
        else:
            text += f": within the {span} {m.range_word}"
            text += f"; {m.within}" if m.within else ""
    elif m.typical is not None:
        # No validated range: the flag is "no_norm", so the finding gives the typical
        # value to compare with but passes no verdict ("longer than ...") on it.
        text += f"; typical about {_fmt(m.typical, unit)}{u}{unit} ({ref.text})"
    else:
        text += f" ({ref.text})"
    if extra:
        text += f"; {extra}"
    text += f" [{ref.source}]."
    few = [s for s, n in strides_per_side.items() if n < MIN_STRIDES]
    if few:
        n = min(strides_per_side[s] for s in few)
        text = (f"Indicative only: {n} strides on the {' and '.join(few)} side "
                f"({MIN_STRIDES} recommended, Dingenen 2018). " + text)
    return text


def summarize(name: str, values: dict[str, list[float]], strides_per_side: dict[str, int],
              extra: str = "", harmonic: bool = False,
              means: dict[str, float] | None = None) -> MetricSummary:
    """Stats, flag, asymmetry and finding of one metric from its per-stride values.

    ``harmonic``: the mean is the harmonic mean (for rates such as cadence, so that the
    mean is steps over total time, not the average of per-stride rates). ``means``
    replaces the mean of ``"left"``, ``"right"`` or ``"both"`` by a better estimate
    (e.g. cadence from a fit of all event times).
    """
    m = METRICS[name]
    stat = Stats.harmonic if harmonic else Stats.of
    left, right = stat(values.get("left", [])), stat(values.get("right", []))
    both = stat(list(values.get("left", [])) + list(values.get("right", []))
                + list(values.get("both", [])))
    for key, st in (("left", left), ("right", right), ("both", both)):
        if means and st is not None and np.isfinite(means.get(key, np.nan)):
            st.mean = float(means[key])
    asym = None
    if left is not None and right is not None:
        diff = left.mean - right.mean
        scale = (abs(left.mean) + abs(right.mean)) / 2
        asym = {"diff": diff, "pct": 100 * diff / scale if scale > 1e-9 else float("nan")}
    flags = {s: flag_of(m, st) for s, st in (("left", left), ("right", right))}
    return MetricSummary(
        name=name, label=m.label, unit=m.unit, left=left, right=right, both=both,
        reference=m.reference, finding=finding(m, left, right, both, strides_per_side, extra),
        flag=flag_of(m, both), flags=flags, asymmetry=asym, definition=m.definition)

"""Every metric's name, unit, definition and reference values, and its finding in words.

Reference values and sources come from ``running-metrics.md`` (the project's
literature page). A metric gets a ``range`` only where that page gives numbers to
compare with; the flag is then ``"within"`` or ``"outside"``. Where the literature
has no validated cut-off the flag is ``"no_norm"`` and the finding is descriptive.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitvision.kinematics.records import _DECIMALS, MetricSummary, Reference, Stats, round_metric

MIN_STRIDES = 7  #: per side, for a stable average (Dingenen 2018, Phys Ther Sport 33:40)


@dataclass(frozen=True)
class MetricDef:
    """A metric's identity and what to compare it with."""

    name: str
    label: str
    unit: str
    definition: str
    reference: Reference
    low: str = ""   #: what a value under the range is associated with
    high: str = ""  #: what a value over the range is associated with
    typical: float | None = None  #: a typical value to compare with when there is no range
    words: tuple[str, str] = ("lower", "higher")  #: how a value under / over reads
    range_word: str = "typical"  #: what the range is ("typical", "elite-runner range", ...)
    within: str = ""  #: what to add when the value is within the range


def _d(name, label, unit, definition, rng, text, source, low="", high="", typical=None,
       words=("lower", "higher"), range_word="typical", within=""):
    return MetricDef(name, label, unit, definition, Reference(rng, text, source), low, high,
                     typical, words, range_word, within)


BRAMAH = "Bramah et al. 2018, Am J Sports Med 46:3023"
METRICS: dict[str, MetricDef] = {m.name: m for m in (
    _d("cadence_spm", "Cadence", "spm", "steps per minute, from the mean stride time",
       (155.0, 203.0), "about 170 spm is metabolically optimal at 3.0 m/s; elite runners "
       "about 155-203 spm; 180 is not a universal target",
       "Lieberman et al. 2015, J Exp Biol 218:3406; Heiderscheit et al. 2011, MSSE 43:296",
       low="a 5-10 % higher step rate reduces the load on the knee (Heiderscheit 2011)",
       high="a high step rate with short steps; fine if it feels natural",
       range_word="elite-runner range",
       within="about 170 spm is optimal at 3 m/s, and 180 is no universal target"),
    _d("step_time_ms", "Step time", "ms",
       "IC of this foot to the next IC of the other foot (its contact plus the flight after it)",
       None, "no reference; compare left with right", "definition"),
    _d("contact_time_ms", "Ground contact time", "ms", "IC to TO of the same foot",
       None, "about 240-250 ms in recreational runners; not related to running economy",
       "running-metrics.md (Gait events, Side view)", typical=245.0,
       words=("shorter", "longer")),
    _d("flight_time_ms", "Flight time", "ms", "TO of this foot to IC of the other foot",
       None, "a run has a flight phase (positive); a walk has none", "definition"),
    _d("duty_factor_pct", "Duty factor", "%", "contact time / stride time",
       None, "under 50 % in running (flight phase), 50 % or more in walking", "definition"),
    _d("knee_flexion_ic_deg", "Knee flexion at contact", "deg",
       "180 deg minus the hip-knee-ankle angle at IC; + when bent",
       (15.0, 25.0), "about 21 deg at IC on a level treadmill", BRAMAH,
       low="a straighter knee at landing was seen in injured runners (Bramah 2018)",
       high="a softer, more bent landing", words=("straighter", "more bent")),
    _d("knee_flexion_stance_peak_deg", "Peak knee flexion in stance", "deg",
       "largest knee flexion between IC and TO", None,
       "about 36 deg peak in stance on a level treadmill", BRAMAH, typical=36.0,
       words=("less flexed", "more flexed")),
    _d("hip_extension_peak_deg", "Peak hip extension (thigh vs vertical)", "deg",
       "largest angle of the thigh (hip->knee) behind vertical in the stride; 2D "
       "clinical measure, not true hip extension (thigh vs pelvis)", None,
       "no validated injury cut-off; less leg extension at toe-off goes with better economy",
       "Souza lab peak thigh extension; Moore 2016"),
    _d("hip_extension_vs_trunk_peak_deg", "Peak hip extension (thigh vs trunk)", "deg",
       "largest angle of the thigh behind the trunk line in the stride", None,
       "no validated cut-off; the hip keypoint sits 30-50 mm from the joint centre",
       "Moore 2016; Needham et al. 2021, Sci Rep 11:20673"),
    _d("tibia_angle_ic_deg", "Tibia angle at contact", "deg",
       "shank (knee->ankle) vs vertical at IC; + when the ankle is ahead of the knee",
       None, "a near-vertical shank at landing is advised; descriptive",
       "Lieberman et al. 2015, J Exp Biol 218:3406"),
    _d("overstride_leg_lengths", "Overstride", "leg lengths",
       "heel ahead of the mid-hip at IC, horizontal, / leg length (hip-knee-ankle)", None,
       "braking scales with how far ahead of the hip the foot lands; no validated cut-off",
       "Lieberman et al. 2015, J Exp Biol 218:3406"),
    _d("overstride_cm", "Overstride", "cm", "heel ahead of the mid-hip at IC, horizontal; "
       "leg length taken as 0.491 x height (Winter)", None,
       "braking scales with how far ahead of the hip the foot lands; no validated cut-off",
       "Lieberman et al. 2015, J Exp Biol 218:3406"),
    _d("foot_strike_angle_deg", "Foot-strike angle", "deg",
       "sole line (heel->toe) vs belt at IC minus its angle at midstance; + toe up", None,
       "rearfoot above 7.4 deg, forefoot below -0.8 deg, midfoot between; about 70-94 % of "
       "recreational runners are rearfoot strikers", "Mo et al. 2021, Res Sports Med"),
    _d("trunk_lean_deg", "Trunk lean", "deg",
       "trunk (mid-hip->mid-shoulder) vs vertical, mean over the stride; + forward", None,
       "7.3 +- 3.6 deg self-selected at 3.4 m/s; descriptive",
       "Teng & Powers 2014, JOSPT", typical=7.3, words=("more upright", "leaning more")),
    _d("vertical_oscillation_leg_lengths", "Vertical oscillation", "leg lengths",
       "vertical range of the mid-hip over the step that starts at this foot's IC", None,
       "typically 3-15 cm (about 0.035-0.17 leg lengths)", "running-metrics.md (Side view)"),
    _d("vertical_oscillation_cm", "Vertical oscillation", "cm",
       "vertical range of the mid-hip over the step; leg length 0.491 x height (Winter)",
       (3.0, 15.0), "typically 3-15 cm; 6-8 cm economical in one study",
       "running-metrics.md (Side view)", low="a very flat run", high="a bouncy run: energy "
       "goes into moving up and down"),
    _d("pelvic_drop_peak_deg", "Contralateral pelvic drop", "deg",
       "hip line vs horizontal at its deepest in each stance, + when the swing side is lower; "
       "keyed by the stance side", None,
       "strongest discriminator of injured runners (each extra degree raised the odds of the "
       "injured class by 80 %); 2D smallest detectable difference about 2.7-2.8 deg",
       f"{BRAMAH}; Dingenen et al. 2018, Phys Ther Sport 33:40"),
    _d("arm_crossover_shoulder_widths", "Arm crossover", "shoulder widths",
       "how far the wrist passes the body midline (mid-hip->mid-shoulder line), peak per "
       "stride, / shoulder width; + when it crosses; keyed by arm", None,
       "no validated definition or norm; descriptive", "running-metrics.md (Rear view)"),
    _d("arm_crossover_strides_pct", "Strides with arm crossover", "%",
       "share of strides in which the wrist crosses the midline; keyed by arm", None,
       "no validated definition or norm; descriptive", "running-metrics.md (Rear view)"),
    _d("step_width_leg_lengths", "Foot placement from midline", "leg lengths",
       "ankle's lateral distance from the mid-hip at IC, + on its own side; negative = the "
       "foot lands across the midline (cross-over gait)", None,
       "the cross-over sign is seen in about 30 % of healthy runners; linked with tibial "
       "stress and ITB problems", "Iskandar 2023; Souza 2016"),
    _d("camera_roll_deg", "Camera roll", "deg",
       "tilt of the camera about its lens axis, from the trunk's mean frontal-plane axis; "
       "+ counter-clockwise on screen", (-2.0, 2.0),
       "a tilted camera biases pelvic drop directly; level the camera",
       "running-metrics.md (Rear view, Camera level)",
       low="the camera is tilted", high="the camera is tilted", range_word="acceptable"),
)}

SIDE_METRICS = (
    "cadence_spm", "step_time_ms", "contact_time_ms", "flight_time_ms", "duty_factor_pct",
    "knee_flexion_ic_deg", "knee_flexion_stance_peak_deg", "hip_extension_peak_deg",
    "hip_extension_vs_trunk_peak_deg", "tibia_angle_ic_deg", "overstride_leg_lengths",
    "overstride_cm", "foot_strike_angle_deg", "trunk_lean_deg",
    "vertical_oscillation_leg_lengths", "vertical_oscillation_cm",
)
#: Contact time, flight time and duty factor are side-view measures: from behind the toe's
#: lift-off is seen poorly (on the rendered rear clip contacts came out 110 ms short), so
#: they stay in the per-stride data but are not summarised.
REAR_METRICS = (
    "cadence_spm", "step_time_ms",
    "pelvic_drop_peak_deg", "arm_crossover_shoulder_widths", "arm_crossover_strides_pct",
    "step_width_leg_lengths",
)

def _fmt(v: float, unit: str) -> str:
    r = round_metric(v, unit)
    d = _DECIMALS.get(unit, 2)
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
        rel = m.words[1] if both.mean > m.typical else m.words[0]
        text += f": {rel} than the typical {_fmt(m.typical, unit)}{u}{unit} ({ref.text})"
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

"""The plain summary: at most three points in plain words, each with what it means and a
cue or drill, each tied to the metric whose finding it summarises.

Only metrics whose summary is judged against a published range and found ``outside``
it give a point, most important first (the registry's order); a summary flagged
``unreliable`` (or with too few values) never does. When nothing is outside its range
that is said, plainly, as the one point.
"""

from __future__ import annotations

from dataclasses import dataclass

from gaitvision.kinematics.records import MetricSummary
from gaitvision.kinematics.reference import METRICS

MAX_POINTS = 3
UNRELIABLE = "unreliable"

#: (metric, "low"/"high") -> (headline, what it means, cue or drill). Sources in the
#: registry's reference of the same metric.
CUES: dict[tuple[str, str], tuple[str, str, str]] = {
    ("cadence_spm", "low"): (
        "Your step rate is on the low side.",
        "Fewer, longer steps mean more load on the knee and hip at every landing.",
        "Try 5-10 % quicker steps: a metronome app a few beats above your cadence for "
        "5 minutes of each easy run."),
    ("cadence_spm", "high"): (
        "Your step rate is high.",
        "Many short steps; fine if it feels natural and relaxed.",
        "No change needed; keep it relaxed rather than forced."),
    ("knee_flexion_ic_deg", "low"): (
        "You land with a fairly straight knee.",
        "A straighter knee at landing was seen more often in injured runners; the knee "
        "absorbs less of the impact.",
        "Cue 'land soft and quiet': let the knee give as the foot touches down; slightly "
        "quicker steps make this easier."),
    ("knee_flexion_ic_deg", "high"): (
        "You land with a well-bent knee.",
        "A soft landing; it can cost a little extra effort at higher bends.",
        "No change needed unless running feels heavy; then think 'tall hips'."),
    ("vertical_oscillation_cm", "high"): (
        "You bounce up and down a lot.",
        "Energy goes into moving up and down instead of forward.",
        "Cue 'run low and quiet': push the ground back, not down; 3 x 20 s of quick, "
        "light steps as a drill."),
    ("vertical_oscillation_cm", "low"): (
        "Your run is very flat.",
        "Very little up and down; usually fine.",
        "No change needed."),
    ("camera_roll_deg", "low"): (
        "The camera was tilted.",
        "A tilted camera makes the pelvis look as if it drops more on one side.",
        "Level the phone (a spirit-level app helps) and film again before judging the pelvis."),
    ("camera_roll_deg", "high"): (
        "The camera was tilted.",
        "A tilted camera makes the pelvis look as if it drops more on one side.",
        "Level the phone (a spirit-level app helps) and film again before judging the pelvis."),
}


@dataclass
class PlainPoint:
    """One point of the plain summary."""

    metric: str      #: metric NAME whose finding this summarises ("" for the all-clear)
    view: str
    headline: str
    meaning: str
    cue: str


def _direction(ms: MetricSummary) -> str | None:
    rng = ms.reference.range
    mean = ms.both.mean if ms.both is not None else None
    if mean is None:
        means = [s.mean for s in (ms.left, ms.right) if s is not None]
        mean = sum(means) / len(means) if means else None
    if rng is None or mean is None:
        return None
    return "low" if mean < rng[0] else "high" if mean > rng[1] else None


def _point(ms: MetricSummary, view: str, direction: str) -> PlainPoint:
    cue = CUES.get((ms.name, direction))
    if cue is None:
        md = METRICS.get(ms.name)
        meaning = (md.low if direction == "low" else md.high) if md else ""
        word = (md.words[0] if direction == "low" else md.words[1]) if md else direction
        cue = (f"Your {ms.label.lower()} is {word} than the typical range.",
               meaning or "Outside the range the literature reports.",
               "Talk it through with your coach before changing anything.")
    return PlainPoint(ms.name, view, *cue)


def plain_summary(summaries: dict[str, dict[str, MetricSummary]]) -> list[PlainPoint]:
    """At most three points from ``{view: {name: MetricSummary}}``, most important first."""
    order = list(METRICS)
    candidates = []
    for view, by_name in summaries.items():
        for name, ms in by_name.items():
            if ms.flag != "outside":
                continue  # within / no_norm / insufficient / unreliable never give a point
            direction = _direction(ms)
            if direction:
                rank = order.index(name) if name in order else len(order)
                candidates.append((rank, _point(ms, view, direction)))
    candidates.sort(key=lambda c: c[0])
    points = [p for _, p in candidates[:MAX_POINTS]]
    if not points and any(summaries.values()):
        points = [PlainPoint("", "", "Nothing stands out.",
                             "Every measure that has a published range is inside it.",
                             "Film the same way again in a few weeks and use Compare to see "
                             "whether anything changes.")]
    return points


def pdf_section(views, st) -> list:
    """Flowables for the top of the PDF report: "In plain words", each point naming the
    finding below it that it summarises. ``views`` are (GaitAnalysis, folder) pairs."""
    from reportlab.platypus import Paragraph, Spacer

    from gaitvision.report.pdf_sections import esc

    points = plain_summary({a.view: a.summary for a, _ in views})
    if not points:
        return []
    out = [Paragraph("In plain words", st["h2"])]
    for i, p in enumerate(points, 1):
        label = ""
        for a, _ in views:
            if p.metric in a.summary:
                label = f" <i>(see the finding: {esc(a.summary[p.metric].label)})</i>"
        out.append(Paragraph(f"{i}. <b>{esc(p.headline)}</b> {esc(p.meaning)} "
                             f"<b>Try:</b> {esc(p.cue)}{label}", st["body"]))
    out.append(Spacer(1, 3))
    return out

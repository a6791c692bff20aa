"""History: analyses grouped by runner, filtered, searched and sorted; per-runner trends.

A runner is the name as entered at upload (compared case- and space-insensitively);
analyses without a name form their own group.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gaitvision.kinematics.reference import METRICS
from gaitvision.web.results import fmt_value, unit_text
from gaitvision.web.store import DONE, Job
from gaitvision.web.worker import HEADLINE_METRICS

NO_NAME = "(no name)"
SORTS = {"newest": lambda j: -j.created, "oldest": lambda j: j.created,
         "runner": lambda j: (runner_key(j.runner_name) or "\uffff", -j.created)}


def runner_key(name: str | None) -> str:
    """The grouping key of a runner name: case and spacing do not matter."""
    return " ".join((name or "").split()).casefold()


def clip_names(job: Job) -> str:
    return ", ".join(str(i.get("name") or i["view"]) for i in job.inputs)


def headline_cells(job: Job) -> list[dict]:
    """The job's headline numbers, each exactly as its metrics.json holds it."""
    cells = []
    for name in HEADLINE_METRICS:
        h = job.headline.get(name)
        if not h:
            continue
        if "both" in h:
            value = fmt_value(h["both"])
        else:
            value = " / ".join(f"{s[0].upper()} {fmt_value(h[s])}" for s in ("left", "right")
                               if s in h)
        label = METRICS[name].label if name in METRICS else name
        cells.append({"label": label, "value": value, "unit": unit_text(h.get("unit", ""))})
    return cells


def matches(job: Job, query: str, status: str, runner: str) -> bool:
    """True when the job passes the search text, status filter and runner filter."""
    if status and job.status != status:
        return False
    if runner and runner_key(job.runner_name) != runner_key(runner):
        return False
    if query:
        text = " ".join([job.runner_name or "", clip_names(job), job.notes or "",
                         " ".join(job.views)]).casefold()
        return all(word in text for word in query.casefold().split())
    return True


@dataclass
class RunnerGroup:
    """One runner's analyses, newest first, with the trend of the headline metrics."""

    name: str
    jobs: list[Job] = field(default_factory=list)
    trend: list[dict] = field(default_factory=list)


def group_by_runner(jobs: list[Job]) -> list[RunnerGroup]:
    groups: dict[str, RunnerGroup] = {}
    for job in jobs:
        key = runner_key(job.runner_name)
        group = groups.setdefault(key, RunnerGroup(name=job.runner_name or NO_NAME))
        group.jobs.append(job)
    for group in groups.values():
        group.trend = runner_trend(group.jobs)
    return list(groups.values())


def runner_trend(jobs: list[Job]) -> list[dict]:
    """Per headline metric: the pooled (or left/right mean) value of each finished session,
    oldest first; only metrics seen in two or more sessions."""
    done = sorted((j for j in jobs if j.status == DONE), key=lambda j: j.created)
    trend = []
    for name in HEADLINE_METRICS:
        points = []
        for job in done:
            h = job.headline.get(name) or {}
            value = h.get("both")
            if value is None and "left" in h and "right" in h:
                value = (h["left"] + h["right"]) / 2
            if value is not None:
                points.append({"job": job.id, "created": job.created, "value": value,
                               "text": fmt_value(round(value, 3))})
        if len(points) >= 2:
            unit = unit_text((done[-1].headline.get(name) or {}).get("unit", ""))
            trend.append({"name": name, "label": METRICS[name].label if name in METRICS
                          else name, "unit": unit, "points": points,
                          "spark": sparkline([p["value"] for p in points])})
    return trend


def sparkline(values: list[float], width: int = 120, height: int = 28) -> str:
    """SVG polyline points of a small trend line (CSP-safe inline SVG, no script)."""
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    n = len(values)
    pts = [(4 + (width - 8) * (i / (n - 1) if n > 1 else 0.5),
            height - 4 - (height - 8) * (v - lo) / span) for i, v in enumerate(values)]
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)


def previous_session(job: Job, jobs: list[Job]) -> Job | None:
    """The same runner's most recent finished analysis before ``job``."""
    key = runner_key(job.runner_name)
    if not key:
        return None
    earlier = [j for j in jobs if j.id != job.id and j.status == DONE
               and runner_key(j.runner_name) == key and j.created < job.created]
    return max(earlier, key=lambda j: j.created, default=None)

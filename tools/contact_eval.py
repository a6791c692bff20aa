"""Side-view contact detectors against synthetic truth: event errors and contact/flight time.

    .venv/bin/python tools/contact_eval.py CLIP.mp4 [CLIP2.mp4 ...] [--detector NAME ...]
        [--exact] [--tracks DIR]

For each clip (its ``.truth.json`` beside it) and each detector named (``belt``:
:class:`~gaitvision.kinematics.detectors.BeltContactDetector`; ``departure``:
:class:`~gaitvision.kinematics.foot_contacts.DepartureContactDetector`; ``departure-ic``:
the same with IC fitted as a departure too), prints the
signed IC and TO errors (ms; each true event against the nearest detected one of the
same foot, events within 0.2 s of the clip's ends skipped) and the pipeline's contact
time, flight time and duty factor per side against the truth (``tests/side_truth.py``).
``--exact`` uses the truth's own joint pixels as keypoints (a perfect detector) instead
of BlazePose. Ends with the mean per detector over the clips. Nothing here feeds back
into the pipeline.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.side_truth import SIDES, load_side_truth  # noqa: E402
from tests.truth_track import truth_track  # noqa: E402

MISSED_MS = 100.0  #: an event further than this from any detected one is missed
TIMING = ("contact_time_ms", "flight_time_ms", "duty_factor_pct")


def detectors() -> dict:
    """Detector classes by name."""
    import functools

    from gaitvision.kinematics.detectors import BeltContactDetector
    from gaitvision.kinematics.foot_contacts import DepartureContactDetector

    return {"belt": BeltContactDetector, "departure": DepartureContactDetector,
            "departure-ic": functools.partial(DepartureContactDetector, ic_departure=True)}


def analyse(track, detector_cls, height_cm: float, exact: bool):
    """The side-view analysis of ``track`` with ``detector_cls`` as the view's detector."""
    from gaitvision.kinematics import analyze_gait, views
    from gaitvision.pose.cleaning import clean_track
    from gaitvision.pose.tracking import label_track

    original = views.SideView.detector
    views.SideView.detector = lambda self, treadmill: detector_cls(self.contact_params,
                                                                    belt=treadmill)
    try:
        if exact:
            return analyze_gait(clean_track(track), raw=track, height_cm=height_cm)
        labelled = label_track(track)
        return analyze_gait(clean_track(labelled), raw=labelled, height_cm=height_cm)
    finally:
        views.SideView.detector = original


def event_errors(analysis, truth: dict, kind: str) -> list[float]:
    """Signed error (ms) of each true event against the nearest detected one, same foot."""
    out = []
    for s in truth["strides"]:
        t_true = s["ic_s" if kind == "IC" else "to_s"]
        if t_true < 0.2 or t_true > truth["clip"]["duration_s"] - 0.2:
            continue
        found = np.array([e.time_s for e in analysis.events
                          if e.foot == s["side"] and e.type == kind])
        err = 1000 * float(found[np.argmin(abs(found - t_true))] - t_true) if found.size else 1e9
        out.append(err if abs(err) < MISSED_MS else np.nan)
    return out


def score(clip: Path, name: str, cls, exact: bool, tracks: Path | None) -> dict:
    """Event errors and timing metrics of one clip with one detector."""
    from tools.side_eval import raw_track

    truth = json.loads(clip.with_suffix(".truth.json").read_text())
    side_truth = load_side_truth(clip.with_suffix(".truth.json"))
    track = truth_track(clip, truth) if exact else raw_track(clip, tracks)
    a = analyse(track, cls, 100 * side_truth.stature_m, exact)
    row = {"IC": event_errors(a, truth, "IC"), "TO": event_errors(a, truth, "TO")}
    for m in TIMING:
        row[m] = {s: a.value(m, s) - side_truth.get(m, s) for s in SIDES}
    return row


def print_row(clip: str, name: str, row: dict) -> None:
    ic, to = np.array(row["IC"]), np.array(row["TO"])
    timing = "  ".join(f"{m.split('_')[0]} " + "/".join(f"{row[m][s]:+6.1f}" for s in SIDES)
                       for m in TIMING)
    ev = "  ".join(f"{k} {np.nanmean(e):+6.1f} ({np.nanmax(np.abs(e)):5.1f}, "
                   f"{int(np.isnan(e).sum())} missed)" for k, e in (("IC", ic), ("TO", to)))
    print(f"{clip:38s} {name:12s} {ev}  {timing}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--detector", action="append", help="belt, departure, departure-ic (default: all)")
    ap.add_argument("--exact", action="store_true", help="the truth's joint pixels as keypoints")
    ap.add_argument("--tracks", type=Path, help="folder of saved raw tracks (read/written)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a detector parameter (float), for every detector named")
    ap.add_argument("--without-identity", action="store_true",
                    help="no near-leg cue in the side-view labels (as before it, for comparison)")
    args = ap.parse_args(argv)
    if args.without_identity:
        from gaitvision.pose.legs import NearLegBySize, NearLegEvidence

        NearLegBySize.decide = lambda self, *a: NearLegEvidence(0, note="switched off")
    found = detectors()
    if args.set:
        import functools

        kw = {k: float(v) for k, v in (a.split("=") for a in args.set)}
        found = {n: functools.partial(c, **kw) for n, c in found.items()}
    names = args.detector or list(found)
    print("signed errors, ms: IC/TO mean (max |err|, missed); contact, flight (ms), duty (%) L/R")
    rows: dict[str, list[dict]] = {n: [] for n in names}
    for clip in args.clips:
        label = f"{clip.parent.name}/{clip.stem}" + (" exact" if args.exact else "")
        for n in names:
            row = score(clip, n, found[n], args.exact, args.tracks)
            rows[n].append(row)
            print_row(label, n, row)
    for n, rs in rows.items():
        mean = {m: {s: float(np.mean([abs(r[m][s]) for r in rs])) for s in SIDES}
                for m in TIMING}
        print(f"mean |err| {n:12s} over {len(rs)} clips: " + "  ".join(
            f"{m.split('_')[0]} " + "/".join(f"{mean[m][s]:5.1f}" for s in SIDES) for m in TIMING))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

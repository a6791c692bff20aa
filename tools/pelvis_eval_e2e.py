"""Score the pipeline's own pelvic obliquity (end to end) on rendered rear clips.

    .venv/bin/python tools/pelvis_eval_e2e.py CLIP.mp4 [...] --json OUT.json

The whole analysis (``gaitvision.kinematics.analyze_gait``: its own events, its own camera
roll estimate, the image pelvis and its gate) against the visible-pelvis truth (PSIS skin,
back waistband) and the bone. Writes the same JSON layout as ``tools/pelvis_eval.py``
(one candidate, ``end_to_end``), so ``tools/pelvis_eval_summary.py`` summarises it: per
side, the mean of the pipeline's per-stance peak drops (kept strides) against the mean of
the truth's per-stance drops; over frames, slope and r of the pipeline's levelled
obliquity series against the truth's (frontal-plane truth where the camera is rolled, as
the pipeline undoes its estimated roll). Nothing here feeds back into the method.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from tools.eval_io import write_json
from tools.pelvis_eval import _fit


def _analyse(path: Path):
    from gaitvision.kinematics import analyze_gait
    from gaitvision.pose.cleaning import clean_track
    from gaitvision.pose.estimate import estimate_pose
    from gaitvision.pose.tracking import label_track

    labelled = label_track(estimate_pose(path, workers=1), view="rear")
    return analyze_gait(clean_track(labelled), raw=labelled)


def _without_mirror_level() -> None:
    """Make the pipeline's waist tracker skip the mirrored-frames level correction (for
    scoring the method as it was; the tracker's own parameter, set as its default)."""
    from gaitvision.evidence import pelvis

    init = pelvis.PelvisRegionTracker.__init__

    def no_mirror(self, *args, **kwargs):
        kwargs.setdefault("mirror_level", False)
        init(self, *args, **kwargs)

    pelvis.PelvisRegionTracker.__init__ = no_mirror


def evaluate(path: Path) -> dict:
    """One clip's end-to-end pelvic drop and obliquity against its truth."""
    truth = json.loads(path.with_name(path.stem + ".truth.json").read_text())
    vp = truth["visible_pelvis"]
    kind = "plane" if truth["camera"].get("roll_deg") else "image"
    a = _analyse(path)
    res = {"clip": str(path), "landmark": "psis", "waistband": "waistband_back", "kind": kind,
           "truth_drop": {name: {s: float(np.mean([r[name][kind] for r in vp["strides"]
                                                   if r["side"] == s])) for s in ("left", "right")}
                          for name in ("psis", "waistband_back", "bone")},
           "camera_roll_deg": {"estimated": a.quality.camera_roll_deg,
                               "true": truth["camera"].get("roll_deg", 0.0)},
           "notes": [n for n in a.quality.notes if "pelvic" in n],
           "quality": {}, "candidates": {}}
    kept = [r for r in a.strides if r.excluded is None]
    drop = {s: float(np.nanmean([r.metrics["pelvic_drop_peak_deg"] for r in kept if r.side == s]
                                or [np.nan])) for s in ("left", "right")}
    series = np.asarray(a.series["pelvic_obliquity_deg"], float)
    rows = np.asarray(a.frame_index, int)
    fits = {name: _fit(series, np.asarray(vp["frames"][name][kind], float)[rows])
            for name in ("psis", "waistband_back", "bone")}
    res["candidates"]["end_to_end"] = {"drop": drop, "fit": fits,
                                       "strides": {s: sum(r.side == s for r in kept)
                                                   for s in ("left", "right")}}
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--no-mirror-level", action="store_true",
                    help="the pipeline as before the mirrored-frames level correction "
                         "(PelvisRegionTracker(mirror_level=False))")
    ap.add_argument("--name", default="end_to_end", help="candidate name in the JSON")
    args = ap.parse_args(argv)
    if args.no_mirror_level:
        _without_mirror_level()
    results = []
    for clip in args.clips:
        try:
            r = evaluate(clip)
        except Exception as exc:  # noqa: BLE001 - a refusal is a result here
            print(f"{clip}: REFUSED ({type(exc).__name__}: {exc})", flush=True)
            continue
        r["candidates"] = {args.name: r["candidates"]["end_to_end"]}
        results.append(r)
        c = r["candidates"][args.name]
        t = r["truth_drop"]
        print(f"{clip}: roll est {r['camera_roll_deg']['estimated']} (true "
              f"{r['camera_roll_deg']['true']}); drop L / R {c['drop']['left']:.2f} / "
              f"{c['drop']['right']:.2f} on {c['strides']['left']} / {c['strides']['right']} "
              "strides; " + "; ".join(
                  f"{k} {t[k]['left']:.2f} / {t[k]['right']:.2f} (frames slope {c['fit'][k][0]:.2f}"
                  f" r {c['fit'][k][1]:.2f})" for k in t), flush=True)
    if args.json:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())

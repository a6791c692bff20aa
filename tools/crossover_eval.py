"""Score arm crossover from behind on rendered clips, per stride, against their truth.

    .venv/bin/python tools/crossover_eval.py CLIP.mp4 [CLIP.mp4 ...] [--json OUT]

Strides are the truth's (IC to the next IC of the same foot: this scores the crossover
measurement, not the event detection); the pose track is BlazePose's, labelled and
cleaned as in the pipeline. Candidates:

- ``keypoints``: the pose model's wrist alone, seen or not (what BlazePose guesses);
- ``seen length``: hidden wrists placed at the forearm length seen in the clip only
  (``ForearmReach(forearm_per_leg=0)``);
- ``forearm``: the method as shipped (seen length, at least the body's proportion).

Per candidate: strides with a value, with only a bound, neither; value errors (mean,
max absolute; within 0.05 shoulder widths); whether each bound holds (bound <= truth).
Nothing here feeds back into the method: it only reports.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np


def _track(path: Path):
    from gaitvision.pose.cleaning import clean_track
    from gaitvision.pose.estimate import estimate_pose
    from gaitvision.pose.tracking import label_track

    return clean_track(label_track(estimate_pose(path, workers=1), view="rear"))


def _strides(truth: dict) -> list:
    out = []
    for s in truth["strides"]:
        nxt = s.get("next_ic_s")
        cross = (s.get("arm_crossover") or {}).get("image")
        if nxt is None or cross is None:
            continue
        out.append((SimpleNamespace(foot=s["side"], end=nxt,
                                    stance=SimpleNamespace(ic=s["ic_s"], to=s["to_s"])), cross))
    return out


def _score(bf, series: dict, strides: list, reach) -> dict:
    from gaitvision.kinematics.rear import arm_crossover, midline_offset

    series = dict(series)
    if reach is not None:
        ev = reach.estimate(bf.p, bf.vis, leg=1.0)
        for arm in ("left", "right"):
            series[f"wrist_offset_forearm_sw.{arm}"] = midline_offset(bf, ev.wrist_xy[arm], arm)
            series[f"elbow_offset_sw.{arm}"] = midline_offset(bf, bf.p[:, _elbow(arm)], arm)
    errs, bounds_ok, n_bound, n_none = [], [], 0, 0
    for s, true in strides:
        if reach is None:  # the keypoints alone
            sel = (bf.t >= s.stance.ic) & (bf.t <= s.end)
            y = series[f"wrist_offset_sw.{s.foot}"][sel]
            value, at_least = (float(np.nanmax(y)) if np.isfinite(y).any() else np.nan), np.nan
        else:
            value, at_least, _ = arm_crossover(bf, series, s)
        if np.isfinite(value):
            errs.append(value - true)
        elif np.isfinite(at_least):
            n_bound += 1
            bounds_ok.append(at_least <= true + 1e-9)
        else:
            n_none += 1
    e = np.abs(errs)
    return {"strides": len(strides), "values": len(errs), "bounds": n_bound, "none": n_none,
            "mean_err": float(np.mean(errs)) if errs else None,
            "mean_abs_err": float(e.mean()) if e.size else None,
            "max_abs_err": float(e.max()) if e.size else None,
            "within_0_05": int((e <= 0.05).sum()), "bounds_hold": int(sum(bounds_ok))}


def _elbow(arm: str) -> int:
    from gaitvision.landmarks import ELBOW

    return ELBOW[arm]


def evaluate(path: Path) -> dict:
    from gaitvision.evidence.forearm import ForearmReach
    from gaitvision.kinematics.geometry import body_frame, rear_series

    truth = json.loads(path.with_name(path.stem + ".truth.json").read_text())
    track = _track(path)
    roll = float(truth["camera"].get("roll_deg", 0.0) or 0.0)
    bf = body_frame(track.times, track.xy, track.visibility, track.frame_size, "rear", None,
                    roll)
    series = rear_series(bf)
    strides = _strides(truth)
    cands = {"keypoints": None, "seen length": ForearmReach(forearm_per_leg=0.0),
             "forearm": ForearmReach()}
    return {"clip": str(path), "truth": truth["summary"]["arm_crossover"]["image"],
            "candidates": {k: _score(bf, series, strides, r) for k, r in cands.items()}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    results = []
    for clip in args.clips:
        r = evaluate(clip)
        results.append(r)
        print(f"{clip}: truth L {r['truth']['left']:+.3f} R {r['truth']['right']:+.3f}")
        for name, c in r["candidates"].items():
            err = ("" if c["mean_err"] is None else
                   f" err mean {c['mean_err']:+.3f} |err| mean {c['mean_abs_err']:.3f} max "
                   f"{c['max_abs_err']:.3f}, within 0.05 {c['within_0_05']}/{c['values']}")
            print(f"  {name:12s} values {c['values']}/{c['strides']} bounds {c['bounds']} "
                  f"(hold {c['bounds_hold']}) none {c['none']}{err}")
        sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

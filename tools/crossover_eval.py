"""Score arm crossover from behind or in front on rendered clips, per stride, against their truth.

    .venv/bin/python tools/crossover_eval.py CLIP.mp4 [CLIP.mp4 ...] [--json OUT]

Strides are the truth's (IC to the next IC of the same foot: this scores the crossover
measurement, not the event detection); the pose track is BlazePose's, labelled and
cleaned as in the pipeline. Candidates:

- ``keypoints``: the pose model's wrist alone, seen or not (what BlazePose guesses);
- ``seen length``: the reach (upper bound) with the forearm length seen in the clip only
  (``ForearmReach(forearm_per_leg=0)``);
- ``forearm``: the method as shipped (seen length, at least the body's proportion):
  a value where the wrist is seen at its innermost, bounds where it is hidden (at
  least: the elbow; at most: the forearm's length from the elbow, toward the midline).

Front clips (every wrist in view, values only): ``keypoints`` (the pose model's wrist)
and ``hand-backed`` (the wrist placed back from the hand's knuckles, as shipped for the
front view; :class:`gaitvision.evidence.forearm.HandBackedWrist`).

Per candidate: strides with a value, with bounds, neither; value errors (mean, max
absolute; within 0.05 shoulder widths); whether each lower bound holds and how far it
lies from the truth; the same for the upper bound; the forearm's reach against the truth.
Nothing here feeds back into the method: it only reports.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np


def _track(path: Path, view: str):
    from gaitvision.pose.cleaning import clean_track
    from gaitvision.pose.estimate import estimate_pose
    from gaitvision.pose.tracking import label_track

    return clean_track(label_track(estimate_pose(path, workers=1), view=view))


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
    from gaitvision.kinematics.rear import arm_crossover, farthest_in, midline_offset

    series = dict(series)
    if reach is not None:
        ev = reach.estimate(bf.p, bf.vis, leg=1.0)
        for arm in ("left", "right"):
            series[f"wrist_offset_forearm_sw.{arm}"] = midline_offset(bf, ev.wrist_xy[arm], arm)
            series[f"elbow_offset_sw.{arm}"] = midline_offset(bf, bf.p[:, _elbow(arm)], arm)
            e = np.where((bf.vis[:, _elbow(arm)] >= 0.5)[:, None], bf.p[:, _elbow(arm)], np.nan)
            series[f"wrist_offset_most_sw.{arm}"] = farthest_in(bf, e, ev.length_px[arm], arm)
    out = {"strides": len(strides), "values": [], "least": [], "most": [], "upper": [],
           "none": 0}
    for s, true in strides:
        if reach is None:  # the keypoints alone, as a value
            sel = (bf.t >= s.stance.ic) & (bf.t <= s.end)
            y = series[f"wrist_offset_sw.{s.foot}"][sel]
            if np.isfinite(y).any():
                out["values"].append(float(np.nanmax(y)) - true)
            else:
                out["none"] += 1
            continue
        a = arm_crossover(bf, series, s)
        if np.isfinite(a.value):
            out["values"].append(a.value - true)
        elif np.isfinite(a.at_least):
            out["least"].append(a.at_least - true)
            if np.isfinite(a.reach):
                out["most"].append(a.reach - true)
            if np.isfinite(a.at_most):
                out["upper"].append(a.at_most - true)
        else:
            out["none"] += 1
    return out


def _line(name: str, c: dict) -> str:
    v, lo, hi, up = (np.asarray(c[k]) for k in ("values", "least", "most", "upper"))
    text = f"  {name:12s} of {c['strides']} strides: values {v.size}"
    if v.size:
        text += (f" (err mean {v.mean():+.3f}, |err| max {np.abs(v).max():.3f}, within 0.05 "
                 f"{int((np.abs(v) <= 0.05).sum())})")
    text += f"; bounds {lo.size}"
    if lo.size:
        text += f" (at least: holds {int((lo <= 1e-9).sum())}, truth - bound {-lo.mean():.3f} mean"
        if hi.size:
            text += (f"; reach on {hi.size}: >= truth {int((hi >= -1e-9).sum())}, reach - truth "
                     f"{hi.mean():+.3f} mean, {hi.min():+.3f} min")
        if up.size:
            text += (f"; at most on {up.size}: holds {int((up >= -1e-9).sum())}, bound - truth "
                     f"{up.mean():.3f} mean")
        text += ")"
    return text + f"; none {c['none']}"


def _elbow(arm: str) -> int:
    from gaitvision.landmarks import ELBOW

    return ELBOW[arm]


def evaluate(path: Path) -> dict:
    from gaitvision.evidence.forearm import ForearmReach
    from gaitvision.kinematics.geometry import body_frame, rear_series
    from gaitvision.kinematics.rear import hand_backed_wrists

    truth = json.loads(path.with_name(path.stem + ".truth.json").read_text())
    view = truth["clip"]["view"]  # rear or front (the body frame mirrors the front's sides)
    track = _track(path, view)
    roll = float(truth["camera"].get("roll_deg", 0.0) or 0.0)
    bf = body_frame(track.times, track.xy, track.visibility, track.frame_size, view, None,
                    roll)
    series = rear_series(bf)
    strides = _strides(truth)
    out = {"clip": str(path), "view": view, "truth": truth["summary"]["arm_crossover"]["image"]}
    if view == "front":  # every wrist in view: values only
        hand = dict(series)
        hand_backed_wrists(bf, hand)
        out["candidates"] = {"keypoints": _score(bf, series, strides, None),
                             "hand-backed": _score(bf, hand, strides, None)}
        return out
    cands = {"keypoints": None, "seen length": ForearmReach(forearm_per_leg=0.0),
             "forearm": ForearmReach()}
    out["candidates"] = {k: _score(bf, series, strides, r) for k, r in cands.items()}
    return out


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
            print(_line(name, c))
        sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

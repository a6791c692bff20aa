"""The whole rear/front analysis on rendered clips against their truth (end to end).

    .venv/bin/python tools/frontal_eval.py CLIP.mp4 [CLIP.mp4 ...]

Per clip: whether it was analysed or refused (and why), strides found, the per-side
pelvic drop summary against the visible-pelvis truth (PSIS skin from behind, ASIS from
the front; waistband and bone beside), and arm crossover: strides with a value, and the
per-side mean against the truth's image value. The pipeline's own events are used.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np


def _analyse(path: Path):
    from gaitvision.kinematics import analyze_gait
    from gaitvision.pose.cleaning import clean_track
    from gaitvision.pose.estimate import estimate_pose
    from gaitvision.pose.tracking import label_track

    view = "front" if "front" in path.name else "rear"
    labelled = label_track(estimate_pose(path, workers=1), view=view)
    return analyze_gait(clean_track(labelled), raw=labelled)


def _mean(summary, name, side):
    s = summary.get(name)
    return getattr(s, side).mean if s is not None else float("nan")


def report(path: Path) -> str:
    truth = json.loads(path.with_name(path.stem + ".truth.json").read_text())
    try:
        a = _analyse(path)
    except Exception as exc:  # noqa: BLE001 - a refusal is a result here
        return f"{path}: REFUSED ({type(exc).__name__}: {exc})"
    vp = truth["visible_pelvis"]["summary_pelvic_drop_deg"]
    kind = "plane" if truth["camera"].get("roll_deg") else "image"
    front = truth["clip"]["view"] == "front"
    lm, band = ("asis", "waistband_front") if front else ("psis", "waistband_back")
    lines = [f"{path}: {'walking/not running' if not a.summary else 'analysed'}, "
             f"{len(a.strides)} strides ({sum(r.excluded is None for r in a.strides)} kept)"]
    for side in ("left", "right"):
        n_side = [r for r in a.strides if r.side == side and r.excluded is None]
        cross = [r.metrics.get("arm_crossover_shoulder_widths") for r in n_side]
        n_cross = sum(1 for c in cross if c is not None and np.isfinite(c))
        lines.append(
            f"  {side}: drop {_mean(a.summary, 'pelvic_drop_peak_deg', side):.2f} vs {lm} "
            f"{vp[lm][kind][side]:.2f}, {band} {vp[band][kind][side]:.2f}, bone "
            f"{vp['bone'][kind][side]:.2f} | crossover "
            f"{_mean(a.summary, 'arm_crossover_shoulder_widths', side):.3f} vs "
            f"{truth['summary']['arm_crossover']['image'][side]:.3f} on {n_cross}/{len(n_side)} "
            "strides")
    errs = _stride_errors(a, truth)
    if errs.size:
        lines.append(f"  crossover per stride (matched to the truth's nearest IC): error mean "
                     f"{errs.mean():+.3f}, |error| max {np.abs(errs).max():.3f}, within 0.05 on "
                     f"{int((np.abs(errs) <= 0.05).sum())}/{errs.size}")
    return "\n".join(lines)


def _stride_errors(a, truth: dict) -> np.ndarray:
    """Per kept stride with a crossover value: value minus the truth stride's (the truth
    stride of the same side whose IC is nearest, within a quarter stride)."""
    out = []
    for r in a.strides:
        v = r.metrics.get("arm_crossover_shoulder_widths")
        if r.excluded is not None or v is None or not np.isfinite(v):
            continue
        same = [s for s in truth["strides"] if s["side"] == r.side and s.get("arm_crossover")
                and s["arm_crossover"].get("image") is not None]
        if not same:
            continue
        best = min(same, key=lambda s: abs(s["ic_s"] - r.start_s))
        if abs(best["ic_s"] - r.start_s) < 0.25 * truth["summary"]["stride_time_s"]:
            out.append(v - best["arm_crossover"]["image"])
    return np.asarray(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="+", type=Path)
    for clip in ap.parse_args(argv).clips:
        print(report(clip), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

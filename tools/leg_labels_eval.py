"""Side-view leg labels against rendered truth, per frame, and what the analysis keeps.

    .venv/bin/python tools/leg_labels_eval.py CLIP.mp4 [CLIP2.mp4 ...] [--tracks DIR]

For each clip, the pose stage's tracks at three points are scored against the
``.truth.json`` beside the clip (read as ``tests/truth_track.py`` does):

* ``raw``: BlazePose's own labels;
* ``labelled``: after :func:`gaitvision.pose.tracking.label_track` (pairwise swap repair);
* ``final``: after :func:`gaitvision.pose.tracking.finish_labels` (whole legs, mixed legs,
  glitches bridged): the labels the gait events are timed on.

Per unit (the knee; the foot: ankle, heel and toe together) and frame, the labels are
*right* when the labelled points are nearer their own leg's true points than the other
leg's (summed distance of both legs), *wrong* when the exchanged labelling is nearer by
more than ``--margin`` leg lengths, and otherwise *ambiguous* (the legs cross, or the far
leg's points sit on the near leg). Accuracy is right / (right + wrong). A frame is
*collapsed* when both legs' points of a unit are within ``--margin`` leg lengths of each
other while the true legs are further apart than twice that.

Then the side-view analysis runs as the pipeline runs it (the clip's true stature as
height) and the tool prints strides kept (passing the plausibility gates) of all, the
gates' reasons, the swap frames corrected and contacts given to the other foot. A clip
without truth (real footage) gets the analysis part only. Nothing here feeds back into
the pipeline.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.truth_track import truth_points  # noqa: E402
from tools.eval_io import write_json  # noqa: E402

UNITS = {"knee": ("knee",), "foot": ("ankle", "heel", "foot_index")}


def unit_scores(xy: np.ndarray, truth_xy: np.ndarray, leg_px: float,
                margin: float) -> dict[str, np.ndarray]:
    """Per unit, per frame: +1 right, -1 wrong, 0 ambiguous, nan undetected; and the
    ``collapsed`` frames of each unit (bool)."""
    from gaitvision.landmarks import INDEX

    out = {}
    for unit, parts in UNITS.items():
        li = [INDEX["left_" + p] for p in parts]
        ri = [INDEX["right_" + p] for p in parts]

        def d(p, q):
            return np.linalg.norm(p - q, axis=-1).mean(axis=-1)

        keep = d(xy[:, li], truth_xy[:, li]) + d(xy[:, ri], truth_xy[:, ri])
        cross = d(xy[:, li], truth_xy[:, ri]) + d(xy[:, ri], truth_xy[:, li])
        with np.errstate(invalid="ignore"):
            score = np.where(cross - keep > margin * leg_px, 1.0,
                             np.where(keep - cross > margin * leg_px, -1.0, 0.0))
            score[~(np.isfinite(keep) & np.isfinite(cross))] = np.nan
            apart = d(xy[:, li], xy[:, ri])
            true_apart = d(truth_xy[:, li], truth_xy[:, ri])
            collapsed = (apart < margin * leg_px) & (true_apart > 2 * margin * leg_px)
        out[unit] = score
        out[unit + "_collapsed"] = collapsed
    return out


def aligned_truth(track, truth: dict) -> np.ndarray:
    """Truth pixels (T, 33, 2) on the track's frames (by frame index)."""
    _, txy, _, _ = truth_points(truth)
    idx = np.clip(np.asarray(track.frame_index, int), 0, len(txy) - 1)
    return txy[idx]


def label_summary(name: str, track, truth_xy: np.ndarray, leg_px: float,
                  margin: float) -> dict:
    """Accuracy per unit of one track, printed and returned."""
    s = unit_scores(track.xy, truth_xy, leg_px, margin)
    row = {}
    parts = []
    for unit in UNITS:
        v = s[unit]
        right, wrong, amb = int((v == 1).sum()), int((v == -1).sum()), int((v == 0).sum())
        acc = right / max(right + wrong, 1)
        row[unit] = {"right": right, "wrong": wrong, "ambiguous": amb, "accuracy": acc,
                     "collapsed": int(s[unit + "_collapsed"].sum()),
                     "wrong_frames": np.flatnonzero(v == -1).tolist()}
        parts.append(f"{unit} {100 * acc:5.1f} % ({wrong:3d} wrong, {amb:3d} ambig, "
                     f"{row[unit]['collapsed']:3d} collapsed)")
    both = (s["knee"] == 1) & (s["foot"] == 1)
    any_wrong = (s["knee"] == -1) | (s["foot"] == -1)
    row["leg"] = {"right": int(both.sum()), "wrong": int(any_wrong.sum())}
    acc = both.sum() / max(both.sum() + any_wrong.sum(), 1)
    print(f"  {name:9s} " + "  ".join(parts) + f"  whole leg {100 * acc:5.1f} %")
    return row


def analysis_summary(labelled, height_cm: float | None) -> dict:
    """Strides kept, gate reasons, swap and contact counts of the pipeline's analysis."""
    from gaitvision.errors import NotRunningError
    from gaitvision.kinematics import analyze_gait

    try:
        a = analyze_gait(labelled, raw=labelled, height_cm=height_cm)
    except NotRunningError as e:
        print(f"  analysis refused: {e}")
        return {"refused": str(e)}
    kept = [s for s in a.strides if s.excluded is None]
    reasons = Counter(re.sub(r"[-+]?\d+(\.\d+)?", "#", s.excluded) for s in a.strides
                      if s.excluded is not None)
    notes = " ".join(a.quality.notes)
    moved = re.search(r"(\d+) contacts were given to the other foot", notes)
    relabelled = re.search(r"exchanged back in (\d+) frames", notes)
    row = {"strides": len(a.strides), "kept": len(kept),
           "kept_per_side": {s: sum(r.side == s for r in kept) for s in ("left", "right")},
           "swaps_corrected": labelled.cleaning.swaps_corrected if labelled.cleaning else 0,
           "legs_relabelled": int(relabelled.group(1)) if relabelled else 0,
           "contacts_moved": int(moved.group(1)) if moved else 0,
           "reasons": dict(reasons)}
    print(f"  strides kept {row['kept']} / {row['strides']} (L {row['kept_per_side']['left']}, "
          f"R {row['kept_per_side']['right']}); swaps corrected {row['swaps_corrected']} "
          f"(label_track) + {row['legs_relabelled']} (whole legs); contacts moved "
          f"{row['contacts_moved']}")
    for r, n in reasons.most_common():
        print(f"    {n} x {r}")
    return row


def labels_by_image_order(raw):
    """The h6 failure made on purpose: each unit's (knee; ankle, heel, toe) labels given by
    image order, the point further in the facing direction called "left", in every frame:
    labels with no identity left in them (the pose stage must refuse or find it anew)."""
    from gaitvision.landmarks import ANKLE, HEEL, KNEE, TOE
    from gaitvision.pose.view import facing_direction

    out = raw.copy()
    forward = 1.0 if facing_direction(raw)[0] == "right" else -1.0
    for parts in ((KNEE,), (ANKLE, HEEL, TOE)):
        pl, pr = [p["left"] for p in parts], [p["right"] for p in parts]
        with np.errstate(invalid="ignore"):
            ahead = forward * (np.nanmean(out.xy[:, pr, 0], axis=1)
                               - np.nanmean(out.xy[:, pl, 0], axis=1)) > 0
        for arr in (out.xy, out.visibility, out.z, out.world):
            sub = arr[ahead]
            left, right = sub[:, pl].copy(), sub[:, pr].copy()
            sub[:, pl], sub[:, pr] = right, left
            arr[ahead] = sub
    return out


def evaluate(clip: Path, tracks: Path | None, margin: float, image_order: bool = False) -> dict:
    """Label accuracy (when the clip has truth) and the analysis summary of one clip."""
    from gaitvision.landmarks import leg_length_px
    from gaitvision.pose.tracking import finish_labels, label_track
    from tools.side_eval import raw_track

    print(f"\n{clip}")
    raw = raw_track(clip, tracks)
    if image_order:
        raw = labels_by_image_order(raw)
    labelled = label_track(raw, view="side")
    final = finish_labels(labelled, view="side")
    truth_file = clip.with_suffix(".truth.json")
    out = {}
    height_cm = None
    if truth_file.exists():
        from tests.side_truth import load_side_truth

        truth = json.loads(truth_file.read_text())
        height_cm = 100 * load_side_truth(truth_file).stature_m
        txy = aligned_truth(raw, truth)
        leg_px = leg_length_px(txy, np.ones(txy.shape[:2]))
        for name, tr in (("raw", raw), ("labelled", labelled), ("final", final)):
            out[name] = label_summary(name, tr, txy, leg_px, margin)
    out["identity"] = identity_summary(labelled, final)
    out["analysis"] = analysis_summary(labelled, height_cm)
    return out


def identity_summary(labelled, final) -> dict:
    """The near-leg decision ``finish_labels`` took (when the model's labels settled no
    order), and the cue asked on the final labels (a check that it agrees with them)."""
    from gaitvision.pose.legs import CrossingOrderLabeller, MixedLegRelabeller, repair_leg_swaps
    from gaitvision.pose.tracking import ensure_view

    facing = ensure_view(labelled, "side").direction
    track, _, _ = repair_leg_swaps(labelled, labelled)
    track, _ = MixedLegRelabeller().apply(track)
    labeller = CrossingOrderLabeller()
    labeller.apply(track, facing=facing)
    used = labeller.identity
    check, agrees = CrossingOrderLabeller().identity_check(final, facing)
    row = {"facing": facing, "used": vars(used) if used else None, "check": vars(check),
           "check_agrees": agrees}
    if used is not None:
        print(f"  identity used: sign {used.sign:+d}; {used.note}")
    verdict = {1: "agrees", -1: "DISAGREES", 0: "abstains"}[agrees]
    print(f"  identity check on the final labels: {verdict}"
          f" (log ratio {check.log_ratio:+.3f}, z {check.z:+.1f}, {check.n_strides} strides)")
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clips", nargs="+", type=Path)
    ap.add_argument("--tracks", type=Path, help="folder of saved raw tracks (read/written)")
    ap.add_argument("--margin", type=float, default=0.05,
                    help="leg lengths by which one labelling must be nearer the truth")
    ap.add_argument("--json", type=Path, help="write all numbers here")
    ap.add_argument("--labels-by-image-order", action="store_true",
                    help="replace BlazePose's leg labels by image order (front = left) first: "
                         "the h6 failure, made on a clip where it did not happen")
    ap.add_argument("--without-identity", action="store_true",
                    help="no near-leg cue: units whose model labels settle no order left as given")
    ap.add_argument("--without-crossing-order", action="store_true",
                    help="the labels as they were before CrossingOrderLabeller (for comparison)")
    args = ap.parse_args(argv)
    if args.without_crossing_order:
        from gaitvision.pose.legs import CrossingOrderLabeller

        CrossingOrderLabeller.apply = lambda self, track, facing=None: (track, 0, 0)
    if args.without_identity:
        from gaitvision.pose.legs import NearLegBySize, NearLegEvidence

        NearLegBySize.decide = lambda self, *a: NearLegEvidence(0, note="switched off")
    missing = [c for c in args.clips if not c.exists()]
    if missing:
        print(f"no such clip: {missing[0]}; give paths of side-view video files",
              file=sys.stderr)
        return 2
    results = {str(c): evaluate(c, args.tracks, args.margin, args.labels_by_image_order)
               for c in args.clips}
    if args.json:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Summarise tools/pelvis_eval.py JSON outputs per candidate (one split per file).

    .venv/bin/python tools/pelvis_eval_summary.py .renders/eval_build.json .renders/eval_report.json
"""

from __future__ import annotations

import json
import sys

import numpy as np


def _image_used(result: dict, name: str) -> bool:
    """Whether the candidate used the image on this clip (end to end: the pipeline's
    quality note says whether it kept the keypoints)."""
    q = result.get("quality", {}).get(name)
    if q is not None:
        return bool(q.get("supported", True))
    notes = result.get("notes")
    if notes is not None:
        return not any("from the hip keypoints only" in n for n in notes)
    return True


def summarise(results: list[dict], view: str) -> list[str]:
    rows = [r for r in results if (r["landmark"] == "asis") == (view == "front")]
    if not rows:
        return []
    lines = [f" {view} ({len(rows)} clips)"]
    common = [n for n in rows[0]["candidates"] if all(n in r["candidates"] for r in rows)]
    for name in common:  # the candidates every clip of the file was scored with
        for target in ("landmark", "waistband", "bone"):
            m, t, rs, slopes = [], [], [], []
            for r in rows:
                key = r[target] if target != "bone" else "bone"
                c = r["candidates"][name]
                for s in ("left", "right"):
                    m.append(c["drop"][s])
                    t.append(r["truth_drop"][key][s])
                slope, rr = c["fit"][key]
                rs.append(rr)
                slopes.append(slope)
            m, t = np.array(m), np.array(t)
            err = np.abs(m - t)
            across = float(np.polyfit(t, m, 1)[0]) if np.ptp(t) > 0 else float("nan")
            r_across = float(np.corrcoef(t, m)[0, 1]) if np.ptp(t) > 0 else float("nan")
            used = [_image_used(r, name) for r in rows]
            r_img = [x for x, u in zip(rs, used, strict=True) if u]
            img = (f"; image used in {sum(used)}/{len(used)} clips, r median there "
                   f"{np.median(r_img):.2f}" if name != "keypoints" and r_img else "")
            lines.append(f"  {name:9s} vs {target:9s}: |drop err| mean {err.mean():.2f} max "
                         f"{err.max():.2f} deg, within 1.5 deg {int((err <= 1.5).sum())}/{err.size};"
                         f" slope / r across clips {across:.2f} / {r_across:.2f}; over frames slope median "
                         f"{np.median(slopes):.2f}, r median {np.median(rs):.2f} (min {min(rs):.2f})"
                         f"{img}")
    return lines


def main(paths: list[str]) -> int:
    for p in paths:
        results = json.loads(open(p).read())
        print(p)
        for view in ("rear", "front"):
            print("\n".join(summarise(results, view)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Does the image pelvis method invent stance-locked motion on real footage?

    .venv/bin/python tools/pelvis_real_check.py ../shared/videos/treadmill_side_male_30fps.mp4 ...

Runs :class:`gaitvision.evidence.pelvis.PelvisRegionTracker` on a clip's own pose track
(whatever the view) and prints: the fraction of frame steps it measured (seen side-on
the two hips overlap, so it should refuse most of them), and the stride-locked part of
the measured obliquity motion: the motion high-passed over one stride, averaged over
the strides at the same phase (from the pipeline's own ICs of the left foot), its
peak-to-peak, beside the frame-to-frame scatter, and the stride-periodic fit's gate
(:class:`~gaitvision.evidence.pelvis.StridePeriodicFit`: F-test p-value, whether the
image would be used). A side view has no frontal-plane tilt to see: a stride-locked
curve there would be invented.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from gaitvision.evidence.pelvis import PelvisRegionTracker, StridePeriodicFit, moving_mean


def check(path: Path) -> str:
    from gaitvision.kinematics import analyze_gait
    from gaitvision.pose.cleaning import clean_track
    from gaitvision.pose.estimate import estimate_pose
    from gaitvision.pose.tracking import label_track

    labelled = label_track(estimate_pose(path, workers=1))
    track = clean_track(labelled)
    try:
        a = analyze_gait(track, raw=labelled)
        ics = [e.time_s for e in a.events.select(foot="left", type="IC")]
    except Exception as exc:  # noqa: BLE001 - walking clips are refused; still measure
        a, ics = None, []
        note = f" (analysis refused: {exc})"
    else:
        note = ""
    m = PelvisRegionTracker().track(path, track.times, track.frame_index, track.xy,
                                    track.frame_size)
    out = f"{path.name}: view {track.view.view}, steps measured {100 * m.coverage:.0f} %{note}"
    if len(ics) < 3:
        return out + "; fewer than 3 left ICs: no stride-locked average"
    stride = float(np.median(np.diff(ics)))
    dt = float(np.median(np.diff(track.times)))
    hp = m.motion_deg - moving_mean(m.motion_deg, max(3, int(round(stride / dt))))
    bins = np.zeros(20)
    counts = np.zeros(20)
    for t0, t1 in zip(ics[:-1], ics[1:]):
        sel = (track.times >= t0) & (track.times < t1)
        ph = ((track.times[sel] - t0) / (t1 - t0) * 20).astype(int).clip(0, 19)
        np.add.at(bins, ph, hp[sel])
        np.add.at(counts, ph, 1)
    curve = bins / np.maximum(counts, 1)
    per = StridePeriodicFit().fit(track.times, m, stride)
    return (out + f"; stride-locked obliquity motion peak-to-peak {np.ptp(curve):.2f} deg over "
            f"{len(ics) - 1} strides (frame scatter SD {np.nanstd(hp):.2f} deg); periodic fit: "
            f"F-test p {per.p_value:.2g}, image {'used' if per.supported else 'not used'}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("clips", nargs="+", type=Path)
    for clip in ap.parse_args(argv).clips:
        print(check(clip), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

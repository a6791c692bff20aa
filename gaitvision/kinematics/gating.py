"""Is this a steady run? Walks, other activities and overground clips told apart.

A run has a flight phase (duty factor under 50 %); a walk has double support. Overground
(the runner crosses the frame) the speed decides too: humans change from walking to
running near a Froude number ``v^2 / (g L)`` of 0.5 (Alexander 1989, Physiol Rev
69:1199). A clip whose strides are few, very uneven, or cover little of the time the
person is seen is not a steady run either, whatever the person is doing.
"""

from __future__ import annotations

import numpy as np

from gaitvision.kinematics.sequence import Sequence
from gaitvision.landmarks import ANKLE, HIP, SIDES

#: Walk-run transition Froude number (Alexander 1989).
WALK_FROUDE = 0.5
#: Largest duty factor a run's contacts can show through timing bias: rendered runners
#: at 640x480 (true 37-40 %) came out at 50-57 % (issue 11); walking has 60 % or more
#: (two double-support phases of about 10 % each, Perry 1992).
MAX_BIASED_DUTY = 0.6
#: Leg length assumed when the runner's height is not given (m).
DEFAULT_LEG_M = 0.85


def on_treadmill(bf) -> bool:
    """The mid-hip stays within about a leg length horizontally on a treadmill.

    Overground, a runner (or walker) crosses the frame: several leg lengths.
    """
    x = bf.mid(HIP["left"], HIP["right"])[:, 0]
    x = x[np.isfinite(x)]
    return bool(x.size == 0 or np.percentile(x, 95) - np.percentile(x, 5) < 1.5)


def not_running_reason(seq: Sequence, froude: float | None, leg_m: float,
                       seen_s: float = 0.0, bf=None) -> str | None:
    """Why the sequence is not a steady run, in words, or None when it is one.

    A walk (duty factor 50 % or more, or no flight phase; or, overground, a speed
    below the walk-run transition, Froude number 0.5), too few strides, strides of very
    uneven length (robust CV over 15 %), or regular strides covering less than half of
    the ``seen_s`` seconds in which the runner was found.
    """
    if froude is not None and np.isfinite(froude) and froude < WALK_FROUDE:
        kmh = 3.6 * np.sqrt(froude * 9.81 * leg_m)
        return f"walking: moving across the frame at about {kmh:.0f} km/h, a walking pace"
    if (seq.walking and bf is not None and seq.median_duty < MAX_BIASED_DUTY
            and PelvisPhase().is_run(bf, seq)):
        # The contacts' timing says "walk", the body's motion says "run": a measurement
        # bias (small or blurred feet: contacts found early, toe-offs late) must not
        # turn into a refusal. Timing metrics are flagged by the summaries instead.
        seq.walking = False
        seq.notes.append(
            f"the feet's contacts came out {100 * seq.median_duty:.0f} % of the stride (a walk's "
            "share), but the pelvis is lowest in mid-stance, as in running: contacts could "
            "not be timed within a frame here, so contact time, flight time and duty factor "
            "are not reliable")
    if seq.walking:
        return (f"walking: duty factor {100 * seq.median_duty:.0f} %, the feet share the "
                "ground instead of a flight phase")
    n = len(seq.strides)
    if n < 4:
        return f"walking, standing or another activity: only {n} strides found"
    d = np.array([s.duration for s in seq.strides])
    cv = 1.4826 * np.median(np.abs(d - np.median(d))) / np.median(d)
    if cv > 0.15:
        return f"walking, standing or another activity: stride times vary by {100 * cv:.0f} %"
    if seen_s > 0:
        cover = max(sum(s.duration for s in seq.strides if s.foot == f) for f in SIDES) / seen_s
        if cover < 0.5:
            return ("walking, standing or another activity: regular strides cover only "
                    f"{100 * cover:.0f} % of the clip")
    return None


def froude_number(bf, leg_m: float) -> float:
    """Froude number v^2 / (g L) of a runner moving across the frame (overground).

    The speed is the slope of a straight-line fit of the mid-hip's horizontal position
    over time, in leg lengths per second. Humans change from walking to running near a
    Froude number of 0.5 (Alexander 1989, Physiol Rev 69:1199; Kram et al. 1997).
    """
    x = bf.mid(HIP["left"], HIP["right"])[:, 0]
    ok = np.isfinite(x)
    if ok.sum() < 10:
        return float("nan")
    v = abs(np.polyfit(bf.t[ok], x[ok], 1)[0])  # leg lengths / s
    return float(v * v * leg_m / 9.81)


class PelvisPhase:
    """Run or walk from where in the stance the pelvis is lowest.

    Running is a bouncing gait: the body is lowest near midstance, when the leg spring is
    most compressed; walking vaults over a stiff leg, highest near midstance (Cavagna et
    al. 1977, Am J Physiol 233:R243; Farley & Ferris 1998, Exerc Sport Sci Rev 26:253).
    The midpoint of a contact stays near midstance even when contacts are found early
    and toe-offs late, so the test survives the timing bias of small or blurred feet.

    Score per stance: mid-hip height at the middle of the contact minus its mean over
    the step, over half its range over the step; -1 lowest, +1 highest. The clip is a
    run when the median over stances is below ``run_below``.

    Parameters
    ----------
    run_below : float
        Median score under which the motion is a run's.
    min_stances : int
        Fewest stances with a score for a decision (fewer: not a run by this test).
    """

    def __init__(self, run_below: float = -0.3, min_stances: int = 4) -> None:
        self.run_below = run_below
        self.min_stances = min_stances

    def scores(self, bf, seq: Sequence | None = None) -> list[float]:
        """Per-midstance score (see the class docstring).

        Midstance is found without the contacts: the moment a foot's ankle passes
        backward under the mid-hip (on a treadmill only the stance foot moves back; a
        swinging foot passes forward). The step is the median time between midstances.
        """
        y = bf.mid(HIP["left"], HIP["right"])[:, 1]
        hip_x = bf.mid(HIP["left"], HIP["right"])[:, 0]
        mids = sorted(t for f in SIDES for t in _backward_crossings(bf.t, bf.p[:, ANKLE[f], 0]
                                                                     - hip_x))
        if len(mids) < 3:
            return []
        step = float(np.median(np.diff(mids)))
        out = []
        for t in mids:
            sel = (bf.t >= t - step / 2) & (bf.t <= t + step / 2) & np.isfinite(y)
            if sel.sum() < 4:
                continue
            seg = y[sel]
            half = 0.5 * float(np.ptp(seg))
            if half > 0:
                out.append((float(np.interp(t, bf.t[sel], seg)) - float(np.mean(seg))) / half)
        return out

    def is_run(self, bf, seq: Sequence) -> bool:
        """True when the pelvis is lowest near midstance in most stances."""
        sc = self.scores(bf, seq)
        return len(sc) >= self.min_stances and float(np.median(sc)) < self.run_below


def _backward_crossings(t: np.ndarray, d: np.ndarray) -> list[float]:
    """Times where ``d`` passes from >= 0 to < 0 (linear between frames)."""
    out = []
    ok = np.isfinite(d[:-1]) & np.isfinite(d[1:]) & (d[:-1] >= 0) & (d[1:] < 0)
    for i in np.flatnonzero(ok):
        out.append(float(t[i] + d[i] / (d[i] - d[i + 1]) * (t[i + 1] - t[i])))
    return out


# ------------------------------------------------------------------ slowed clips
def retime_track(track, time_scale: float):
    """The track in real time: a clip whose motion is slowed ``time_scale`` times.

    Phones export slow motion by storing frames captured at 120 or 240 fps at 30 fps,
    so the motion plays 4 or 8 times slower; dividing the frame times by that factor
    restores real time (the frames and their numbers stay as they are).
    """
    if time_scale == 1.0:
        return track
    return track.copy(times=np.asarray(track.times, float) / float(time_scale))


class SlowedClipDetector:
    """Tells a run played slower than real time from a walk, and names the factor.

    No adult runs on a treadmill at fewer than about 130 steps/min (elite runners
    155-203 spm, Lieberman et al. 2015; walking is 90-125 spm): a clip whose feet
    repeat at fewer than ``min_running_spm`` steps/min is either a walk or a run
    played slowly. Which one is decided by the motion, not its pace: the clip is
    retimed by the likely factor and analysed; only if it then passes every running
    check (flight phase, regular strides) is it called a slowed run. The factor comes
    from the capture-rate tag the phone wrote, when it did
    (:func:`gaitvision.video.ingest.slowed_by_metadata`), otherwise it is the one of
    ``factors`` (the ratios of phone capture rates to 30 fps playback) that puts the
    cadence nearest ``typical_spm``.

    Parameters
    ----------
    min_running_spm : float
        Cadence under which a clip is checked for slowed motion.
    typical_spm : float
        Cadence a slowed run is assumed to have, to choose the factor.
    factors : tuple of float
        Factors to choose from.
    max_stride_s : float
        Longest stride period searched (seconds of the file's time).
    """

    def __init__(self, min_running_spm: float = 100.0, typical_spm: float = 170.0,
                 factors: tuple[float, ...] = (2, 3, 4, 5, 6, 8, 10, 16),
                 max_stride_s: float = 12.0) -> None:
        self.min_running_spm = min_running_spm
        self.typical_spm = typical_spm
        self.factors = factors
        self.max_stride_s = max_stride_s

    def cadence(self, track) -> float:
        """Steps/min of the feet's periodic motion in the track's time (NaN if unclear)."""
        from gaitvision.kinematics.geometry import body_frame
        from gaitvision.kinematics.sequence import stride_period
        from gaitvision.landmarks import HEEL

        est = track.view
        view = est.view if est is not None else "side"
        direction = est.direction if est is not None else None
        bf = body_frame(track.times, track.xy, track.visibility, track.frame_size, view,
                        direction)
        axis = 0 if view == "side" else 1
        stride_s = stride_period(bf.t, [bf.p[:, HEEL[f], axis] for f in SIDES],
                                 hi=self.max_stride_s)
        return 120.0 / stride_s if np.isfinite(stride_s) and stride_s > 0 else float("nan")

    def factor(self, cadence: float, metadata_factor: float | None) -> float:
        """The likely slow-down factor: the phone's tag, else the nearest common one."""
        if metadata_factor:
            return float(metadata_factor)
        return float(min(self.factors,
                         key=lambda f: abs(np.log(cadence * f / self.typical_spm))))

    def check(self, track, metadata_factor: float | None = None) -> None:
        """Raise :class:`SlowMotionError` when ``track`` is a run played slowly.

        ``track`` is the labelled track in the file's time (after any time scale the
        user gave). Nothing happens for a clip at running pace, or for a slow clip that
        does not turn into a run when retimed (a walk: the ordinary checks refuse it).
        """
        from gaitvision.errors import GaitVisionError, SlowMotionError
        from gaitvision.kinematics.gait import analyze_gait

        cad = self.cadence(track)
        if not np.isfinite(cad) or cad >= self.min_running_spm:
            return
        factor = self.factor(cad, metadata_factor)
        try:
            analyze_gait(retime_track(track, factor), on_walking="raise")
        except GaitVisionError:
            return
        tag = (f"; the file says it was captured at {factor:g}x its playback rate"
               if metadata_factor else "")
        raise SlowMotionError(
            f"the motion looks slowed down about {factor:g}x (a stride takes "
            f"{120.0 / cad:.1f} s, {cad:.0f} steps/min, slower than any run, yet the movement "
            f"is a run's{tag}); if this is a slow-motion export, analyse it with time scale "
            f"{factor:g} (--time-scale {factor:g}).", factor)

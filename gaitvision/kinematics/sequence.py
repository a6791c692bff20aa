"""From each foot's contacts to a consistent left/right sequence of strides.

Running physiology constrains the contacts the event detector finds:

- each foot lands once per stride, and the feet alternate: between two ICs of one
  foot there is exactly one IC of the other;
- a contact is given to the foot whose phase it falls on: the ICs of one foot lie on
  a regular grid (a straight-line fit of IC time against stride number), and the other
  foot's half a stride off it; so a stretch of frames where the pose model swapped the
  legs' labels cannot move a contact to the wrong foot;
- duplicates within a foot (a stance split in two by keypoint noise) are merged, and
  spurious short contacts dropped;
- where a foot's contact is missing or implausible (the far leg hidden behind the
  treadmill console in side view), its IC is placed half a stride after the other
  foot's IC and its TO one median contact time later, and both are marked
  ``inferred`` (an assumption of step symmetry, stated in the quality section);
- a run has a flight phase (duty factor under 50 %); a walk has double support. A
  sequence whose median duty factor is 50 % or more is a walk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gaitvision.kinematics.events import Contact
from gaitvision.landmarks import SIDES

OTHER = {"left": "right", "right": "left"}


@dataclass
class SequenceParams:
    """Settings of :func:`build_sequence`."""

    min_contact_s: float = 0.06
    max_contact_s: float = 1.5
    stride_tolerance: float = 0.4      #: a stride within (1 +- this) x the median stride
    alternation_tolerance: float = 0.2  #: other foot's IC within this share of a stride of
    #:                                     the stride's midpoint, else it is re-placed
    walk_duty: float = 0.5             #: median duty factor at or above which it is a walk


@dataclass
class Stance:
    """A contact in the final sequence."""

    foot: str
    ic: float
    to: float
    ic_inferred: bool = False
    to_inferred: bool = False
    visibility: float = float("nan")


@dataclass
class Stride:
    """IC to the next IC of the same foot, with the stance inside it."""

    foot: str
    stance: Stance
    end: float                 #: next IC of the same foot
    other_ic: float            #: IC of the other foot inside the stride (end of the step)
    inferred: bool

    @property
    def duration(self) -> float:
        """Stride time, s."""
        return self.end - self.stance.ic


@dataclass
class Sequence:
    """Stances and strides of both feet, and what was assumed to get them."""

    stances: list[Stance]
    strides: list[Stride]
    stride_s: float
    walking: bool
    median_duty: float
    median_flight_s: float
    notes: list[str]


def stride_period(t: np.ndarray, signals: list[np.ndarray], lo: float = 0.4,
                  hi: float = 2.0) -> float:
    """Stride time (s) from the autocorrelation of periodic foot signals (NaN if unclear).

    Each signal (e.g. a heel's forward position) repeats once per stride; the first
    autocorrelation peak with a lag between ``lo`` and ``hi`` seconds that reaches 70 %
    of the highest one, refined with a parabola, is the stride time. Unlike intervals
    between detected contacts, it does not depend on every contact being found whole.
    """
    dt = float(np.median(np.diff(t)))
    acs = []
    for y in signals:
        ok = np.isfinite(y)
        if ok.sum() < 0.6 * len(y) or ok.sum() < 10:
            continue
        yy = np.interp(np.arange(len(y)), np.flatnonzero(ok), y[ok])
        yy = yy - yy.mean()
        n = len(yy)
        f = np.fft.rfft(yy, 2 * n)
        ac = np.fft.irfft(f * np.conj(f))[:n]
        if ac[0] <= 0:
            continue
        acs.append(ac / ac[0])
    if not acs:
        return float("nan")
    ac = np.mean(acs, axis=0)
    a, b = max(1, int(lo / dt)), min(int(hi / dt), len(ac) - 2)
    if b <= a + 2:
        return float("nan")
    # the first clear peak (multiples of the stride are peaks too)
    peaks = [k for k in range(a, b) if ac[k] >= ac[k - 1] and ac[k] > ac[k + 1]]
    if not peaks:
        return float("nan")
    top = max(ac[k] for k in peaks)
    if top < 0.2:
        return float("nan")
    k = next(k for k in peaks if ac[k] >= 0.7 * top)
    y0, y1, y2 = ac[k - 1], ac[k], ac[k + 1]
    den = y0 - 2 * y1 + y2
    off = 0.5 * (y0 - y2) / den if den < 0 else 0.0
    return float((k + off) * dt)


def _stride_time(contacts: dict[str, list[Contact]]) -> float:
    d = np.concatenate([np.diff([c.ic for c in cs]) for cs in contacts.values() if len(cs) > 1]
                       or [np.zeros(0)])
    d = d[d > 0.2]
    if d.size == 0:
        return float("nan")
    t0 = float(np.median(d))
    keep = d[(d > 0.6 * t0) & (d < 1.5 * t0)]
    return float(np.median(keep)) if keep.size else t0


def relabel_by_phase(contacts: dict[str, list[Contact]], stride: float
                     ) -> tuple[dict[str, list[Contact]], int]:
    """Give each contact to the foot on whose phase it lands; returns (contacts, moved).

    The better-populated foot's ICs are fitted with ``ic = a + T k`` (k the stride
    number, outliers dropped); a contact whose IC lies nearer ``a + T (k + 1/2)`` than
    ``a + T k`` belongs to the other foot.
    """
    ref = max(("left", "right"), key=lambda f: len(contacts.get(f, [])))
    ics = np.array([c.ic for c in contacts.get(ref, [])])
    if len(ics) < 3 or not np.isfinite(stride):
        return contacts, 0
    k = np.round((ics - ics[0]) / stride)
    keep = np.ones(len(ics), bool)
    for _ in range(3):
        slope, icpt = np.polyfit(k[keep], ics[keep], 1)
        r = ics - (icpt + slope * k)
        # a contact of the other foot among ref's sits about half a stride off the grid
        new = np.abs(r) < 0.25 * stride
        if new.sum() < 3 or (new == keep).all():
            break
        keep = new
    out: dict[str, list[Contact]] = {"left": [], "right": []}
    moved = 0
    for foot, cs in contacts.items():
        for c in cs:
            ph = ((c.ic - icpt) / slope) % 1.0
            near_ref = min(ph, 1 - ph) < 0.25
            f = ref if near_ref else OTHER[ref]
            if f != foot:
                moved += 1
                c = Contact(f, c.ic, c.to, c.visibility, c.ic_ok, c.to_ok)
            out[f].append(c)
    for f in out:
        out[f].sort(key=lambda c: c.ic)
    return out, moved


def _clean_foot(cs: list[Contact], stride: float, p: SequenceParams) -> list[Contact]:
    """Merge the pieces of one stance, then drop implausible contacts and duplicates.

    A stance comes in pieces when keypoint noise or a few frames of swapped labels
    interrupt it (the pieces in between are then given back to this foot by
    :func:`relabel_by_phase`); pieces less than a tenth of a stride apart are joined
    before short contacts are dropped, so the first piece keeps the true IC.
    """
    merged: list[Contact] = []
    for c in sorted(cs, key=lambda c: c.ic):
        if merged and np.isfinite(stride) and c.ic - merged[-1].to < 0.1 * stride \
                and c.to - merged[-1].ic <= p.max_contact_s:
            prev = merged[-1]
            merged[-1] = Contact(c.foot, prev.ic, max(prev.to, c.to),
                                 (prev.visibility + c.visibility) / 2, prev.ic_ok, c.to_ok)
        else:
            merged.append(c)
    out: list[Contact] = []
    for c in merged:
        if not p.min_contact_s <= c.duration <= p.max_contact_s:
            continue
        if out and np.isfinite(stride) and c.ic - out[-1].ic < 0.6 * stride:
            if c.duration > out[-1].duration:
                out[-1] = c
            continue
        out.append(c)
    return out


def build_sequence(contacts: dict[str, list[Contact]], visibility: dict[str, float],
                   params: SequenceParams | None = None, hidden: str | None = None,
                   stride_s: float | None = None) -> Sequence:
    """Check, complete and pair the contacts of both feet.

    Parameters
    ----------
    contacts : dict
        ``{"left": [...], "right": [...]}`` from :func:`~.events.detect_contacts`.
    visibility : dict
        Mean visibility of each leg; the less visible leg is the one re-placed when
        the two disagree.
    hidden : str, optional
        A foot that lands out of sight (side view: the far foot lands behind the near
        leg or the treadmill console): its ICs are always placed half a stride after
        the other foot's and marked inferred; its toe-offs, at the back of the stride,
        are kept where they were seen.
    stride_s : float, optional
        Stride time from the feet's periodic motion (:func:`stride_period`); by default
        the median interval between one foot's contacts, which pieces of stances split
        by swapped labels can spoil.
    """
    p = params or SequenceParams()
    notes: list[str] = []
    stride = stride_s if stride_s is not None and np.isfinite(stride_s) else _stride_time(contacts)
    contacts, moved = relabel_by_phase(contacts, stride)
    if moved:
        notes.append(f"{moved} contacts were given to the other foot by their timing (the pose "
                     "model had swapped the legs' labels there)")
    feet = {f: _clean_foot(contacts.get(f, []), stride, p) for f in ("left", "right")}
    stances = {f: [Stance(f, c.ic, c.to, visibility=c.visibility) for c in cs]
               for f, cs in feet.items()}
    if not np.isfinite(stride):
        return Sequence([s for v in stances.values() for s in v], [], stride, False,
                        float("nan"), float("nan"), ["too few contacts to find a stride"])
    contact_med = {f: float(np.median([s.to - s.ic for s in v])) if v else float("nan")
                   for f, v in stances.items()}
    weaker = hidden or min(("left", "right"),
                           key=lambda f: (visibility.get(f, 0.0), len(stances[f])))
    n_inferred = 0
    # Walk the better-seen foot's strides and make the other foot fit in each.
    ref = OTHER[weaker]
    for a, b in zip(stances[ref][:-1], stances[ref][1:]):
        dur = b.ic - a.ic
        if abs(dur / stride - 1) > p.stride_tolerance:
            continue
        mid = a.ic + dur / 2
        inside = [s for s in stances[weaker] if a.ic < s.ic < b.ic]
        good = [s for s in inside if abs(s.ic - mid) <= p.alternation_tolerance * dur]
        if len(good) == 1 and len(inside) == 1 and weaker != hidden:
            continue
        for s in inside:
            stances[weaker].remove(s)
        if good and weaker != hidden:
            keep = min(good, key=lambda s: abs(s.ic - mid))
            stances[weaker].append(keep)
            continue
        cm = contact_med[weaker] if np.isfinite(contact_med[weaker]) else contact_med[ref]
        seen_to = [s.to for s in inside if mid + 0.3 * cm < s.to < b.ic]
        if seen_to:
            stances[weaker].append(Stance(weaker, mid, seen_to[-1], True, False, 0.0))
        else:
            stances[weaker].append(Stance(weaker, mid, mid + cm, True, True, 0.0))
        n_inferred += 1
    if weaker == hidden:  # outside the other foot's strides nothing places them: drop
        stances[weaker] = [s for s in stances[weaker] if s.ic_inferred]
    stances[weaker].sort(key=lambda s: s.ic)
    if n_inferred:
        notes.append(f"{n_inferred} {weaker}-foot contacts were not seen and were placed "
                     "half a stride after the other foot's (assumes even steps, so step-time "
                     "asymmetry cannot be measured)")
    strides = _pair(stances, stride, p)
    duty = [s.stance.to - s.stance.ic for s in strides]
    duty = np.array(duty) / np.array([s.duration for s in strides]) if strides else np.zeros(0)
    flight = np.array([s.other_ic - s.stance.to for s in strides]) if strides else np.zeros(0)
    med_duty = float(np.median(duty)) if duty.size else float("nan")
    med_flight = float(np.median(flight)) if flight.size else float("nan")
    walking = bool(duty.size and (med_duty >= p.walk_duty or med_flight < -0.02))
    all_st = sorted(stances["left"] + stances["right"], key=lambda s: s.ic)
    return Sequence(all_st, strides, stride, walking, med_duty, med_flight, notes)


def _pair(stances: dict[str, list[Stance]], stride: float, p: SequenceParams) -> list[Stride]:
    out: list[Stride] = []
    for foot, sts in stances.items():
        other = [s.ic for s in stances[OTHER[foot]]]
        for a, b in zip(sts[:-1], sts[1:]):
            dur = b.ic - a.ic
            if abs(dur / stride - 1) > p.stride_tolerance or not (a.ic < a.to < b.ic):
                continue
            inside = [t for t in other if a.ic < t < b.ic]
            if len(inside) != 1:
                continue
            out.append(Stride(foot, a, b.ic, inside[0],
                              a.ic_inferred or a.to_inferred or b.ic_inferred))
    out.sort(key=lambda s: s.stance.ic)
    return out


def cadence_fit(seq: Sequence) -> dict[str, float]:
    """Cadence (steps/min) from a straight-line fit of event times against cycle number.

    Every seen IC and TO counts (each foot and event type with its own offset, one common
    stride time), with outliers beyond 3 robust SDs dropped: steadier than averaging
    stride times, which hangs on the two ends of each stride. Per side, the same fit
    with that foot's events only.
    """
    out = {}
    for key, feet in (("left", ("left",)), ("right", ("right",)), ("both", SIDES)):
        groups = []
        for f in feet:
            for typ in ("IC", "TO"):
                ts = np.array([st.ic if typ == "IC" else st.to for st in seq.stances
                               if st.foot == f and not (st.ic_inferred if typ == "IC"
                                                        else st.to_inferred)])
                if len(ts) >= 3:
                    groups.append(ts)
        if not groups or not np.isfinite(seq.stride_s):
            continue
        rows, y, g = [], [], []
        for gi, ts in enumerate(groups):
            k = np.round((ts - ts[0]) / seq.stride_s)
            rows += list(k)
            y += list(ts)
            g += [gi] * len(ts)
        k, y, g = np.array(rows), np.array(y), np.array(g)
        keep = np.ones(len(y), bool)
        for _ in range(3):
            a = np.column_stack([k] + [(g == i).astype(float) for i in range(len(groups))])
            coef, *_ = np.linalg.lstsq(a[keep], y[keep], rcond=None)
            r = y - a @ coef
            mad = 1.4826 * np.median(np.abs(r[keep] - np.median(r[keep])))
            new = np.abs(r) <= max(3 * mad, 0.01)
            if (new == keep).all():
                break
            keep = new
        if coef[0] > 0:
            out[key] = 120.0 / float(coef[0])
    return out

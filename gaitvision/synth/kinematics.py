"""A parametric model of treadmill running over the gait cycle (pure numpy).

World frame: X forward (the running direction), Y to the runner's left, Z up; metres
and seconds. The belt's top surface is the plane Z = 0 and it moves towards -X at the
belt speed; the runner stays in place on average.

The model, per leg:
- Stance (IC to TO): the foot is a rigid body that rolls on the belt. From IC the heel's
  contact point is on the belt and moves back at belt speed while the foot flattens
  (heel rocker), the whole sole then sits flat on the belt, and from heel-off the foot
  pivots about the ball, whose contact point moves back at belt speed until TO. The
  knee follows from the hip and ankle positions by two-link inverse kinematics.
- Swing (TO to the next IC): thigh angle, knee flexion and the foot's angle to the
  shank are cubic Hermite curves that match the stance values and rates at TO and IC,
  plus a smooth bump for the knee's swing flexion and the thigh's late-swing peak.
- Pelvis: vertical oscillation (lowest at mid-stance), a little lateral sway,
  obliquity (the swing side drops during each stance, deepest near mid-stance) and
  transverse rotation. Trunk: forward lean, counter-rotation. Arms: shoulder flexion,
  elbow flexion and a humeral rotation that carries the wrist towards the midline in
  the forward swing (the crossover).

Targets (knee flexion at IC, peak thigh extension, arm crossover) are met by solving
for the foot placement, the pelvis height and the humeral rotation; the true values
that the clips show are measured afterwards from the generated joint centres
(:mod:`gaitvision.synth.truth`), not assumed from the targets.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from gaitvision.synth.rotations import align, cross, exp_rot, rx, ry, rz, slerp

SIDES = ("left", "right")
_S = {"left": "L", "right": "R"}
_I3 = np.eye(3)

BONE_GROUPS_ORDER = (
    "pelvis", "lumbar", "trunk", "neck", "head",
    "thigh_L", "shank_L", "foot_L", "thigh_R", "shank_R", "foot_R",
    "upperarm_L", "forearm_L", "hand_L", "upperarm_R", "forearm_R", "hand_R",
)


def bone_group(label: str) -> str:
    """The rigid segment an Anny bone belongs to."""
    if label in ("root", "pelvis.L", "pelvis.R", "spine05"):
        return "pelvis"
    if label in ("spine04", "spine03"):
        return "lumbar"
    if label in ("spine02", "spine01") or label.startswith(("clavicle", "shoulder01")):
        return "trunk"
    if label.startswith("neck"):
        return "neck"
    side = label[-1] if label[-2:] in (".L", ".R") else None
    if side is not None:
        if label.startswith("upperleg"):
            return f"thigh_{side}"
        if label.startswith("lowerleg"):
            return f"shank_{side}"
        if label.startswith(("foot", "toe")):
            return f"foot_{side}"
        if label.startswith("upperarm"):
            return f"upperarm_{side}"
        if label.startswith("lowerarm"):
            return f"forearm_{side}"
        if label.startswith(("wrist", "finger", "metacarpal")):
            return f"hand_{side}"
    return "head"


#: Landmarks the truth carries (BlazePose names) and the Anny bone whose head is the
#: joint centre; heel and foot_index are points fixed in the foot (see Skeleton.feet).
JOINT_BONES = {
    "shoulder": "upperarm01", "elbow": "lowerarm01", "wrist": "wrist",
    "hip": "upperleg01", "knee": "lowerleg01", "ankle": "foot",
}
LANDMARKS = tuple(f"{side}_{j}" for j in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle",
                                          "heel", "foot_index") for side in SIDES)


@dataclass
class RunParams:
    """What the synthetic runner does. Angles in degrees, lengths in metres.

    ``asymmetry`` is a left/right fraction: the left side's knee flexion at IC, thigh
    extension, pelvic drop (when standing on the left) and arm crossover are scaled by
    ``1 + asymmetry/2`` and the right side's by ``1 - asymmetry/2``.
    """

    cadence_spm: float = 170.0
    speed_kmh: float = 11.0
    duty_factor: float = 0.36          # contact time / stride time (< 0.5: a flight phase)
    knee_flexion_ic_deg: float = 20.0  # 180 - hip-knee-ankle angle at IC (target)
    peak_hip_extension_deg: float = 16.0  # peak thigh behind vertical (target)
    pelvic_drop_deg: float = 5.0       # peak obliquity in each stance, swing side lower
    arm_crossover: float = 0.15        # wrist past the midline, in shoulder widths (target)
    trunk_lean_deg: float = 8.0        # trunk (mid-hip -> mid-shoulder) forward of vertical
    asymmetry: float = 0.12
    vertical_oscillation_m: float = 0.075
    foot_strike_angle_deg: float = 12.0   # sole vs belt at IC, toes up (rearfoot strike)
    toe_off_foot_angle_deg: float = -32.0  # sole vs belt at TO
    swing_knee_flexion_deg: float = 100.0
    step_width_m: float = 0.07         # lateral distance between the two feet's ankle lines
    pelvic_rotation_deg: float = 5.0
    thorax_rotation_deg: float = 7.0
    arm_swing_deg: float = 28.0        # shoulder flexion amplitude
    elbow_flexion_deg: float = 88.0
    variability: float = 0.04          # stride-to-stride scatter of drop and crossover
    seed: int = 7

    @property
    def speed_ms(self) -> float:
        return self.speed_kmh / 3.6

    @property
    def stride_time_s(self) -> float:
        return 120.0 / self.cadence_spm

    @property
    def contact_time_s(self) -> float:
        return self.duty_factor * self.stride_time_s

    def side_scale(self, side: str) -> float:
        return 1.0 + (0.5 if side == "left" else -0.5) * self.asymmetry

    def validate(self) -> None:
        if not 0.2 <= self.duty_factor < 0.5:
            raise ValueError("duty_factor must be in [0.2, 0.5): running has a flight phase")
        if not 120 <= self.cadence_spm <= 220:
            raise ValueError("cadence_spm must be within 120..220")
        if not 5 <= self.speed_kmh <= 25:
            raise ValueError("speed_kmh must be within 5..25")


@dataclass
class Skeleton:
    """Rest geometry of the rig in the world frame (root at the origin).

    ``feet[side]`` holds points fixed in each foot: ``heel`` and ``toe`` (the BlazePose
    heel and foot_index landmarks: back of the heel, tip of the shoe), and the sole's
    contact points ``heel_pivot`` and ``ball_pivot``.
    """

    labels: list[str]
    parents: list[int]
    rest_heads: np.ndarray
    feet: dict[str, dict[str, np.ndarray]]
    phenotype: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rest_heads = np.asarray(self.rest_heads, dtype=float)
        self.feet = {s: {k: np.asarray(v, dtype=float) for k, v in d.items()}
                     for s, d in self.feet.items()}
        self.index = {name: i for i, name in enumerate(self.labels)}
        self.groups = [bone_group(lab) for lab in self.labels]

    def head(self, label: str) -> np.ndarray:
        return self.rest_heads[self.index[label]]

    def joint(self, side: str, joint: str) -> np.ndarray:
        return self.head(f"{JOINT_BONES[joint]}.{_S[side]}")

    @property
    def stature_m(self) -> float:
        """Top of the head (approximate: the head joint plus 0.12 m) above the sole."""
        return float(self.head("head")[2] + 0.12 - self.feet["left"]["heel_pivot"][2])

    def to_json(self) -> dict:
        return {
            "labels": self.labels, "parents": self.parents,
            "rest_heads": np.round(self.rest_heads, 6).tolist(),
            "feet": {s: {k: np.round(v, 6).tolist() for k, v in d.items()}
                     for s, d in self.feet.items()},
            "phenotype": self.phenotype,
        }

    @classmethod
    def from_json(cls, data: dict) -> Skeleton:
        return cls(labels=list(data["labels"]), parents=[int(p) for p in data["parents"]],
                   rest_heads=np.array(data["rest_heads"]), feet=data["feet"],
                   phenotype=dict(data.get("phenotype", {})))

    @classmethod
    def default(cls) -> Skeleton:
        """The default Anny body's rest skeleton, shipped as JSON (no torch needed)."""
        path = Path(__file__).with_name("default_skeleton.json")
        return cls.from_json(json.loads(path.read_text()))


@dataclass
class Pose:
    """The body at one instant."""

    t: float
    root: np.ndarray                # (3,) world position of the root bone head
    rotations: np.ndarray           # (N, 3, 3) world rotation of each bone from rest
    heads: np.ndarray               # (N, 3) posed bone heads
    landmarks: dict[str, np.ndarray]
    contact: dict[str, bool]


def _hermite(u, p0, m0, p1, m1, dur):
    u2, u3 = u * u, u * u * u
    return ((2 * u3 - 3 * u2 + 1) * p0 + (u3 - 2 * u2 + u) * dur * m0
            + (-2 * u3 + 3 * u2) * p1 + (u3 - u2) * dur * m1)


def _bump(u: float, peak: float) -> float:
    """Smooth 0..1..0 bump on [0, 1] with zero slope at both ends, peaking at ``peak``."""
    p = math.log(0.5) / math.log(peak)
    return math.sin(math.pi * min(max(u, 0.0), 1.0) ** p) ** 2


def _two_link_2d(dx: float, dz: float, l1: float, l2: float) -> tuple[float, float]:
    """Sagittal thigh angle (from vertical, forward positive) and knee flexion (rad)
    for an ankle at (dx, dz) from the hip, knee in front of the hip-ankle line."""
    d = min(math.hypot(dx, dz), l1 + l2 - 1e-9)
    cos_k = (l1 * l1 + l2 * l2 - d * d) / (2 * l1 * l2)
    knee = math.pi - math.acos(max(-1.0, min(1.0, cos_k)))
    psi = math.atan2(dx, -dz)
    cos_g = (l1 * l1 + d * d - l2 * l2) / (2 * l1 * d)
    return psi + math.acos(max(-1.0, min(1.0, cos_g))), knee


def _fk_2d(theta: float, knee: float, l1: float, l2: float) -> tuple[float, float]:
    return (l1 * math.sin(theta) + l2 * math.sin(theta - knee),
            -(l1 * math.cos(theta) + l2 * math.cos(theta - knee)))


def _ik_knee(hip, ankle, pole, l1, l2):
    v = ankle - hip
    d = float(np.linalg.norm(v))
    d = min(d, l1 + l2 - 1e-9)
    u = v / np.linalg.norm(v)
    a = (l1 * l1 - l2 * l2 + d * d) / (2 * d)
    h = math.sqrt(max(l1 * l1 - a * a, 0.0))
    w = pole - np.dot(pole, u) * u
    w = w / np.linalg.norm(w)
    return hip + a * u + h * w


class RunModel:
    """Deterministic run: ``pose(t)`` for any time, ``events(t0, t1)`` for IC/TO.

    Left IC happens at ``phase0 + k * T`` and right IC at ``phase0 + (k + 1/2) T``
    (T the stride time); TO at IC + duty_factor * T.
    """

    S_FLAT = 0.15      # stance fraction where the foot becomes flat
    S_HEEL_OFF = 0.45  # stance fraction of heel-off
    TAU_TO = 0.018     # s: how fast the thigh's backward swing stops after TO

    def __init__(self, params: RunParams | None = None, skeleton: Skeleton | None = None,
                 solve: bool = True) -> None:
        self.p = params or RunParams()
        self.p.validate()
        self.sk = skeleton or Skeleton.default()
        sk = self.sk
        rng = np.random.default_rng(self.p.seed)
        self.T = self.p.stride_time_s
        self.Tc = self.p.contact_time_s
        self.v = self.p.speed_ms
        self.phase0 = -float(rng.uniform(0.0, self.T))
        # Stride-to-stride scatter (multiplicative) of pelvic drop and crossover.
        self._scatter = 1.0 + self.p.variability * rng.standard_normal((2, 2, 4096))
        self.l1 = {s: float(np.linalg.norm(sk.joint(s, "knee") - sk.joint(s, "hip")))
                   for s in SIDES}
        self.l2 = {s: float(np.linalg.norm(sk.joint(s, "ankle") - sk.joint(s, "knee")))
                   for s in SIDES}
        self.lu = {s: float(np.linalg.norm(sk.joint(s, "elbow") - sk.joint(s, "shoulder")))
                   for s in SIDES}
        self.lf = {s: float(np.linalg.norm(sk.joint(s, "wrist") - sk.joint(s, "elbow")))
                   for s in SIDES}
        # Rest sole angle (heel pivot -> ball pivot, toes up positive) per side.
        self.beta0 = {}
        for s in SIDES:
            f = sk.feet[s]
            d = f["ball_pivot"] - f["heel_pivot"]
            self.beta0[s] = math.atan2(d[2], d[0])
        hip_y = {s: float(sk.joint(s, "hip")[1]) for s in SIDES}
        half = 0.5 * self.p.step_width_m
        self.ankle_y = {"left": half, "right": -half}
        self._hip_y = hip_y
        # Unknowns solved below: heel pivot x at IC per side, pelvis base heights.
        self.x0 = {"left": 0.25, "right": 0.25}
        self.h_mean = float(-sk.feet["left"]["heel_pivot"][2]) - 0.02
        self.h_diff = 0.0
        self.rho_amp = {s: math.radians(45.0) for s in SIDES}
        self._swing_cache: dict[str, dict] = {}
        self._group_index: dict[str, list[int]] = {}
        for i, g in enumerate(sk.groups):
            self._group_index.setdefault(g, []).append(i)
        if solve:
            self._solve_legs()
            self._solve_arms()

    # ------------------------------------------------------------------ timing
    def ic_time(self, side: str, k: int) -> float:
        return self.phase0 + (k + (0.5 if side == "right" else 0.0)) * self.T

    def _phase(self, side: str, t: float) -> tuple[int, float]:
        """Stride index and phase in [0, 1) from this side's IC."""
        x = (t - self.ic_time(side, 0)) / self.T
        k = math.floor(x)
        return k, x - k

    def events(self, t0: float, t1: float) -> list[dict]:
        """Every IC/TO pair whose IC lies in [t0, t1), sorted by IC time."""
        out = []
        for side in SIDES:
            k = math.floor((t0 - self.ic_time(side, 0)) / self.T) - 1
            while self.ic_time(side, k) < t1:
                ic = self.ic_time(side, k)
                if ic >= t0:
                    out.append({"side": side, "stride": k, "ic_s": ic, "to_s": ic + self.Tc})
                k += 1
        return sorted(out, key=lambda e: e["ic_s"])

    # ------------------------------------------------------------------ pelvis/trunk
    def _mid_stance_left(self) -> float:
        return self.ic_time("left", 0) + 0.5 * self.Tc

    def pelvis(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Root position and pelvis rotation."""
        memo = self.__dict__.get("_pelvis_memo")
        if memo is not None and memo[0] == t and memo[1] == self._state_key():
            return memo[2]
        out = self._pelvis(t)
        self._pelvis_memo = (t, self._state_key(), out)
        return out

    def _state_key(self) -> tuple:
        return (self.h_mean, self.h_diff)

    def _pelvis(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        p = self.p
        tm = self._mid_stance_left()
        w_stride = 2 * math.pi * (t - tm) / self.T
        z = (self.h_mean + self.h_diff * math.cos(w_stride)
             - 0.5 * p.vertical_oscillation_m * math.cos(2 * w_stride))
        y = 0.008 * math.cos(w_stride)
        # Obliquity: during each stance the swing side drops, deepest near mid-stance.
        obl = 0.0
        for side, sign in (("left", 1.0), ("right", -1.0)):
            k, ph = self._phase(side, t)
            if ph < p.duty_factor:
                amp = p.pelvic_drop_deg * p.side_scale(side)
                amp *= self._scatter[0, 0 if side == "left" else 1, k % 4096]
                obl += sign * math.radians(amp) * _bump(ph / p.duty_factor, 0.42)
        w_ic = 2 * math.pi * (t - self.ic_time("left", 0)) / self.T
        yaw = -math.radians(p.pelvic_rotation_deg) * math.cos(w_ic + 0.3)
        return np.array([0.0, y, z]), rz(yaw) @ rx(obl)

    def trunk(self, t: float) -> np.ndarray:
        p = self.p
        w_ic = 2 * math.pi * (t - self.ic_time("left", 0)) / self.T
        tm = self._mid_stance_left()
        lean = math.radians(p.trunk_lean_deg) + math.radians(1.2) * math.cos(
            4 * math.pi * (t - tm) / self.T)
        yaw = math.radians(p.thorax_rotation_deg) * math.cos(w_ic + 0.3)
        return rz(yaw) @ ry(lean)

    # ------------------------------------------------------------------ legs
    def _stance_foot(self, side: str, s: float) -> tuple[float, np.ndarray]:
        """Foot pitch (sole vs belt, toes up positive) and ankle position at stance
        fraction s, for this side's foot placement."""
        p, f = self.p, self.sk.feet[side]
        b_ic = math.radians(p.foot_strike_angle_deg)
        b_to = math.radians(p.toe_off_foot_angle_deg)
        if s < self.S_FLAT:
            beta = b_ic * 0.5 * (1 + math.cos(math.pi * s / self.S_FLAT))
        elif s < self.S_HEEL_OFF:
            beta = 0.0
        else:
            beta = b_to * ((s - self.S_HEEL_OFF) / (1 - self.S_HEEL_OFF)) ** 2
        rot = ry(-(beta - self.beta0[side]))
        ankle_rest = self.sk.joint(side, "ankle")
        heel_x = self.x0[side] - self.v * s * self.Tc
        if s < self.S_HEEL_OFF:
            piv_rest = f["heel_pivot"]
            piv_x = heel_x
        else:
            piv_rest = f["ball_pivot"]
            flat = ry(self.beta0[side])  # rest -> flat
            sole = flat @ (f["ball_pivot"] - f["heel_pivot"])
            piv_x = self.x0[side] - self.v * s * self.Tc + sole[0]
        piv_y = self.ankle_y[side] - (ankle_rest[1] - piv_rest[1])
        piv = np.array([piv_x, piv_y, 0.0])
        return beta, piv + rot @ (ankle_rest - piv_rest)

    def _hip(self, side: str, t: float) -> np.ndarray:
        root, rp = self.pelvis(t)
        return root + rp @ self.sk.joint(side, "hip")

    def _pole(self, t: float) -> np.ndarray:
        _, rp = self.pelvis(t)
        return rp @ np.array([1.0, 0.0, 0.0])

    def _stance_2d(self, side: str, t: float, s: float) -> tuple[float, float, float]:
        """Sagittal thigh angle, knee flexion and foot-to-shank angle in stance."""
        beta, ankle = self._stance_foot(side, s)
        hip = self._hip(side, t)
        th, kn = _two_link_2d(ankle[0] - hip[0], ankle[2] - hip[2], self.l1[side], self.l2[side])
        return th, kn, beta - (th - kn)

    def _swing_bounds(self, side: str) -> dict:
        if side in self._swing_cache:
            return self._swing_cache[side]
        eps = 1e-4
        t_to = self.ic_time(side, 0) + self.Tc
        t_ic = self.ic_time(side, 1)
        a = np.array(self._stance_2d(side, t_to, 1.0))
        a_m = np.array(self._stance_2d(side, t_to - eps, 1.0 - eps / self.Tc))
        b = np.array(self._stance_2d(side, t_ic, 0.0))
        _, ank_to = self._stance_foot(side, 1.0)
        _, ank_to_m = self._stance_foot(side, 1.0 - eps / self.Tc)
        # At IC the swing ends with its own rates (the landing is an impact: the knee
        # and thigh change rate there): thigh retracting, knee nearly still.
        m1 = np.array([math.radians(-80.0), math.radians(-40.0), 0.0])
        out = {"p0": a, "m0": (a - a_m) / eps, "p1": b, "m1": m1,
               "y0": ank_to[1], "my0": (ank_to[1] - ank_to_m[1]) / eps}
        dur = self.T - self.Tc
        peak_k = math.radians(self.p.swing_knee_flexion_deg)
        out["bk"] = peak_k - _hermite(0.42, a[1], out["m0"][1], b[1], out["m1"][1], dur)
        # The thigh keeps its TO rate for a moment and reverses within about TAU_TO:
        # an exponential term carries the rate, the Hermite part starts at rest.
        m0t = out["m0"][0]
        out["thigh_carry"] = m0t * self.TAU_TO * (1 - math.exp(-dur / self.TAU_TO))
        out["thigh_m0"] = m0t
        th_peak = b[0] + math.radians(5.0)
        out["bt"] = max(0.0, th_peak - self._thigh_swing(0.75, out, dur, bt=0.0))
        self._swing_cache[side] = out
        return out

    def _thigh_swing(self, u: float, sb: dict, dur: float, bt: float | None = None) -> float:
        p0, p1, m1 = sb["p0"][0], sb["p1"][0], sb["m1"][0]
        carry = sb["thigh_carry"]
        th = _hermite(u, p0, 0.0, p1 - carry, m1, dur)
        th += sb["thigh_m0"] * self.TAU_TO * (1 - math.exp(-u * dur / self.TAU_TO))
        return th + (sb["bt"] if bt is None else bt) * _bump(u, 0.75)

    def _leg(self, side: str, t: float) -> dict:
        k, ph = self._phase(side, t)
        hip = self._hip(side, t)
        pole = self._pole(t)
        l1, l2 = self.l1[side], self.l2[side]
        if ph < self.p.duty_factor:
            s = ph / self.p.duty_factor
            beta, ankle = self._stance_foot(side, s)
            contact = True
        else:
            sb = self._swing_bounds(side)
            dur = self.T - self.Tc
            u = (ph - self.p.duty_factor) / (1 - self.p.duty_factor)
            kn, rel = (_hermite(u, sb["p0"][i], sb["m0"][i], sb["p1"][i], sb["m1"][i], dur)
                       for i in (1, 2))
            kn += sb["bk"] * _bump(u, 0.42)
            th = self._thigh_swing(u, sb, dur)
            rel += math.radians(22.0) * _bump(u, 0.68)
            dx, dz = _fk_2d(th, kn, l1, l2)
            y = _hermite(u, sb["y0"], sb["my0"], self.ankle_y[side], 0.0, dur)
            ankle = np.array([hip[0] + dx, y, hip[2] + dz])
            beta = rel + (th - kn)
            contact = False
        knee = _ik_knee(hip, ankle, pole, l1, l2)
        foot_rot = ry(-(beta - self.beta0[side]))
        return {"hip": hip, "knee": knee, "ankle": ankle, "pole": pole, "foot": foot_rot,
                "beta": beta, "contact": contact}

    # ------------------------------------------------------------------ arms
    def _arm_angles(self, side: str, t: float) -> tuple[float, float, float]:
        p = self.p
        other = "right" if side == "left" else "left"
        k, _ = self._phase(side, t)
        w = 2 * math.pi * (t - self.ic_time(other, 0)) / self.T - 0.25
        flex = math.radians(-8.0 + p.arm_swing_deg * math.cos(w))
        elbow = math.radians(p.elbow_flexion_deg + 12.0 * math.cos(w))
        amp = self.rho_amp[side] * self._scatter[1, 0 if side == "left" else 1, k % 4096]
        rho = math.radians(5.0) + amp * 0.5 * (1 + math.cos(w))
        return flex, elbow, rho

    # ------------------------------------------------------------------ whole body
    def pose(self, t: float) -> Pose:
        sk = self.sk
        root, rp = self.pelvis(t)
        rt = self.trunk(t)
        groups: dict[str, np.ndarray] = {"pelvis": rp, "trunk": rt, "lumbar": slerp(rp, rt, 0.5)}
        lean = math.radians(self.p.trunk_lean_deg)
        head_target = rz(0.0) @ ry(0.3 * lean)
        groups["neck"] = slerp(rt, head_target, 0.5)
        groups["head"] = head_target
        legs = {}
        x_axis = np.array([1.0, 0.0, 0.0])
        for side in SIDES:
            s = _S[side]
            leg = self._leg(side, t)
            legs[side] = leg
            hip_r, knee_r, ankle_r = (sk.joint(side, j) for j in ("hip", "knee", "ankle"))
            groups[f"thigh_{s}"] = align(knee_r - hip_r, x_axis, leg["knee"] - leg["hip"],
                                         leg["pole"])
            groups[f"shank_{s}"] = align(ankle_r - knee_r, x_axis, leg["ankle"] - leg["knee"],
                                         leg["pole"])
            groups[f"foot_{s}"] = leg["foot"]
        # Chain for the trunk first (the arms hang from it), then the arms.
        rot = np.empty((len(sk.labels), 3, 3))
        for g, idx in self._group_index.items():
            rot[idx] = groups.get(g, _I3)
        heads = self._chain(root, rot)
        for side in SIDES:
            s = _S[side]
            sh = heads[sk.index[f"upperarm01.{s}"]]
            flex, elb, rho = self._arm_angles(side, t)
            sgn = 1.0 if side == "left" else -1.0
            ab = math.radians(8.0) * sgn
            hadd = 0.45 * max(rho - math.radians(5.0), 0.0) * max(math.sin(flex), 0.0) * 2.0
            u = rt @ (rz(-sgn * hadd) @ ry(-flex) @ rx(ab) @ np.array([0.0, 0.0, -1.0]))
            fwd = rt @ x_axis
            wv = fwd - np.dot(fwd, u) * u
            wv /= np.linalg.norm(wv)
            med = cross(u, wv) * (1.0 if side == "left" else -1.0)
            f = math.cos(elb) * u + math.sin(elb) * (math.cos(rho) * wv + math.sin(rho) * med)
            elbow = sh + self.lu[side] * u
            wrist = elbow + self.lf[side] * f
            sr, er, wr = (sk.joint(side, j) for j in ("shoulder", "elbow", "wrist"))
            g_ua = align(er - sr, wr - er, elbow - sh, wrist - elbow)
            g_fa = align(wr - er, er - sr, wrist - elbow, elbow - sh)
            curl = self._finger_curl(side)
            rot[self._group_index.get(f"upperarm_{s}", [])] = g_ua
            for g in (f"forearm_{s}", f"hand_{s}"):
                for i in self._group_index.get(g, []):
                    rot[i] = g_fa @ curl[i] if i in curl else g_fa
        heads = self._chain(root, rot)
        lms: dict[str, np.ndarray] = {}
        for side in SIDES:
            s = _S[side]
            for j, bone in JOINT_BONES.items():
                lms[f"{side}_{j}"] = heads[sk.index[f"{bone}.{s}"]]
            ankle_r = sk.joint(side, "ankle")
            ankle = lms[f"{side}_ankle"]
            frot = rot[sk.index[f"foot.{s}"]]
            lms[f"{side}_heel"] = ankle + frot @ (sk.feet[side]["heel"] - ankle_r)
            lms[f"{side}_foot_index"] = ankle + frot @ (sk.feet[side]["toe"] - ankle_r)
        lms["head"] = heads[sk.index["head"]]
        return Pose(t=t, root=root, rotations=rot, heads=heads, landmarks=lms,
                    contact={s: legs[s]["contact"] for s in SIDES})

    def _finger_curl(self, side: str) -> dict[int, np.ndarray]:
        """Rest-frame rotations that close the fingers into a loose fist (cached)."""
        cache = self.__dict__.setdefault("_curl_cache", {})
        if side in cache:
            return cache[side]
        sk, s = self.sk, _S[side]
        out: dict[int, np.ndarray] = {}
        try:
            k2, k5 = sk.head(f"finger2-1.{s}"), sk.head(f"finger5-1.{s}")
            d = sk.head(f"finger3-2.{s}") - sk.head(f"finger3-1.{s}")
        except KeyError:
            cache[side] = out
            return out
        axis = (k5 - k2) / np.linalg.norm(k5 - k2)
        normal = np.cross(axis, d)
        medial = np.array([0.0, -1.0 if side == "left" else 1.0, 0.0])
        if np.dot(normal, medial) < 0:
            normal = -normal
        sign = 1.0 if np.dot(np.cross(axis, d), normal) > 0 else -1.0
        angles = {1: 55.0, 2: 115.0, 3: 160.0}
        for i, lab in enumerate(sk.labels):
            if lab.startswith("finger") and not lab.startswith("finger1") and lab.endswith(s):
                level = int(lab.split("-")[1].split(".")[0])
                out[i] = exp_rot(axis * sign * math.radians(angles[level]))
        cache[side] = out
        return out

    def _chain(self, root: np.ndarray, rot: np.ndarray) -> np.ndarray:
        """Posed bone heads: each head follows its parent's rotation (as Anny does)."""
        sk = self.sk
        h = sk.rest_heads
        out = np.empty_like(h)
        for i, par in enumerate(sk.parents):
            if par < 0:
                out[i] = root
            else:
                out[i] = out[par] + rot[par] @ (h[i] - h[par])
        return out

    # ------------------------------------------------------------------ solving
    def peak_thigh_extension(self, side: str) -> float:
        """Largest thigh extension (deg, sagittal) from TO to mid-swing of stride 1."""
        t_to = self.ic_time(side, 1) + self.Tc
        best = -np.inf
        for t in t_to + np.linspace(-0.02, 0.12, 57):
            leg = self._leg(side, float(t))
            best = max(best, math.degrees(math.atan2(leg["hip"][0] - leg["knee"][0],
                                                     leg["hip"][2] - leg["knee"][2])))
        return best

    def _leg_targets(self, x: np.ndarray) -> np.ndarray:
        self.x0 = {"left": float(x[0]), "right": float(x[1])}
        self.h_mean, self.h_diff = float(x[2]), float(x[3])
        self._swing_cache = {}
        res = []
        for side in SIDES:
            t_ic = self.ic_time(side, 1)
            leg = self._leg(side, t_ic + 1e-9)
            a = leg["hip"] - leg["knee"]
            b = leg["ankle"] - leg["knee"]
            kf = 180.0 - math.degrees(math.acos(np.dot(a, b) / np.linalg.norm(a)
                                                / np.linalg.norm(b)))
            res.append(kf - self.p.knee_flexion_ic_deg * self.p.side_scale(side))
        for side in SIDES:
            t_to = self.ic_time(side, 1) + self.Tc - 1e-9
            leg = self._leg(side, t_to)
            ext = math.degrees(math.atan2(leg["hip"][0] - leg["knee"][0],
                                          leg["hip"][2] - leg["knee"][2]))
            res.append(ext - self._to_target[side])
        return np.array(res)

    def _solve_legs(self) -> None:
        goal = {s: self.p.peak_hip_extension_deg * self.p.side_scale(s) for s in SIDES}
        self._to_target = dict(goal)
        x = np.array([0.25, 0.25, self.h_mean, 0.0])
        for _ in range(4):
            x = self._solve_legs_for(x)
            over = {s: self.peak_thigh_extension(s) - goal[s] for s in SIDES}
            if max(abs(v) for v in over.values()) < 0.02:
                break
            for s in SIDES:
                self._to_target[s] -= over[s]

    def _solve_legs_for(self, x: np.ndarray) -> np.ndarray:
        for _ in range(40):
            r = self._leg_targets(x)
            if np.max(np.abs(r)) < 1e-6:
                break
            jac = np.empty((4, 4))
            for j in range(4):
                dx = np.zeros(4)
                dx[j] = 1e-5
                jac[:, j] = (self._leg_targets(x + dx) - r) / 1e-5
            step = np.linalg.solve(jac, -r)
            step *= min(1.0, 0.05 / max(np.max(np.abs(step)), 1e-12))
            x = x + step
        r = self._leg_targets(x)
        if np.max(np.abs(r)) > 0.01:
            raise ValueError(f"leg targets unreachable for these parameters (residual {r})")
        return x

    def crossover_frontal(self, side: str, n: int = 48) -> float:
        """Largest wrist crossover of one stride in the frontal plane (shoulder widths)."""
        best = -np.inf
        t0 = self.ic_time(side, 1)
        for t in t0 + self.T * np.arange(n) / n:
            best = max(best, crossover(self.pose(t).landmarks, side, plane="frontal"))
        return float(best)

    def _solve_arms(self) -> None:
        for side in SIDES:
            target = self.p.arm_crossover * self.p.side_scale(side)
            lo, hi = 0.0, math.radians(100.0)
            scatter = self._scatter[1].copy()
            self._scatter[1] = 1.0
            for _ in range(18):
                mid = 0.5 * (lo + hi)
                self.rho_amp[side] = mid
                if self.crossover_frontal(side, n=24) < target:
                    lo = mid
                else:
                    hi = mid
            self.rho_amp[side] = 0.5 * (lo + hi)
            self._scatter[1] = scatter
            if hi - lo < 1e-3 and lo > math.radians(99.0):
                raise ValueError(f"arm_crossover {target:.2f} is out of reach (max about "
                                 f"{self.crossover_frontal(side, n=24):.2f})")

    # ------------------------------------------------------------------ export
    def describe(self) -> dict:
        return {"params": asdict(self.p), "phase0_s": self.phase0,
                "foot_placement_x_m": self.x0, "pelvis_base_height_m": self.h_mean,
                "thigh_m": self.l1, "shank_m": self.l2}


def crossover(lms: dict[str, np.ndarray], side: str, plane: str = "frontal") -> float:
    """Wrist crossover in shoulder widths for 3D landmarks seen in the frontal plane
    from behind (horizontal axis -Y, vertical Z): positive when the wrist is past the
    midline (the line through mid-shoulder and mid-hip) on the other side."""
    def hv(name):
        q = lms[name]
        return np.array([-q[1], q[2]])
    return crossover_2d({n: hv(n) for n in lms if n.endswith(
        ("shoulder", "hip", "wrist"))}, side, y_up=True)


def crossover_2d(pts: dict[str, np.ndarray], side: str, y_up: bool = False) -> float:
    """Crossover from 2D points (horizontal, vertical): the midline through mid-shoulder
    and mid-hip, taken at the wrist's height; divided by the horizontal shoulder width.
    Positive when the wrist is past the midline, on the other side of the body."""
    other = "right" if side == "left" else "left"
    ms = 0.5 * (pts["left_shoulder"] + pts["right_shoulder"])
    mh = 0.5 * (pts["left_hip"] + pts["right_hip"])
    w = pts[f"{side}_wrist"]
    f = (w[1] - ms[1]) / (mh[1] - ms[1]) if mh[1] != ms[1] else 0.0
    mid_x = ms[0] + f * (mh[0] - ms[0])
    width = abs(pts["left_shoulder"][0] - pts["right_shoulder"][0])
    own = np.sign(pts[f"{side}_shoulder"][0] - pts[f"{other}_shoulder"][0])
    return float((mid_x - w[0]) * own / width)


def with_params(model: RunModel, **changes) -> RunModel:
    return RunModel(replace(model.p, **changes), model.sk)

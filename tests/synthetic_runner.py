"""A parametric treadmill runner that produces pose tracks with known answers.

Used by the tests (and handy for trying the pipeline without video). The model works in
metres, X forward, Y up, Z toward the runner's left, the mid-hip fixed over the belt:

- the stance foot is on the belt and moves back at belt speed from IC to TO: the heel
  is the pivot while the toe is up (rearfoot landing), the toe while the heel is up
  (heel rise before TO, or a forefoot landing); so the lowest point of the foot is on
  the belt exactly during stance;
- the swing ankle moves from its TO to its next IC position on a smooth path lifted by
  ``lift_m``, leaving at belt speed and landing while still moving back at
  ``retract_frac`` of it (the impact is a velocity jump, as on a real belt; the toe
  leaves with an upward velocity, a simplification of a real, smooth lift-off); the
  knee comes from two-link inverse kinematics with the hip;
- the pelvis bobs twice per stride (lowest at midstance, range ``vo_m`` per step) and
  tilts in the frontal plane by ``pelvic_drop_deg`` at midstance (swing side lower);
- the wrists swing across the midline by ``arm_crossover_sw`` shoulder widths.

The camera is orthographic for side views (angles exact in 2D) and a pinhole for rear
and front views (the belt recedes, as in real footage), with optional roll and noise.
Truth (events and per-stride values) is computed on a dense time grid from the same
closed-form model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gaitvision.landmarks import INDEX, N_LANDMARKS
from gaitvision.pose.track import PoseTrack, ViewEstimate
from gaitvision.video.ingest import VideoInfo

SIDE = ("left", "right")


@dataclass
class RunnerParams:
    """Parameters of the synthetic runner and camera."""

    cadence_spm: float = 170.0
    speed_kmh: float = 10.0
    duty_factor: float = 0.34
    thigh_m: float = 0.45
    shank_m: float = 0.45
    hip_height_m: float = 0.93
    vo_m: float = 0.06
    overstride_m: float = 0.14          #: heel ahead of mid-hip at IC
    strike_angle_deg: float = 12.0      #: sole vs belt at IC, + toe up
    toe_off_angle_deg: float = -40.0
    lift_m: float = 0.12
    retract_frac: float = 0.3           #: foot's backward speed at IC, share of belt speed
    trunk_lean_deg: float = 7.0
    pelvic_drop_deg: tuple[float, float] = (5.0, 7.0)   #: peak drop in left, right stance
    arm_crossover_sw: tuple[float, float] = (0.10, -0.05)
    step_width_m: tuple[float, float] = (0.05, 0.03)  #: ankle from midline, own side +
    right_overstride_extra_m: float = 0.0
    # camera
    view: str = "side"
    direction: str = "left"
    fps: float = 240.0
    duration_s: float = 6.0
    phase0: float = 0.3                 #: left-foot cycle phase at t = 0
    px_per_m: float = 400.0
    frame_size: tuple[int, int] = (720, 1280)
    camera_distance_m: float = 4.0
    camera_height_m: float = 0.95
    roll_deg: float = 0.0               #: + turns the horizon counter-clockwise on screen
    noise_px: float = 0.0
    seed: int = 0
    far_visibility: float = 0.95
    hide_far_ic: bool = False           #: far foot missing around its IC (side view)

    @property
    def stride_s(self) -> float:
        """Stride time (IC to next IC of the same foot)."""
        return 120.0 / self.cadence_spm

    @property
    def leg_m(self) -> float:
        """Leg length (thigh + shank)."""
        return self.thigh_m + self.shank_m


@dataclass
class Truth:
    """Known answers: events and per-stride values keyed by metric NAME and side."""

    events: list[tuple[str, str, float]] = field(default_factory=list)  # (foot, type, t)
    values: dict[str, dict[str, float]] = field(default_factory=dict)


# ------------------------------------------------------------------ model
def _smooth5(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (x * (6 * x - 15) + 10)


class Runner:
    """Closed-form runner: :meth:`joints` evaluates every landmark at any times."""

    A = np.array([0.05, 0.08])  # ankle relative to the heel, flat foot
    LF = 0.21                   # heel to toe

    def __init__(self, p: RunnerParams):
        self.p = p
        self.T = p.stride_s
        self.V = p.speed_kmh / 3.6
        self.tc = p.duty_factor * self.T

    def phase(self, t, side: str):
        off = 0.0 if side == "left" else 0.5
        return np.mod(t / self.T + self.p.phase0 + off, 1.0)

    def _overstride(self, side):
        return self.p.overstride_m + (self.p.right_overstride_extra_m if side == "right" else 0)

    def _theta_stance(self, s):
        p = self.p
        ic, to = np.radians(p.strike_angle_deg), np.radians(p.toe_off_angle_deg)
        th = np.where(s < 0.15, ic * (1 - _smooth5(s / 0.15)), 0.0)
        return np.where(s >= 0.55, to * _smooth5((s - 0.55) / 0.45), th)

    def _foot_stance(self, s, side):
        """Heel, toe, ankle (X, Y) in stance at fraction s of contact."""
        uh = self._overstride(side) - self.V * s * self.tc
        th = self._theta_stance(s)
        c, sn = np.cos(th), np.sin(th)
        heel = np.where(th >= 0, uh, uh + self.LF - self.LF * c)
        heel_y = np.where(th >= 0, 0.0, -self.LF * sn)
        toe = np.stack([heel + self.LF * c, heel_y + self.LF * sn], -1)
        heel = np.stack([heel, heel_y], -1)
        ank = heel + np.stack([c * self.A[0] - sn * self.A[1], sn * self.A[0] + c * self.A[1]], -1)
        return heel, toe, ank, th

    def feet(self, t, side):
        """Heel, toe, ankle (T, 2) and sole angle (rad) of one foot."""
        ph = self.phase(np.asarray(t, float), side)
        df = self.p.duty_factor
        st = ph < df
        s = np.where(st, ph / df, 1.0)
        h_s, t_s, a_s, th_s = self._foot_stance(s, side)
        sw = np.where(st, 0.0, (ph - df) / (1 - df))
        _, _, a0, th0 = self._foot_stance(np.ones(1), side)
        _, _, a1, th1 = self._foot_stance(np.zeros(1), side)
        b = _smooth5(sw)
        # forward: cubic Hermite, leaving with the stance foot's backward speed (no kink
        # at TO) and landing while still retracting at retract_frac x belt speed
        tsw = (1 - df) * self.T
        m0, m1 = -self.V * tsw, -self.p.retract_frac * self.V * tsw
        h00, h10 = 2 * sw**3 - 3 * sw**2 + 1, sw**3 - 2 * sw**2 + sw
        h01, h11 = -2 * sw**3 + 3 * sw**2, sw**3 - sw**2
        ax = h00 * a0[0, 0] + h10 * m0 + h01 * a1[0, 0] + h11 * m1
        ay = a0[0, 1] + (a1[0, 1] - a0[0, 1]) * b + self.p.lift_m * np.sin(np.pi * sw)
        th = th0[0] + (th1[0] - th0[0]) * b
        c, sn = np.cos(th), np.sin(th)
        ank = np.stack([ax, ay], -1)
        heel = ank - np.stack([c * self.A[0] - sn * self.A[1], sn * self.A[0] + c * self.A[1]], -1)
        toe = heel + self.LF * np.stack([c, sn], -1)
        m = st[:, None]
        return (np.where(m, h_s, heel), np.where(m, t_s, toe), np.where(m, a_s, ank),
                np.where(st, th_s, th))

    def pelvis_y(self, t):
        ph = self.phase(t, "left")
        return self.p.hip_height_m - self.p.vo_m / 2 * np.cos(4 * np.pi * (ph - self.p.duty_factor / 2))

    def obliquity(self, t):
        """Frontal hip-line angle (rad), + when the right hip is lower."""
        out = np.zeros_like(np.asarray(t, float))
        df = self.p.duty_factor
        for side, sgn, drop in (("left", 1, self.p.pelvic_drop_deg[0]),
                                ("right", -1, self.p.pelvic_drop_deg[1])):
            ph = self.phase(t, side)
            out += np.where(ph < df, sgn * np.radians(drop) * np.sin(np.pi * ph / df), 0.0)
        return out

    def lean(self, t):
        ph = self.phase(t, "left")
        return np.radians(self.p.trunk_lean_deg + 1.5 * np.sin(4 * np.pi * ph))

    def leg(self, t, side):
        """Hip, knee (X, Y) and the true thigh angle and knee flexion (rad)."""
        p = self.p
        yh = self.pelvis_y(t) + (0.09 if side == "left" else -0.09) * np.sin(self.obliquity(t))
        hip = np.stack([np.zeros_like(yh), yh], -1)
        _, _, ank, _ = self.feet(t, side)
        d = ank - hip
        dist = np.linalg.norm(d, axis=1)
        if np.any(dist >= p.thigh_m + p.shank_m):
            raise ValueError("synthetic leg over-extended: lower hip_height_m")
        interior = np.arccos((p.thigh_m**2 + p.shank_m**2 - dist**2) / (2 * p.thigh_m * p.shank_m))
        alpha = np.arctan2(d[:, 0], -d[:, 1])
        beta = np.arccos((p.thigh_m**2 + dist**2 - p.shank_m**2) / (2 * p.thigh_m * dist))
        thigh = alpha + beta
        knee = hip + p.thigh_m * np.stack([np.sin(thigh), -np.cos(thigh)], -1)
        return hip, knee, thigh, np.pi - interior

    def joints(self, t):
        """(T, 33, 3) landmark positions in metres (X forward, Y up, Z left)."""
        p = self.p
        t = np.asarray(t, float)
        n = len(t)
        out = np.zeros((n, N_LANDMARKS, 3))
        lean = self.lean(t)
        ph = self.phase(t, "left")

        def put(name, xy, z):
            out[:, INDEX[name], :2] = xy
            out[:, INDEX[name], 2] = z

        mid_hip = np.stack([np.zeros(n), self.pelvis_y(t)], -1)
        mid_sh = mid_hip + 0.52 * np.stack([np.sin(lean), np.cos(lean)], -1)
        for side, zs, k in (("left", 1.0, 0), ("right", -1.0, 1)):
            hip, knee, _, _ = self.leg(t, side)
            heel, toe, ank, _ = self.feet(t, side)
            fz = zs * p.step_width_m[k]
            put(f"{side}_hip", hip, zs * 0.09)
            put(f"{side}_knee", knee, zs * 0.09 + (fz - zs * 0.09) * 0.5)
            put(f"{side}_ankle", ank, fz)
            put(f"{side}_heel", heel, fz)
            put(f"{side}_foot_index", toe, fz)
            # arms: left arm forward when the left leg is back
            pha = ph if side == "left" else np.mod(ph + 0.5, 1.0)
            up = np.radians(-35.0) * np.cos(2 * np.pi * pha)
            elbow = mid_sh + 0.3 * np.stack([np.sin(up), -np.cos(up)], -1)
            fore = up + np.radians(90.0)
            wrist = elbow + 0.27 * np.stack([np.sin(fore), -np.cos(fore)], -1)
            g = (1 - np.cos(2 * np.pi * (pha - 0.5))) / 2
            c = p.arm_crossover_sw[k]
            b0 = 0.3
            wz = zs * 0.4 * (b0 - (b0 + c) * g)
            put(f"{side}_shoulder", mid_sh, zs * 0.2)
            put(f"{side}_elbow", elbow, zs * 0.22 + (wz - zs * 0.22) * 0.4)
            for nm in ("wrist", "pinky", "index", "thumb"):
                put(f"{side}_{nm}", wrist, wz)
        head = mid_sh + np.stack([np.zeros(n), np.full(n, 0.2)], -1)
        put("nose", head + [0.11, 0.02], 0.0)
        for side, zs in (("left", 1.0), ("right", -1.0)):
            for nm in ("eye_inner", "eye", "eye_outer"):
                put(f"{side}_{nm}", head + [0.09, 0.05], zs * 0.03)
            put(f"{side}_ear", head + [0.0, 0.03], zs * 0.075)
        put("mouth_left", head + [0.1, -0.03], 0.025)
        put("mouth_right", head + [0.1, -0.03], -0.025)
        return out


# ------------------------------------------------------------------ camera
def _project(p: RunnerParams, j: np.ndarray) -> np.ndarray:
    X, Y, Z = j[..., 0], j[..., 1], j[..., 2]
    w, h = p.frame_size
    f = p.px_per_m * p.camera_distance_m
    if p.view == "side":
        sgn = -1.0 if p.direction == "left" else 1.0
        x, y = sgn * X * p.px_per_m, (Y - p.camera_height_m) * p.px_per_m
    else:
        if p.view == "rear":
            depth, lat = p.camera_distance_m + X, -Z
        else:
            depth, lat = p.camera_distance_m - X, Z
        x, y = f * lat / depth, f * (Y - p.camera_height_m) / depth
    a = np.radians(p.roll_deg)
    xr, yr = np.cos(a) * x - np.sin(a) * y, np.sin(a) * x + np.cos(a) * y
    return np.stack([w / 2 + xr, h / 2 - yr], -1)


def make_track(p: RunnerParams | None = None, **changes) -> tuple[PoseTrack, Truth]:
    """A synthetic :class:`PoseTrack` and its :class:`Truth`.

    Parameters
    ----------
    p : RunnerParams, optional
    **changes
        Fields of :class:`RunnerParams` to change.
    """
    p = p or RunnerParams()
    if changes:
        p = RunnerParams(**{**p.__dict__, **changes})
    r = Runner(p)
    n = int(round(p.duration_s * p.fps))
    t = np.arange(n) / p.fps
    j = r.joints(t)
    xy = _project(p, j)
    rng = np.random.default_rng(p.seed)
    if p.noise_px:
        xy = xy + rng.normal(0, p.noise_px, xy.shape)
    vis = np.full((n, N_LANDMARKS), 0.99)
    if p.view == "side":
        far = "right" if p.direction == "left" else "left"
        far_idx = [i for nm, i in INDEX.items() if nm.startswith(far + "_")]
        vis[:, far_idx] = p.far_visibility
        if p.hide_far_ic:
            ph = r.phase(t, far)
            hid = (ph > 0.9) | (ph < 0.12)
            legs = [INDEX[f"{far}_{k}"] for k in ("knee", "ankle", "heel", "foot_index")]
            for i in legs:
                xy[hid, i] = np.nan
                vis[hid, i] = 0.0
    w, h = p.frame_size
    info = VideoInfo(path="synthetic.mp4", sha256="0" * 64, codec="synthetic", width=w, height=h,
                     rotation=0, n_frames=n, duration_s=n / p.fps, fps=p.fps,
                     fps_nominal=p.fps, variable_frame_rate=False)
    track = PoseTrack(
        times=t, frame_index=np.arange(n), xy=xy, z=j[..., 2] * (1 if p.view == "side" else 0),
        visibility=vis, world=j.copy(), detected=np.ones(n, bool), frame_size=(w, h),
        video=info, model="synthetic",
        view=ViewEstimate(p.view, p.direction if p.view == "side" else None, 1.0, "user"))
    return track, truth(p, t[0], t[-1])


def truth(p: RunnerParams, t0: float, t1: float) -> Truth:
    """Events in [t0, t1] and per-stride true values (same for every stride)."""
    r = Runner(p)
    tr = Truth()
    for side in SIDE:
        off = 0.0 if side == "left" else 0.5
        k = np.arange(-2, int((t1 - t0) / r.T) + 3)
        ic = (k - p.phase0 - off) * r.T
        for ti in ic:
            for typ, tt in (("IC", ti), ("TO", ti + r.tc)):
                if t0 <= tt <= t1:
                    tr.events.append((side, typ, float(tt)))
    tr.events.sort(key=lambda e: e[2])
    L = p.leg_m
    for k, side in enumerate(SIDE):
        off = 0.0 if side == "left" else 0.5
        t_ic = (1 - p.phase0 - off) % 1.0 * r.T + 5 * r.T  # some IC well inside the model
        dense = t_ic + np.linspace(0, r.T, 20001)
        stance = dense <= t_ic + r.tc
        hip, _, thigh, flex = r.leg(dense, side)
        heel, _, _, th = r.feet(dense, side)
        lean = r.lean(dense)
        shank = thigh - flex
        pel = r.pelvis_y(dense[dense <= t_ic + r.T / 2])
        v = {
            "cadence_spm": p.cadence_spm, "contact_time_ms": 1000 * r.tc,
            "flight_time_ms": 1000 * (r.T / 2 - r.tc), "duty_factor_pct": 100 * p.duty_factor,
            "knee_flexion_ic_deg": np.degrees(flex[0]),
            "knee_flexion_stance_peak_deg": np.degrees(flex[stance].max()),
            "hip_extension_peak_deg": np.degrees((-thigh).max()),
            "hip_extension_vs_trunk_peak_deg": np.degrees((-thigh - lean).max()),
            "tibia_angle_ic_deg": np.degrees(shank[0]),
            "overstride_leg_lengths": heel[0, 0] / L,
            "foot_strike_angle_deg": np.degrees(th[0]),
            "trunk_lean_deg": np.degrees(lean.mean()),
            "vertical_oscillation_leg_lengths": (pel.max() - pel.min()) / L,
            "pelvic_drop_peak_deg": p.pelvic_drop_deg[k],
            "arm_crossover_shoulder_widths": p.arm_crossover_sw[k],
            "step_width_leg_lengths": p.step_width_m[k] / L,
        }
        for name, val in v.items():
            tr.values.setdefault(name, {})[side] = float(val)
    return tr

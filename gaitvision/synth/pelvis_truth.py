"""The visible-pelvis truth of a rendered clip (pure numpy).

On a rendered body the skin does not tilt as much as the pelvis bone: linear-blend
skinning mixes the waist and buttock skin with the spine and thigh bones. A method that
reads the pelvis from the image can only see the skin, so on renders it is scored
against the tilt of the *mesh vertices* where a clinician would put the markers for
2D pelvic drop, and the bone's figure is reported beside it:

- ``psis``: the skin over the posterior superior iliac spines (the dimples above the
  buttocks; the markers of 2D frontal-plane pelvic drop from behind, e.g. Dingenen et
  al. 2018); seen from behind;
- ``asis``: the skin over the anterior superior iliac spines; seen from the front;
- ``waistband_back`` / ``waistband_front``: the top edge of the shorts, half an
  inter-hip distance either side of the midline.

Landmark positions on the rest body follow pelvic proportions relative to the hip
joint centres (Bell et al. 1990: hip joint centre about 30 % of the inter-ASIS width
below, 36 % medial to the ASIS; inter-PSIS about 0.55 of the inter-hip-joint width,
PSIS a little higher than ASIS with the pelvis's anterior tilt). Each landmark is the
centroid of the surface vertices within ``PATCH_RADIUS_M`` of that point, fixed by
index on the rest mesh, and followed through the skinned frames.

Obliquity is defined as for the bone (truth ``pelvic_obliquity_deg``): the line from the
right landmark to the left one vs horizontal, positive when the left one is higher;
``plane``: in the frontal plane (world -Y, Z), ``image``: in the clip's pixels.
"""

from __future__ import annotations

import math

import numpy as np

#: Landmark -> (lateral offset, height above the hip joint centres, both in inter-hip-
#: joint distances; surface: -1 = back, +1 = front).
LANDMARK_GEOMETRY = {
    "psis": (0.28, 0.58, -1),
    "asis": (0.70, 0.42, 1),
    "waistband_back": (0.50, None, -1),
    "waistband_front": (0.50, None, 1),
}
#: Half-size of the square patch (m) around a landmark (in the lateral and vertical
#: directions), and the depth (m) from the outermost surface point that still counts.
PATCH_RADIUS_M = 0.02
SURFACE_DEPTH_M = 0.015
#: Height of the shorts' top above the hip joint centres (m), as painted in body.py.
WAISTBAND_ABOVE_HIP_M = 0.06

DEFINITION = (
    "visible pelvis: obliquity of the line between the left and right centroids of the "
    "rendered mesh's surface vertices over a pelvic landmark (psis = posterior superior "
    "iliac spines, seen from behind; asis = anterior superior iliac spines, seen from the "
    "front; waistband_back/front = top edge of the shorts at half an inter-hip distance "
    "from the midline), vs horizontal, + when the left one is higher; plane = frontal plane, "
    "image = this clip's pixels. Per stance: the largest obliquity with the swing side "
    "lower between IC and TO, sampled at the frames. gain_vs_bone: least-squares slope "
    "and correlation of the landmark's obliquity against the bone's (hip joint centres) "
    "over the frames: how much of the bone's tilt the skin carries")


def landmark_patches(rest_vertices: np.ndarray, hip_left: np.ndarray,
                     hip_right: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Vertex indices of each landmark's left and right patch on the rest mesh.

    ``rest_vertices`` (V, 3) and the hip joint centres in the world frame (X forward,
    Y left, Z up), standing."""
    v = np.asarray(rest_vertices, float)
    mid = 0.5 * (np.asarray(hip_left, float) + np.asarray(hip_right, float))
    d = abs(float(hip_left[1] - hip_right[1]))
    out = {}
    for name, (lat, up, surface) in LANDMARK_GEOMETRY.items():
        z = mid[2] + (WAISTBAND_ABOVE_HIP_M if up is None else up * d)
        out[name] = {side: _surface_patch(v, mid[1] + sgn * lat * d, z, mid[0], surface)
                     for side, sgn in (("left", 1.0), ("right", -1.0))}
    return out


def _surface_patch(v: np.ndarray, y: float, z: float, x_mid: float, surface: int) -> np.ndarray:
    near = (np.abs(v[:, 1] - y) < PATCH_RADIUS_M) & (np.abs(v[:, 2] - z) < PATCH_RADIUS_M)
    near &= (v[:, 0] - x_mid) * surface > 0
    idx = np.flatnonzero(near)
    if not idx.size:
        raise ValueError(f"no surface vertex near y={y:.3f} z={z:.3f}")
    depth = v[idx, 0] * surface
    return idx[depth >= depth.max() - SURFACE_DEPTH_M]


def obliquity_deg(left: np.ndarray, right: np.ndarray, y_up: bool) -> np.ndarray:
    """Obliquity (deg) of the line between 2D points (..., 2) (horizontal, vertical):
    + when the left point is higher."""
    up = 1.0 if y_up else -1.0
    left, right = np.asarray(left, float), np.asarray(right, float)
    return np.degrees(np.arctan2((left[..., 1] - right[..., 1]) * up,
                                 np.abs(right[..., 0] - left[..., 0])))


def frontal(points: np.ndarray) -> np.ndarray:
    """World points (..., 3) seen in the frontal plane from behind: (-Y, Z)."""
    p = np.asarray(points, float)
    return np.stack([-p[..., 1], p[..., 2]], axis=-1)


def gain_vs_bone(visible: np.ndarray, bone: np.ndarray) -> dict[str, float]:
    """Least-squares slope of the visible obliquity on the bone's over frames, and r."""
    x, y = np.asarray(bone, float), np.asarray(visible, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok] - x[ok].mean(), y[ok] - y[ok].mean()
    sxx = float(np.dot(x, x))
    if x.size < 3 or sxx == 0.0:
        return {"slope": math.nan, "r": math.nan}
    r = float(np.dot(x, y) / math.sqrt(sxx * float(np.dot(y, y)))) if np.dot(y, y) else math.nan
    return {"slope": float(np.dot(x, y) / sxx), "r": r}


def stance_drop(times: np.ndarray, obliquity: np.ndarray, side: str, ic: float,
                to: float) -> float | None:
    """Peak contralateral drop (deg) of one stance from a frame-sampled obliquity series
    (+ = left higher): the largest obliquity with the swing side lower, IC to TO."""
    sel = (np.asarray(times) >= ic) & (np.asarray(times) <= to) & np.isfinite(obliquity)
    if not sel.any():
        return None
    signed = obliquity[sel] * (1.0 if side == "left" else -1.0)
    return float(np.max(signed))


def visible_pelvis_truth(times: np.ndarray, centroids: dict[str, dict[str, np.ndarray]],
                         bone_left: np.ndarray, bone_right: np.ndarray, project,
                         stances: list[dict]) -> dict:
    """The ``visible_pelvis`` block of a truth file.

    ``centroids[landmark][side]``: (T, 3) world positions per frame; ``bone_left/right``:
    (T, 3) hip joint centres; ``project``: world (..., 3) -> pixels (..., 2);
    ``stances``: dicts with ``side``, ``ic_s``, ``to_s`` in clip time."""
    series = {"bone": _both(bone_left, bone_right, project)}
    for name, pts in centroids.items():
        series[name] = _both(pts["left"], pts["right"], project)
    gains = {name: {kind: gain_vs_bone(s[kind], series["bone"][kind]) for kind in s}
             for name, s in series.items() if name != "bone"}
    strides = []
    for st in stances:
        rec = {"side": st["side"], "ic_s": st["ic_s"], "to_s": st["to_s"]}
        for name, s in series.items():
            rec[name] = {kind: stance_drop(times, s[kind], st["side"], st["ic_s"], st["to_s"])
                         for kind in s}
        strides.append(rec)
    summary = {name: {kind: _per_side(strides, name, kind) for kind in ("plane", "image")}
               for name in series}
    frames = {name: {kind: v.tolist() for kind, v in s.items()} for name, s in series.items()}
    return {"definition": DEFINITION, "frames": frames, "gain_vs_bone": gains,
            "strides": strides, "summary_pelvic_drop_deg": summary}


def _both(left: np.ndarray, right: np.ndarray, project) -> dict[str, np.ndarray]:
    return {"plane": obliquity_deg(frontal(left), frontal(right), y_up=True),
            "image": obliquity_deg(project(left), project(right), y_up=False)}


def _per_side(strides: list[dict], name: str, kind: str) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for side in ("left", "right"):
        vals = [r[name][kind] for r in strides if r["side"] == side and r[name][kind] is not None]
        out[side] = float(np.mean(vals)) if vals else None
    both = [out[s] for s in ("left", "right") if out[s] is not None]
    out["mean"] = float(np.mean(both)) if both else None
    return out

"""Small rotation helpers (pure numpy, right-handed, angles in radians)."""

from __future__ import annotations

import math

import numpy as np


def rx(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def ry(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rz(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product of two 3-vectors (faster than np.cross for single vectors)."""
    return np.array([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2],
                     a[0] * b[1] - a[1] * b[0]])


def unit(v: np.ndarray) -> np.ndarray:
    return v / math.sqrt(float(v @ v))


def frame(long_axis: np.ndarray, hint: np.ndarray) -> np.ndarray:
    """Orthonormal frame (columns) whose first axis is ``long_axis`` and whose second
    lies in the plane of ``long_axis`` and ``hint``."""
    a = unit(long_axis)
    b = hint - np.dot(hint, a) * a
    b = unit(b)
    out = np.empty((3, 3))
    out[:, 0], out[:, 1], out[:, 2] = a, b, cross(a, b)
    return out


def align(rest_long: np.ndarray, rest_hint: np.ndarray, long: np.ndarray,
          hint: np.ndarray) -> np.ndarray:
    """The rotation taking the rest frame (rest_long, rest_hint) onto (long, hint)."""
    return frame(long, hint) @ frame(rest_long, rest_hint).T


def log_rot(r: np.ndarray) -> np.ndarray:
    """Rotation vector of a rotation matrix."""
    cos = np.clip((np.trace(r) - 1.0) / 2.0, -1.0, 1.0)
    angle = np.arccos(cos)
    if angle < 1e-9:
        return np.zeros(3)
    w = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
    return w * angle / (2.0 * np.sin(angle))


def exp_rot(w: np.ndarray) -> np.ndarray:
    """Rotation matrix of a rotation vector (Rodrigues)."""
    angle = np.linalg.norm(w)
    if angle < 1e-12:
        return np.eye(3)
    k = w / angle
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    return np.eye(3) + np.sin(angle) * kx + (1.0 - np.cos(angle)) * kx @ kx


def slerp(r0: np.ndarray, r1: np.ndarray, f: float) -> np.ndarray:
    """Rotation a fraction ``f`` of the way from ``r0`` to ``r1``."""
    return r0 @ exp_rot(f * log_rot(r0.T @ r1))

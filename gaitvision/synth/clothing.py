"""What the synthetic runner wears, and body-shape variety (pure numpy).

Clothing is painted on Anny's skin by vertex colour; loose garments are made by pushing
the garment's vertices out along the posed surface normal (Anny has no cloth layer, so
a "loose" garment still moves with the skin under it: it changes the silhouette and
the shading, not the motion). Presets are picked with ``--clothing NAME``:

- ``default``: royal-blue t-shirt, near-black short running shorts, white low socks,
  red shoes (the committed clips);
- ``light``: white top, light-grey shorts; ``dark``: black top, black shorts;
- ``patterned``: horizontally striped top, checked shorts;
- ``loose``: loose knee-length shorts (2 cm out), ``tights``: long black tights to the
  socks, ``baggy``: a baggy top (2.5 cm out) whose hem hangs over the waistband.

Body variety: :func:`random_phenotype` draws an Anny phenotype and a skin tone from a
seed (``--body-seed``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

SKIN_TONES = ((214, 164, 132), (236, 196, 170), (176, 124, 90), (120, 80, 56), (88, 58, 42))


@dataclass(frozen=True)
class Clothing:
    """One outfit. Colours are RGB 0-255; lengths in metres or fractions of segments."""

    shirt: tuple[int, int, int] = (32, 96, 178)
    shorts: tuple[int, int, int] = (34, 34, 40)
    skin: tuple[int, int, int] = (214, 164, 132)
    #: "plain" | "stripes" (top: horizontal bands) ; shorts "plain" | "checks"
    shirt_pattern: str = "plain"
    shorts_pattern: str = "plain"
    #: Shorts hem as a fraction of the thigh from the hip joint down (1.0 = the knee);
    #: above 1.0 the legs run on into tights down to the socks.
    shorts_length: float = 0.38
    #: Outward offsets (m) of the garment's surface: 0 = skin tight.
    shorts_inflate_m: float = 0.0
    shirt_inflate_m: float = 0.0
    #: How far the top's hem reaches below the hip joint height (m); 0.06 = above it.
    shirt_hem_above_hip_m: float = 0.06


CLOTHING = {
    "default": Clothing(),
    "light": Clothing(shirt=(236, 236, 232), shorts=(168, 170, 176)),
    "dark": Clothing(shirt=(24, 24, 28), shorts=(20, 20, 24)),
    "patterned": Clothing(shirt=(200, 60, 50), shorts=(40, 60, 120), shirt_pattern="stripes",
                          shorts_pattern="checks"),
    "loose": Clothing(shirt=(40, 140, 90), shorts=(50, 50, 70), shorts_length=0.8,
                      shorts_inflate_m=0.02),
    "tights": Clothing(shirt=(230, 120, 30), shorts=(16, 16, 18), shorts_length=1.9),
    "baggy": Clothing(shirt=(120, 120, 130), shorts=(30, 30, 36), shirt_inflate_m=0.025,
                      shirt_hem_above_hip_m=-0.02),
}


def clothing(name: str, skin: tuple[int, int, int] | None = None) -> Clothing:
    """A preset by name, optionally with another skin tone."""
    if name not in CLOTHING:
        raise ValueError(f"clothing must be one of {', '.join(CLOTHING)}, not {name!r}")
    c = CLOTHING[name]
    return replace(c, skin=skin) if skin is not None else c


def random_phenotype(seed: int) -> tuple[dict[str, float], tuple[int, int, int]]:
    """An Anny phenotype (adult runner of either sex, varied height and build) and a skin
    tone, drawn from ``seed``."""
    rng = np.random.default_rng(10_000 + seed)
    phen = {
        "gender": float(rng.uniform(0.0, 1.0)),
        "age": float(rng.uniform(0.6, 0.85)),
        "muscle": float(rng.uniform(0.35, 0.8)),
        "weight": float(rng.uniform(0.25, 0.65)),
        "height": float(rng.uniform(0.2, 0.8)),
        "proportions": float(rng.uniform(0.35, 0.65)),
    }
    return {k: round(v, 3) for k, v in phen.items()}, SKIN_TONES[int(rng.integers(len(SKIN_TONES)))]


def pattern_shade(v: np.ndarray, pattern: str) -> np.ndarray:
    """Per-vertex brightness factor (0.55 or 1.0) of a pattern on rest vertices (V, 3)."""
    if pattern == "stripes":
        return np.where((np.floor(v[:, 2] / 0.045) % 2) == 0, 1.0, 0.55)
    if pattern == "checks":
        cell = (np.floor(v[:, 1] / 0.04) + np.floor(v[:, 2] / 0.04)
                + np.floor(v[:, 0] / 0.04)) % 2
        return np.where(cell == 0, 1.0, 0.55)
    return np.ones(len(v))


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals of a triangle mesh (V, 3)."""
    tri = vertices[faces]
    fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    vn = np.zeros_like(vertices)
    for k in range(3):
        np.add.at(vn, faces[:, k], fn)
    norm = np.linalg.norm(vn, axis=1, keepdims=True)
    return vn / np.where(norm > 0, norm, 1.0)


def inflate(vertices: np.ndarray, faces: np.ndarray, offsets_m: np.ndarray) -> np.ndarray:
    """Push vertices (V, 3) out along the posed surface normal by ``offsets_m`` (V,)."""
    if not np.any(offsets_m):
        return vertices
    return vertices + vertex_normals(vertices, faces) * offsets_m[:, None]

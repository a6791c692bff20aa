"""The rendered body: NAVER's Anny (a rigged, skinned MakeHuman body; code Apache-2.0,
body assets CC0), posed bone by bone with the rotations the kinematic model gives.

Needs the ``[synth]`` extra (torch==2.13.0 and anny). Anny's own frame has x to the
body's left, -y forward and z up; the generator's world frame has X forward, Y left,
Z up, so every rest quantity is turned by :data:`ANNY_TO_WORLD` once, here.
"""

from __future__ import annotations

import numpy as np

from gaitvision.synth.clothing import Clothing, inflate, pattern_shade
from gaitvision.synth.kinematics import BONE_GROUPS_ORDER, Skeleton, bone_group

#: Rotation from Anny's frame (x left, -y forward, z up) to the world (X fwd, Y left, Z up).
ANNY_TO_WORLD = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])

#: Default body: a young adult man of average build, a little taller than average.
DEFAULT_PHENOTYPE = {
    "gender": 0.0, "age": 0.72, "muscle": 0.62, "weight": 0.42, "height": 0.45,
    "proportions": 0.5,
}

#: Tops of the shoe and of the sock above the sole (m): a low running shoe below the
#: ankle bones, a short sock.
SHOE_TOP_M = 0.05
SOCK_TOP_M = 0.075

# RGB colours (0-255) of the clothing and skin.
COLOURS = {
    "skin": (214, 164, 132),
    "hair": (52, 36, 26),
    "shirt": (32, 96, 178),
    "shorts": (34, 34, 40),
    "sock": (236, 236, 236),
    "shoe": (196, 54, 40),
    "sole": (70, 64, 62),
}


class AnnyBody:
    """One Anny body of a given phenotype: rest skeleton, posing, vertex colours."""

    def __init__(self, phenotype: dict[str, float] | None = None,
                 clothing: Clothing | None = None) -> None:
        import anny
        import torch

        torch.set_num_threads(1)
        self._torch = torch
        self.phenotype = dict(DEFAULT_PHENOTYPE if phenotype is None else phenotype)
        self.model = anny.Anny()
        self.model.eval()
        self.labels: list[str] = list(self.model.bone_labels)
        self.parents: list[int] = [int(p) for p in self.model.bone_parents]
        self._pheno = {k: torch.tensor([float(v)]) for k, v in self.phenotype.items()
                       if k in self.model.phenotype_labels}
        with torch.no_grad():
            out = self.model(pose_parameters=None, phenotype_kwargs=self._pheno)
        rest = out["rest_bone_poses"][0].double().numpy()
        self.rest_orient = rest[:, :3, :3]                     # anny frame
        self.rest_heads = rest[:, :3, 3] @ ANNY_TO_WORLD.T     # world frame, root at 0
        self.rest_vertices = out["rest_vertices"][0].double().numpy() @ ANNY_TO_WORLD.T
        self.faces = self.model.get_triangular_faces().numpy().astype(np.int64)
        w = self.model.vertex_bone_weights.numpy()
        idx = self.model.vertex_bone_indices.numpy()
        self.dominant_bone = idx[np.arange(len(idx)), np.argmax(w, axis=1)]
        self.groups = [bone_group(lab) for lab in self.labels]
        self.clothing = clothing or Clothing()
        self._offsets: np.ndarray | None = None

    # ------------------------------------------------------------------ skeleton
    def skeleton(self) -> Skeleton:
        """Rest skeleton in the world frame, with the foot contact points from the mesh."""
        heads = self.rest_heads
        v = self.rest_vertices
        feet = {}
        for side, s in (("left", "L"), ("right", "R")):
            bones = [i for i, name in enumerate(self.labels)
                     if name == f"foot.{s}" or (name.startswith("toe") and name.endswith(f".{s}"))]
            fv = v[np.isin(self.dominant_bone, bones)]
            sole_z = fv[:, 2].min()
            low = fv[fv[:, 2] < sole_z + 0.045]
            back = low[np.argsort(low[:, 0])[:6]]
            heel = back.mean(axis=0)
            front = fv[np.argsort(-fv[:, 0])[:4]]
            toe = front.mean(axis=0)
            feet[side] = {
                "heel": heel,
                "toe": toe,
                "heel_pivot": np.array([heel[0] + 0.025, heel[1], sole_z]),
                # Heel-off pivot: the front of the sole (the toes are rigid in this rig).
                "ball_pivot": np.array([toe[0] - 0.01, toe[1], sole_z]),
            }
        o = heads[0].copy()  # the root's head becomes the origin
        feet = {side: {k: q - o for k, q in d.items()} for side, d in feet.items()}
        return Skeleton(labels=list(self.labels), parents=list(self.parents),
                        rest_heads=heads - o, feet=feet,
                        phenotype=dict(self.phenotype))

    # ------------------------------------------------------------------ posing
    def _posed(self, rotations: np.ndarray, root: np.ndarray) -> dict:
        """Anny's output for bone world rotations (B, N, 3, 3, relative to rest, world
        frame) and root positions (B, 3)."""
        torch = self._torch
        rotations = np.asarray(rotations, dtype=np.float64)
        b, n = rotations.shape[:2]
        d = np.zeros((b, n, 4, 4))
        d[:, :, :3, :3] = rotations @ ANNY_TO_WORLD @ self.rest_orient[None]
        d[:, :, 3, 3] = 1.0
        d[:, 0, :3, 3] = root
        with torch.no_grad():
            return self.model(pose_parameters=torch.tensor(d, dtype=torch.float32),
                              phenotype_kwargs=self._pheno,
                              pose_parameterization="world-orient")

    def vertices(self, rotations: np.ndarray, root: np.ndarray) -> np.ndarray:
        """Skinned vertices (B, V, 3) in the world frame (see :meth:`_posed`), loose
        garments pushed out along the surface normal."""
        verts = self._posed(rotations, root)["vertices"].double().numpy()
        if self._offsets is None:
            self.vertex_colours()
        if np.any(self._offsets):
            verts = np.stack([inflate(v, self.faces, self._offsets) for v in verts])
        return verts

    def posed_heads(self, rotations: np.ndarray, root: np.ndarray) -> np.ndarray:
        """Anny's own posed bone heads (B, N, 3), for checking the numpy chain."""
        return self._posed(rotations, root)["bone_poses"][..., :3, 3].double().numpy()

    def pelvis_patches(self) -> dict[str, dict[str, np.ndarray]]:
        """Vertex indices over the pelvic landmarks (see :mod:`pelvis_truth`)."""
        if getattr(self, "_patches", None) is None:
            from gaitvision.synth.pelvis_truth import landmark_patches

            lab = {name: i for i, name in enumerate(self.labels)}
            self._patches = landmark_patches(self.rest_vertices,
                                             self.rest_heads[lab["upperleg01.L"]],
                                             self.rest_heads[lab["upperleg01.R"]])
        return self._patches

    # ------------------------------------------------------------------ paint
    def vertex_colours(self, shoe_top_m: float = SHOE_TOP_M,
                       sock_top_m: float = SOCK_TOP_M) -> np.ndarray:
        """(V, 4) uint8 colours: skin, hair, top, shorts (or tights), socks, shoes, as the
        clothing says. The shoe and sock tops are heights above the sole (rest pose).
        Also sets the loose garments' outward offsets used by :meth:`vertices`."""
        v = self.rest_vertices
        heads = self.rest_heads
        lab = {name: i for i, name in enumerate(self.labels)}
        gi = np.array([BONE_GROUPS_ORDER.index(self.groups[b]) for b in self.dominant_bone])

        def group(*names):
            return np.isin(gi, [BONE_GROUPS_ORDER.index(n) for n in names])

        cl = self.clothing
        col = np.tile(np.array(cl.skin, dtype=float), (len(v), 1))
        self._offsets = np.zeros(len(v))
        hip_z = heads[lab["upperleg01.L"], 2]
        knee_z = heads[lab["lowerleg01.L"], 2]
        feet = group("foot_L", "foot_R")
        sole_z = v[feet, 2].min()
        trunk = group("trunk", "lumbar", "pelvis")
        shirt = trunk & (v[:, 2] > hip_z + cl.shirt_hem_above_hip_m) & (
            v[:, 2] < heads[lab["neck01"], 2] + 0.01)
        # Sleeves to mid upper arm.
        shoulder_z = heads[lab["upperarm01.L"], 2]
        sleeve_z = shoulder_z - 0.45 * (shoulder_z - heads[lab["lowerarm01.L"], 2])
        shirt |= group("upperarm_L", "upperarm_R") & (v[:, 2] > sleeve_z)
        shorts = self._shorts_mask(group, hip_z, knee_z, sole_z + sock_top_m + 0.01)
        if cl.shirt_hem_above_hip_m >= 0.06:
            shorts &= ~shirt
        else:  # a long top hangs over the waistband
            shorts &= ~(shirt & trunk)
        col[shirt] = np.array(cl.shirt) * pattern_shade(v[shirt], cl.shirt_pattern)[:, None]
        col[shorts] = np.array(cl.shorts) * pattern_shade(v[shorts], cl.shorts_pattern)[:, None]
        self._offsets[shorts] = cl.shorts_inflate_m * np.clip(
            (hip_z + 0.06 - v[shorts, 2]) / 0.12, 0.0, 1.0)
        self._offsets[shirt & trunk] = cl.shirt_inflate_m * np.clip(
            (shoulder_z - v[shirt & trunk, 2]) / 0.15, 0.0, 1.0)
        # Socks and shoes.
        lower = group("shank_L", "shank_R", "foot_L", "foot_R")
        col[lower & (v[:, 2] < sole_z + sock_top_m)] = COLOURS["sock"]
        col[lower & (v[:, 2] < sole_z + shoe_top_m)] = COLOURS["shoe"]
        col[group("shank_L", "shank_R") & (v[:, 2] < sole_z + 0.012)] = COLOURS["sole"]
        # Hair: the top and back of the head.
        eye = heads[lab["eye.L"]]
        hair = group("head") & ((v[:, 2] > eye[2] + 0.045)
                                | ((v[:, 0] < eye[0] - 0.10) & (v[:, 2] > eye[2] - 0.07)))
        col[hair] = COLOURS["hair"]
        alpha = np.full((len(v), 1), 255, dtype=np.uint8)
        return np.hstack([np.round(col).astype(np.uint8), alpha])

    def _shorts_mask(self, group, hip_z: float, knee_z: float, tights_end_z: float) -> np.ndarray:
        """Vertices of the shorts (to a fraction of the thigh) or of tights (to the socks)."""
        v = self.rest_vertices
        top = v[:, 2] <= hip_z + 0.06
        length = self.clothing.shorts_length
        legs = group("pelvis", "thigh_L", "thigh_R", "lumbar")
        if length <= 1.0:
            return legs & top & (v[:, 2] > hip_z - length * (hip_z - knee_z))
        shanks = group("shank_L", "shank_R")
        return top & ((legs & (v[:, 2] > knee_z - 0.05)) | (shanks & (v[:, 2] > tights_end_z)))

"""Offscreen rendering with pyrender through Mesa's EGL in surfaceless mode (CPU).

OSMesa is not used: it leaked about 100 MB a frame here. The environment variables
must be set before OpenGL is imported, so this module sets them on import unless the
caller already chose a platform.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("EGL_PLATFORM", "surfaceless")

import numpy as np  # noqa: E402

from gaitvision.synth.camera import Camera  # noqa: E402

BELT_TOP = 0.0           # belt surface height (world Z)
DECK_HEIGHT = 0.20       # floor is this far below the belt
BELT_LENGTH = 1.60
BELT_WIDTH = 0.56
BELT_CENTRE_X = -0.10    # the runner lands a little ahead of the deck centre
STRIPE_SPACING = 0.40


def _box(extents, centre, colour):
    import trimesh

    m = trimesh.creation.box(extents=extents)
    m.apply_translation(centre)
    m.visual.vertex_colors = np.tile(np.array([*colour, 255], np.uint8), (len(m.vertices), 1))
    return m


def _scene_meshes(console: bool = True) -> list:
    """Static gym: floor, back wall, treadmill deck, belt, side rails, low console (left
    out when ``console`` is false: a camera in front of the treadmill)."""
    floor_z = BELT_TOP - DECK_HEIGHT
    parts = [
        _box((30.0, 30.0, 0.02), (0.0, 0.0, floor_z - 0.01), (150, 146, 140)),   # floor
        _box((0.1, 30.0, 6.0), (6.5, 0.0, floor_z + 3.0), (206, 200, 188)),      # far wall (rear view)
        _box((30.0, 0.1, 6.0), (0.0, 5.5, floor_z + 3.0), (198, 204, 206)),      # wall behind (side view)
        _box((30.0, 0.1, 6.0), (0.0, -5.5, floor_z + 3.0), (198, 204, 206)),
        _box((0.1, 30.0, 6.0), (-6.5, 0.0, floor_z + 3.0), (206, 200, 188)),
        # Treadmill: deck body, belt, side rails.
        _box((BELT_LENGTH + 0.25, BELT_WIDTH + 0.20, DECK_HEIGHT - 0.03),
             (BELT_CENTRE_X, 0.0, floor_z + (DECK_HEIGHT - 0.03) / 2), (70, 72, 76)),
        _box((BELT_LENGTH, BELT_WIDTH, 0.02), (BELT_CENTRE_X, 0.0, BELT_TOP - 0.01), (46, 46, 48)),
        _box((BELT_LENGTH + 0.25, 0.09, 0.025),
             (BELT_CENTRE_X, BELT_WIDTH / 2 + 0.055, BELT_TOP - 0.005), (120, 122, 128)),
        _box((BELT_LENGTH + 0.25, 0.09, 0.025),
             (BELT_CENTRE_X, -BELT_WIDTH / 2 - 0.055, BELT_TOP - 0.005), (120, 122, 128)),
    ]
    if not console:
        return parts
    # Low console at the front: two uprights and a panel at about knee-to-hip height.
    front = BELT_CENTRE_X + BELT_LENGTH / 2 + 0.12
    for y in (BELT_WIDTH / 2 + 0.06, -BELT_WIDTH / 2 - 0.06):
        parts.append(_box((0.06, 0.05, 0.75), (front, y, BELT_TOP + 0.375), (90, 92, 98)))
    parts.append(_box((0.14, BELT_WIDTH + 0.22, 0.16), (front, 0.0, BELT_TOP + 0.78), (60, 62, 68)))
    return parts


class Renderer:
    """One pyrender scene reused for every frame of a clip."""

    def __init__(self, camera: Camera, faces: np.ndarray, colours: np.ndarray,
                 console: bool = True) -> None:
        import pyrender

        self._pr = pyrender
        self.camera = camera
        self.faces = faces
        self.colours = colours
        self.scene = pyrender.Scene(ambient_light=np.array([0.38, 0.38, 0.38]),
                                    bg_color=np.array([0.8, 0.8, 0.8, 1.0]))
        for m in _scene_meshes(console):
            self.scene.add(pyrender.Mesh.from_trimesh(m, smooth=False))
        cam = pyrender.PerspectiveCamera(yfov=np.radians(camera.yfov_deg),
                                         aspectRatio=camera.width / camera.height,
                                         znear=0.1, zfar=40.0)
        c2w = camera.camera_to_world()
        self.scene.add(cam, pose=c2w)
        # Key light from above-front of the camera, fill from the other side.
        self.scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=2.6),
                       pose=_look_pose(c2w[:3, 3] + np.array([0.0, 0.0, 2.0]), np.zeros(3)))
        self.scene.add(pyrender.DirectionalLight(color=np.ones(3), intensity=1.2),
                       pose=_look_pose(np.array([1.0, 2.5, 3.0]), np.zeros(3)))
        self._stripe_mesh = pyrender.Mesh.from_trimesh(
            _box((0.05, BELT_WIDTH - 0.04, 0.004), (0.0, 0.0, 0.0), (92, 92, 96)), smooth=False)
        self._stripes = [self.scene.add(self._stripe_mesh, pose=np.eye(4))
                         for _ in range(int(BELT_LENGTH / STRIPE_SPACING) + 1)]
        self._body_node = None
        self.r = pyrender.OffscreenRenderer(camera.width, camera.height)

    def render(self, vertices: np.ndarray, belt_offset_m: float) -> np.ndarray:
        """RGB uint8 frame (H, W, 3) of the body at ``vertices`` with the belt moved
        back by ``belt_offset_m`` since the start."""
        import trimesh

        pr = self._pr
        if self._body_node is not None:
            self.scene.remove_node(self._body_node)
        tm = trimesh.Trimesh(vertices=vertices, faces=self.faces, vertex_colors=self.colours,
                             process=False)
        self._body_node = self.scene.add(pr.Mesh.from_trimesh(tm, smooth=True))
        back = BELT_CENTRE_X - BELT_LENGTH / 2 + 0.03
        for i, node in enumerate(self._stripes):
            x = back + ((i * STRIPE_SPACING - belt_offset_m) % (len(self._stripes)
                                                                * STRIPE_SPACING))
            pose = np.eye(4)
            pose[:3, 3] = (x, 0.0, BELT_TOP + 0.002)
            if x > BELT_CENTRE_X + BELT_LENGTH / 2 - 0.03:
                pose[:3, 3] = (x, 0.0, BELT_TOP - 5.0)  # hidden below the floor
            self.scene.set_pose(node, pose)
        colour, _ = self.r.render(self.scene)
        return colour

    def close(self) -> None:
        self.r.delete()


def _look_pose(eye: np.ndarray, target: np.ndarray) -> np.ndarray:
    fwd = target - eye
    fwd = fwd / np.linalg.norm(fwd)
    up = np.array([0.0, 0.0, 1.0])
    right = np.cross(fwd, up)
    if np.linalg.norm(right) < 1e-6:
        right = np.array([1.0, 0.0, 0.0])
    right /= np.linalg.norm(right)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, np.cross(right, fwd), -fwd, eye
    return m

"""The registry of pose models (``registry.json``, package data) and the check before loading.

Each entry names the model's ``backend`` (the estimator class that runs it,
:mod:`gaitvision.pose.estimators`) and its ``skeleton`` (the keypoint-name table,
:mod:`gaitvision.pose.skeletons`).

mediapipe 0.10.21 downloads the lite and heavy landmark models at run time when asked
for them; this project never downloads. Every model file is checked against the
registry's sha256 before the model is built, so a missing or altered file gives a clear
error instead of a network attempt.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gaitvision.errors import ModelError

#: Shipped inside the package, so a plain (non-editable) install finds it.
_PACKAGED_REGISTRY = Path(__file__).resolve().with_name("registry.json")


@dataclass(frozen=True)
class PoseModel:
    """One registry entry."""

    name: str
    description: str
    backend: str  #: estimator class (:data:`gaitvision.pose.estimators.BACKENDS`)
    skeleton: str  #: keypoint-name table (:data:`gaitvision.pose.skeletons.SKELETONS`)
    model_complexity: int
    licence: str
    good_for: str
    files: dict[str, str | None]  # path inside site-packages -> sha256 (None: not shipped)


def registry_path() -> Path:
    """Where the registry is read from (``GAITVISION_MODELS`` overrides)."""
    return Path(os.environ.get("GAITVISION_MODELS", _PACKAGED_REGISTRY))


@lru_cache(maxsize=4)
def _load_registry(path: str) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(
            f"model registry {path} not found; reinstall gaitvision, or unset "
            "GAITVISION_MODELS to use the registry shipped with the package."
        ) from None


def list_models() -> list[PoseModel]:
    """All models in the registry."""
    reg = _load_registry(str(registry_path()))
    return [PoseModel(name=k, **{f: v[f] for f in PoseModel.__dataclass_fields__ if f != "name"})
            for k, v in reg["models"].items()]


def get_model(name: str | None = None) -> PoseModel:
    """The registry entry for ``name`` (the default model when None)."""
    reg = _load_registry(str(registry_path()))
    name = name or reg["default"]
    for model in list_models():
        if model.name == name:
            return model
    known = ", ".join(m.name for m in list_models())
    raise ModelError(f"unknown pose model {name!r}; choose one of: {known}.")


def _site_packages() -> Path:
    import mediapipe  # imported lazily: it is slow to import

    return Path(mediapipe.__file__).resolve().parents[1]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=8)
def verify_model(name: str | None = None) -> PoseModel:
    """Check every file of a model against the registry; return the entry.

    Raises
    ------
    ModelError
        A file is missing (mediapipe would try to download it) or its hash differs.
    """
    model = get_model(name)
    root = _site_packages()
    for rel, digest in model.files.items():
        path = root / rel
        if not path.exists():
            raise ModelError(
                f"pose model {model.name!r} needs {rel}, which is not installed and is never "
                "downloaded; use the default model 'blazepose_full'."
            )
        if digest is not None and _sha256(path) != digest:
            raise ModelError(
                f"pose model file {rel} does not match the registry (sha256 differs); "
                "reinstall mediapipe==0.10.21."
            )
    return model

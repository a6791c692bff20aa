"""JSON Schemas of the public files: ``metrics.json`` and ``manifest.json``.

Shipped as package data (``metrics.schema.json``, ``manifest.schema.json``, JSON Schema
2020-12). :func:`validate` checks a document (needs the ``jsonschema`` package, a
development dependency) and raises ``jsonschema.ValidationError`` naming the first
problem. Readers (the web app, the comparison) and every test fake follow these.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent
NAMES = ("metrics", "manifest")


@lru_cache(maxsize=4)
def load_schema(name: str) -> dict:
    """The schema ``"metrics"`` or ``"manifest"`` as a dict."""
    if name not in NAMES:
        raise ValueError(f"unknown schema {name!r}; known: {', '.join(NAMES)}")
    return json.loads((_HERE / f"{name}.schema.json").read_text(encoding="utf-8"))


def validate(document: dict, name: str) -> None:
    """Check ``document`` against schema ``name``; raise ``jsonschema.ValidationError``."""
    import jsonschema  # development dependency; imported only when validating

    jsonschema.validate(document, load_schema(name), cls=jsonschema.Draft202012Validator)

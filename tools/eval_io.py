"""Shared bits of the evaluation tools' command lines."""

from __future__ import annotations

import json
from pathlib import Path


def write_json(path: Path, data) -> None:
    """``data`` as indented JSON at ``path``, written under a temporary name first, so an
    interrupted run never leaves half a file where a previous result was."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)

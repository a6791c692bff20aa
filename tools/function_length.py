"""Functions in gaitvision/ longer than the team's limit (80 lines of code, docstring not
counted). Prints each one; exit code 1 when there is any (``tests/test_code_shape.py``
runs it)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

MAX_LINES = 80


def code_lines(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the function's end."""
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None),
                                                              ast.Constant) \
            and isinstance(body[0].value.value, str) and len(body) > 1:
        body = body[1:]
    return fn.end_lineno - body[0].lineno + 2  # the body and the def line


def long_functions(root: Path, max_lines: int = MAX_LINES) -> list[tuple[str, str, int]]:
    """(path, function, lines) of every function over ``max_lines`` under ``root``."""
    out = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                n = code_lines(node)
                if n > max_lines:
                    out.append((path.as_posix(), node.name, n))
    return out


if __name__ == "__main__":
    found = long_functions(Path(sys.argv[1] if len(sys.argv) > 1 else "gaitvision"))
    for path, name, n in found:
        print(f"{path}: {name} has {n} lines of code (limit {MAX_LINES})")
    sys.exit(1 if found else 0)

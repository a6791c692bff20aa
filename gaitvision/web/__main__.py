"""``python -m gaitvision.web``: the same as ``gaitvision serve`` (plus --analyze for tests)."""

from __future__ import annotations

import argparse
import sys

from gaitvision.errors import GaitVisionError
from gaitvision.web import DEFAULT_HOST, DEFAULT_PORT, serve


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m gaitvision.web", description=__doc__)
    p.add_argument("--host", default=DEFAULT_HOST)
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--token", default=None)
    p.add_argument("--max-upload-mb", type=float, default=2048)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--analyze", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    try:
        serve(host=args.host, port=args.port, data_dir=args.data_dir, token=args.token,
              max_upload_mb=args.max_upload_mb, workers=args.workers, analyze=args.analyze)
    except GaitVisionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

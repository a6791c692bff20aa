"""gaitvision web app: upload a phone video, follow progress, review slow motion, get the PDF.

Start it with ``gaitvision serve`` (or :func:`serve`); open http://127.0.0.1:8000.
Uploads and results live in a local data folder, jobs in SQLite (``DATA/gaitvision.db``),
and each analysis runs in its own worker process.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable
from pathlib import Path

from gaitvision.errors import GaitVisionError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DATA_ENV = "GAITVISION_DATA"
TOKEN_ENV = "GAITVISION_TOKEN"
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def default_data_dir() -> Path:
    """``$GAITVISION_DATA``, else ``$XDG_DATA_HOME/gaitvision`` (``~/.local/share/gaitvision``)."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "gaitvision"


def create_app(*args, **kwargs):
    """See :func:`gaitvision.web.app.create_app` (imported lazily: FastAPI is optional)."""
    from gaitvision.web.app import create_app as _create_app

    return _create_app(*args, **kwargs)


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          data_dir: str | os.PathLike | None = None, token: str | None = None,
          max_upload_mb: float | None = 2048, workers: int | None = 1, *,
          analyze: Callable | str | None = None, log_level: str = "info") -> None:
    """Run the web app until interrupted (Ctrl+C).

    Parameters
    ----------
    host, port : where to listen; 127.0.0.1:8000 by default. Any non-loopback host
        requires a token.
    data_dir : folder for uploads, results and the job database (created if missing);
        default ``$GAITVISION_DATA`` or ``~/.local/share/gaitvision``.
    token : access token checked on every request; defaults to ``$GAITVISION_TOKEN``.
        Give it once as ``?token=...`` in the browser (it becomes a cookie) or send
        ``Authorization: Bearer ...``.
    max_upload_mb : largest accepted clip, in MiB (default 2048 = 2 GB), enforced while
        the upload streams in.
    workers : analyses run at the same time, each in its own process (default 1: one
        analysis already uses every core for pose).
    analyze : the analysis function (``module:function``); for tests only.

    Raises
    ------
    GaitVisionError
        Binding to a non-loopback address without a token, or missing web extras.
    """
    token = token or os.environ.get(TOKEN_ENV) or None
    host = host or DEFAULT_HOST
    port = DEFAULT_PORT if port is None else port
    max_upload_mb = 2048 if max_upload_mb is None else max_upload_mb
    workers = 1 if workers is None else workers
    if not is_loopback(host) and not token:
        raise GaitVisionError(
            f"Listening on {host} would expose the app to the network: set an access token "
            f"with --token or the {TOKEN_ENV} environment variable (or use --host 127.0.0.1)."
        )
    if token and len(token) < 16:
        raise GaitVisionError("the access token must be at least 16 characters long "
                              "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(24))').")
    try:
        import uvicorn
    except ImportError:
        raise GaitVisionError(
            "The web app needs its extra packages: pip install 'gaitvision[web]'."
        ) from None
    if max_upload_mb <= 0:
        raise GaitVisionError("--max-upload-mb must be positive.")
    if int(workers) < 1:
        raise GaitVisionError("--workers must be at least 1.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    from gaitvision.web.security import RedactTokenFilter

    logging.getLogger("uvicorn.access").addFilter(RedactTokenFilter())  # never log ?token=
    data = Path(data_dir).expanduser() if data_dir else default_data_dir()
    from gaitvision.web.store import lock_data_dir

    try:
        lock = lock_data_dir(data)  # noqa: F841 - held until the server exits
    except BlockingIOError:
        raise GaitVisionError(
            f"Another gaitvision server is already using {data}; stop it, or give this one "
            "its own --data-dir."
        ) from None
    # On loopback without a token, insist on a loopback Host header (DNS rebinding).
    allowed_hosts = LOOPBACK_NAMES if (is_loopback(host) and not token) else None
    app = create_app(data, token=token, max_upload_mb=max_upload_mb, workers=int(workers),
                     analyze=analyze, allowed_hosts=allowed_hosts)
    shown = f"[{host}]" if ":" in host else host
    print(f"gaitvision web app: http://{shown}:{port}/  (data in {data.resolve()})", flush=True)
    if token:
        print("An access token is required: open the page with ?token=<your token>.", flush=True)
    uvicorn.run(app, host=host, port=int(port), log_level=log_level,
                timeout_graceful_shutdown=5)


__all__ = ["serve", "create_app", "default_data_dir", "is_loopback"]

"""The FastAPI application: upload, progress, results, history, downloads.

Pages are rendered on the server (Jinja2) with a little plain JavaScript from
``static/``; there is no build step. The JSON API under ``/api`` is what the pages'
scripts use and what scripts of your own can use.
"""

from __future__ import annotations

import hmac
import logging
import math
import os
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from gaitvision.errors import GaitVisionError
from gaitvision.web.jobqueue import JobQueue, LocalProcessQueue
from gaitvision.web.results import (
    MEDIA_TYPES,
    METRIC_LABELS,
    load_json,
    load_result,
    resolve_download,
    unit_text,
)
from gaitvision.web.store import DONE, FAILED, JobStore, new_job_id, remove_tree, valid_job_id
from gaitvision.web.uploads import UploadError, receive_upload
from gaitvision.web.worker import HEADLINE_METRICS, callable_spec

log = logging.getLogger("gaitvision.web")
HERE = Path(__file__).resolve().parent
DEFAULT_MAX_UPLOAD_MB = 2048
TOKEN_COOKIE = "gaitvision_token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
       "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")


class GuardMiddleware:
    """Every request: token check (when one is set), Host check, same-origin writes.

    - token: ``Authorization: Bearer T``, the ``gaitvision_token`` cookie, or ``?token=T``
      once (which sets the cookie and redirects to the same URL without it);
    - allowed_hosts: when serving on loopback without a token, the Host header must name
      loopback, which defeats DNS-rebinding pages;
    - a request that changes something and carries an Origin must come from this server.
    """

    def __init__(self, app, token: str | None, allowed_hosts: set[str] | None):
        self.app = app
        self.token = token or None
        self.allowed_hosts = allowed_hosts

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        host = headers.get("host", "")
        if self.allowed_hosts is not None and _hostname(host) not in self.allowed_hosts:
            return await _plain(400, "Unknown Host header.")(scope, receive, send)
        method = scope["method"]
        origin = headers.get("origin")
        if method not in SAFE_METHODS and origin:  # "null" (sandboxed frames) is refused too
            if origin.split("://", 1)[-1].rstrip("/") != host:
                return await _plain(403, "Cross-origin request refused.")(scope, receive, send)
        if self.token:
            query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
            supplied = _bearer(headers.get("authorization", "")) or _cookie(
                headers.get("cookie", ""), TOKEN_COOKIE)
            if not supplied and query.get("token"):
                if self._ok(query["token"]) and method in SAFE_METHODS:
                    rest = urlencode({k: v for k, v in query.items() if k != "token"})
                    resp = RedirectResponse(scope["path"] + (f"?{rest}" if rest else ""), 303)
                    resp.set_cookie(TOKEN_COOKIE, query["token"], httponly=True, samesite="strict")
                    return await resp(scope, receive, send)
                supplied = query["token"]
            if not self._ok(supplied):
                return await _plain(401, "This gaitvision server needs its access token: open "
                                    "it as http://HOST:PORT/?token=YOUR_TOKEN.")(scope, receive, send)
        return await self.app(scope, receive, send)

    def _ok(self, supplied: str | None) -> bool:
        return bool(supplied) and hmac.compare_digest(supplied.encode(), self.token.encode())


def _plain(status: int, text: str) -> Response:
    return Response(text + "\n", status_code=status, media_type="text/plain; charset=utf-8")


def _hostname(host: str) -> str:
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _bearer(value: str) -> str | None:
    scheme, _, cred = value.partition(" ")
    return cred.strip() if scheme.lower() == "bearer" and cred.strip() else None


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name and value:
            return value
    return None


def _parse_float(text: str | None, label: str, lo: float, hi: float, unit: str) -> float | None:
    text = (text or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise UploadError(f"{label} must be a number in {unit}, got {text[:20]!r}.") from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise UploadError(f"{label} must be between {lo:g} and {hi:g} {unit}.")
    return value


def _clean_text(text: str | None, limit: int) -> str | None:
    text = "".join(ch for ch in (text or "") if ch.isprintable() or ch in "\n\t").strip()
    return text[:limit] or None


def _fmt_date(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else ""


def _fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"


def _headline_cells(job) -> list[dict]:
    cells = []
    for name in HEADLINE_METRICS:
        h = job.headline.get(name)
        if not h:
            continue
        unit = h.get("unit", "")
        parts = []
        if "both" in h:
            parts.append(_short_num(h["both"]))
        else:
            parts += [f"{s[0].upper()} {_short_num(h[s])}" for s in ("left", "right") if s in h]
        cells.append({"label": METRIC_LABELS.get(name, name), "value": " / ".join(parts),
                      "unit": unit_text(unit)})
    return cells


def _short_num(v: float) -> str:
    return f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}" if abs(v) >= 10 else f"{v:.2f}"


def create_app(data_dir: str | os.PathLike = "gaitvision-data", *, token: str | None = None,
               max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB, workers: int = 1,
               analyze: Callable | str | None = None, queue: JobQueue | None = None,
               allowed_hosts: set[str] | None = None) -> FastAPI:
    """Build the app. ``analyze`` (callable or ``module:function``) replaces the pipeline
    in tests; ``queue`` replaces the local worker-process backend."""
    store = JobStore(data_dir)
    max_bytes = int(max_upload_mb * 2**20)
    job_queue = queue or LocalProcessQueue(store, workers=workers, analyze=callable_spec(analyze))

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        recovered = store.recover()
        if any(recovered.values()):
            log.warning("start-up: re-queued %d job(s), failed %d after repeated restarts, "
                        "removed %d cut-off upload(s)", len(recovered["requeued"]),
                        len(recovered["failed"]), len(recovered["removed"]))
        job_queue.start()
        try:
            yield
        finally:
            job_queue.stop()

    app = FastAPI(title="gaitvision", lifespan=lifespan, docs_url="/api/docs",
                  redoc_url=None, openapi_url="/api/openapi.json")
    app.state.store = store
    app.state.queue = job_queue
    app.state.max_upload_bytes = max_bytes
    app.add_middleware(GuardMiddleware, token=token, allowed_hosts=allowed_hosts)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(fmt_date=_fmt_date, fmt_duration=_fmt_duration)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    def get_job_or_404(job_id: str):
        job = store.get(job_id) if valid_job_id(job_id) else None
        if job is None:
            raise HTTPException(404, "No such analysis.")
        return job

    def wants_html(request: Request) -> bool:
        return "text/html" in request.headers.get("accept", "")

    # -- pages -------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    async def upload_page(request: Request):
        return templates.TemplateResponse(request, "upload.html", {
            "max_upload_bytes": max_bytes, "max_upload_text": _size_text(max_bytes),
            "error": None, "active": "upload"})

    @app.get("/history", response_class=HTMLResponse)
    async def history_page(request: Request):
        jobs = await run_in_threadpool(store.list)
        rows = [{"job": j, "headline": _headline_cells(j)} for j in jobs]
        return templates.TemplateResponse(request, "history.html",
                                          {"rows": rows, "active": "history"})

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    async def job_page(request: Request, job_id: str):
        job = get_job_or_404(job_id)
        ctx = {"job": job, "active": "", "views": [], "top_files": [], "manifest": None}
        if job.status == DONE:
            files_url = f"/jobs/{job.id}/files"
            manifest, views, top = await run_in_threadpool(
                load_result, store.result_dir(job.id), files_url)
            ctx.update(manifest=manifest, views=views, top_files=top)
            return templates.TemplateResponse(request, "results.html", ctx)
        return templates.TemplateResponse(request, "progress.html", ctx)

    @app.post("/jobs/{job_id}/delete")
    async def delete_form(job_id: str):
        await delete_job(job_id)
        return RedirectResponse("/history", status_code=303)

    @app.api_route("/jobs/{job_id}/files/{rel:path}", methods=["GET", "HEAD"])
    async def download(job_id: str, rel: str, download: int = 0):
        job = get_job_or_404(job_id)
        if job.status != DONE:
            raise HTTPException(404, "No such file.")
        result_dir = store.result_dir(job.id)
        manifest = load_json(result_dir / "manifest.json")
        path = resolve_download(result_dir, rel, manifest)
        if path is None:
            raise HTTPException(404, "No such file.")
        media = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
        inline = media.split(";")[0] in ("video/mp4", "image/png", "image/jpeg", "application/pdf",
                                         "text/plain") and not download
        filename = _download_name(job, path)
        return FileResponse(path, media_type=media, filename=filename,
                            content_disposition_type="inline" if inline else "attachment")

    # -- API ---------------------------------------------------------------------------
    @app.get("/healthz")
    async def healthz():
        return {"ok": True}

    @app.post("/api/jobs")
    async def create_job(request: Request):
        job_id = new_job_id()
        job_dir = store.job_dir(job_id)
        upload_dir = store.upload_dir(job_id)
        upload_dir.mkdir(parents=True)
        try:
            form = await receive_upload(request, upload_dir, max_bytes)
            if not form.files:
                raise UploadError("Add a side clip, a rear clip, or both.")
            height = _parse_float(form.fields.get("height_cm"), "Height", 80, 250, "cm")
            speed = _parse_float(form.fields.get("speed_kmh"), "Treadmill speed", 1, 40, "km/h")
            runner = _clean_text(form.fields.get("runner_name"), 100)
            notes = _clean_text(form.fields.get("notes"), 2000)
            inputs = []
            for view in ("side", "rear"):
                stored = form.files.get(view)
                if stored is None:
                    continue
                await run_in_threadpool(_check_video, stored)
                inputs.append({"view": view, "name": stored.name, "file": stored.path.name,
                               "size": stored.size})
        except UploadError as exc:
            remove_tree(job_dir, store.jobs_dir)
            if wants_html(request):
                return templates.TemplateResponse(request, "upload.html", {
                    "max_upload_bytes": max_bytes, "max_upload_text": _size_text(max_bytes),
                    "error": str(exc), "active": "upload"}, status_code=exc.status_code)
            return JSONResponse({"detail": str(exc)}, status_code=exc.status_code,
                                headers={"Connection": "close"} if exc.status_code == 413 else None)
        except BaseException:
            remove_tree(job_dir, store.jobs_dir)
            raise
        job = await run_in_threadpool(store.create, job_id, inputs=inputs, runner_name=runner,
                                      height_cm=height, speed_kmh=speed, notes=notes)
        job_queue.submit(job_id)
        log.info("job %s queued (%s)", job_id, ", ".join(i["view"] for i in inputs))
        if wants_html(request):
            return RedirectResponse(f"/jobs/{job_id}", status_code=303)
        return JSONResponse(job.public(), status_code=201)

    @app.get("/api/jobs")
    async def list_jobs():
        return [j.public() for j in await run_in_threadpool(store.list)]

    @app.get("/api/jobs/{job_id}")
    async def job_status(job_id: str):
        job = get_job_or_404(job_id)
        data = job.public()
        if job.status not in (DONE, FAILED) and job.started:
            data["elapsed_s"] = round(time.time() - job.started, 1)
        if job.status == "queued":
            data["queue_position"] = await run_in_threadpool(store.queue_position, job.id)
        return data

    @app.delete("/api/jobs/{job_id}")
    async def delete_job(job_id: str):
        job = get_job_or_404(job_id)
        job_queue.cancel(job.id)
        await run_in_threadpool(store.delete_row, job.id)
        job_queue.cancel(job.id)  # in case the dispatcher claimed it meanwhile
        await run_in_threadpool(remove_tree, store.job_dir(job.id), store.jobs_dir)
        log.info("job %s deleted", job.id)
        return {"deleted": job.id}

    return app


def _check_video(stored) -> None:
    """The upload must decode as video whatever its name says (same ingest code as the CLI)."""
    from gaitvision.video import probe_video

    try:
        probe_video(stored.path, hash_content=False)
    except GaitVisionError as exc:
        message = str(exc).replace(str(stored.path), stored.name)
        raise UploadError(f"{stored.view.capitalize()} clip: {message}") from None
    except Exception as exc:  # noqa: BLE001 - any decoder surprise means "not usable"
        log.warning("probe of an upload failed: %r", exc)
        raise UploadError(f"{stored.view.capitalize()} clip: {stored.name} could not be read "
                          "as a video; upload an MP4 or MOV from a phone or camera.") from None


def _size_text(n: int) -> str:
    mb = n / 2**20
    return f"{mb / 1024:g} GB" if mb >= 1024 else f"{mb:g} MB"


def _download_name(job, path: Path) -> str:
    """A helpful download name: gaitvision-<runner>-<date>-<view>-<file> (ASCII only)."""
    runner = "".join(c if c.isalnum() else "-" for c in (job.runner_name or "").lower())
    runner = "-".join(p for p in runner.split("-") if p)[:30]
    date = datetime.fromtimestamp(job.created).strftime("%Y%m%d")
    view = path.parent.name if path.parent.name in ("side", "rear") else ""
    parts = ["gaitvision", runner, date, view, path.name]
    return "-".join(p for p in parts if p).encode("ascii", "replace").decode().replace("?", "_")

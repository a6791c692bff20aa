"""The FastAPI application: upload, progress, results, history, downloads.

Pages are rendered on the server (Jinja2) with a little plain JavaScript from
``static/``; there is no build step. The JSON API under ``/api`` is what the pages'
scripts use and what scripts of your own can use.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from gaitvision.errors import GaitVisionError
from gaitvision.web import history
from gaitvision.web.extra import add_extra_routes, plain_summary_points, recompute_available
from gaitvision.web.jobqueue import JobQueue, LocalProcessQueue
from gaitvision.web.results import (
    MEDIA_TYPES,
    fmt_value,
    load_json,
    load_result,
    resolve_download,
)
from gaitvision.web.security import GuardMiddleware, token_problem
from gaitvision.web.store import (
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RETRYABLE,
    RUNNING,
    Job,
    JobStore,
    eta_seconds,
    new_job_id,
    remove_tree,
    valid_job_id,
)
from gaitvision.web.uploads import FILE_FIELDS, MAX_CLIPS, UploadError, receive_upload
from gaitvision.web.worker import callable_spec

log = logging.getLogger("gaitvision.web")
HERE = Path(__file__).resolve().parent
DEFAULT_MAX_UPLOAD_MB = 2048

CSP = ("default-src 'self'; img-src 'self' data:; media-src 'self'; style-src 'self'; "
       "script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")


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


def create_app(data_dir: str | os.PathLike = "gaitvision-data", *, token: str | None = None,
               max_upload_mb: float = DEFAULT_MAX_UPLOAD_MB, workers: int = 1,
               analyze: Callable | str | None = None, queue: JobQueue | None = None,
               allowed_hosts: set[str] | None = None) -> FastAPI:
    """Build the app. ``analyze`` (callable or ``module:function``) replaces the pipeline
    in tests; ``queue`` replaces the local worker-process backend."""
    problem = token_problem(token)
    if problem:
        raise GaitVisionError(problem)
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

    app = FastAPI(title="gaitvision", lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url="/api/openapi.json")
    app.state.store = store
    app.state.queue = job_queue
    app.state.max_upload_bytes = max_bytes
    app.state.analyze_spec = callable_spec(analyze)
    app.add_middleware(GuardMiddleware, token=token, allowed_hosts=allowed_hosts)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(fmt_date=_fmt_date, fmt_duration=_fmt_duration,
                                 fmt_value=fmt_value)
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Content-Security-Policy", CSP)
        # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on
        # the app's own form posts (see gaitvision.web.security).
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    add_page_routes(app)
    add_job_routes(app)
    add_extra_routes(app)
    return app


def job_or_404(store: JobStore, job_id: str) -> Job:
    job = store.get(job_id) if valid_job_id(job_id) else None
    if job is None:
        raise HTTPException(404, "No such analysis.")
    return job


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def upload_context(request: Request, error: str | None = None) -> dict:
    max_bytes = request.app.state.max_upload_bytes
    return {"max_upload_bytes": max_bytes, "max_upload_text": _size_text(max_bytes),
            "error": error, "active": "upload"}


def add_page_routes(app: FastAPI) -> None:
    """HTML pages: upload, history, a job's progress or results, delete/cancel/retry forms."""
    store: JobStore = app.state.store
    templates = app.state.templates

    @app.get("/", response_class=HTMLResponse)
    async def upload_page(request: Request):
        jobs = await run_in_threadpool(store.list)
        ctx = upload_context(request)
        ctx["runners"] = sorted({j.runner_name for j in jobs if j.runner_name}, key=str.casefold)
        return templates.TemplateResponse(request, "upload.html", ctx)

    @app.get("/history", response_class=HTMLResponse)
    async def history_page(request: Request, q: str = "", status: str = "", runner: str = "",
                           sort: str = "newest", group: int = 0):
        jobs = await run_in_threadpool(store.list)
        shown = [j for j in jobs if history.matches(j, q, status, runner)]
        shown.sort(key=history.SORTS.get(sort, history.SORTS["newest"]))
        rows = [{"job": j, "headline": history.headline_cells(j),
                 "clips": history.clip_names(j)} for j in shown]
        runners = sorted({j.runner_name for j in jobs if j.runner_name}, key=str.casefold)
        groups = history.group_by_runner(shown) if group else []
        return templates.TemplateResponse(request, "history.html", {
            "rows": rows, "active": "history", "q": q, "status": status, "runner": runner,
            "sort": sort, "group": group, "groups": groups, "runners": runners,
            "total": len(jobs), "statuses": (DONE, FAILED, CANCELLED, "running", "queued")})

    @app.get("/jobs/{job_id}", response_class=HTMLResponse)
    async def job_page(request: Request, job_id: str):
        job = job_or_404(store, job_id)
        ctx = {"job": job, "active": "", "views": [], "top_files": [], "manifest": None,
               "retryable": job.status in RETRYABLE}
        if job.status != DONE:
            return templates.TemplateResponse(request, "progress.html", ctx)
        manifest, views, top = await run_in_threadpool(
            load_result, store.result_dir(job.id), f"/jobs/{job.id}/files")
        jobs = await run_in_threadpool(store.list)
        previous = history.previous_session(job, jobs)
        points = plain_summary_points(views)
        ctx.update(manifest=manifest, views=views, top_files=top, previous=previous,
                   plain=points, can_recompute=recompute_available())
        return templates.TemplateResponse(request, "results.html", ctx)

    @app.post("/jobs/{job_id}/delete")
    async def delete_form(job_id: str):
        await remove_job(app, job_id)
        return RedirectResponse("/history", status_code=303)

    @app.post("/jobs/{job_id}/cancel")
    async def cancel_form(job_id: str):
        await cancel_job(app, job_id)
        return RedirectResponse(f"/jobs/{job_id}", status_code=303)

    @app.post("/jobs/{job_id}/retry")
    async def retry_form(job_id: str):
        await retry_job(app, job_id)
        return RedirectResponse(f"/jobs/{job_id}", status_code=303)


async def remove_job(app: FastAPI, job_id: str) -> dict:
    """Stop the job, forget it, delete its folder and its pose-cache entries."""
    store: JobStore = app.state.store
    job = job_or_404(store, job_id)
    app.state.queue.cancel(job.id)
    hashes = await run_in_threadpool(clip_hashes, store, job)
    await run_in_threadpool(store.delete_row, job.id)
    app.state.queue.cancel(job.id)  # in case the dispatcher claimed it meanwhile
    await run_in_threadpool(remove_tree, store.job_dir(job.id), store.jobs_dir)
    removed = await run_in_threadpool(remove_cached_pose, hashes)
    await run_in_threadpool(remove_comparisons, store, job.id)
    log.info("job %s deleted (%d pose-cache entries)", job.id, removed)
    return {"deleted": job.id}


async def cancel_job(app: FastAPI, job_id: str) -> Job:
    store: JobStore = app.state.store
    job = job_or_404(store, job_id)
    if job.status not in (QUEUED, RUNNING):
        raise HTTPException(409, f"This analysis is {job.status}; only a queued or running "
                            "one can be cancelled.")
    if job.status == RUNNING and job.run_id is None:  # an edit's re-computation, in-process
        raise HTTPException(409, "A re-computation after an edit cannot be cancelled; it "
                            "takes about a minute.")
    app.state.queue.cancel(job.id)
    await run_in_threadpool(store.cancel, job.id)
    app.state.queue.cancel(job.id)
    log.info("job %s cancelled", job.id)
    return store.get(job.id)


async def retry_job(app: FastAPI, job_id: str) -> Job:
    store: JobStore = app.state.store
    job = job_or_404(store, job_id)
    if job.status not in RETRYABLE:
        raise HTTPException(409, f"This analysis is {job.status}; only a failed or cancelled "
                            "one can be retried.")
    if not all((store.upload_dir(job.id) / i["file"]).is_file() for i in job.inputs):
        raise HTTPException(409, "The clips of this analysis are no longer stored; upload "
                            "them again.")
    await run_in_threadpool(store.remove_partials, job.id)
    await run_in_threadpool(store.retry, job.id)
    app.state.queue.submit(job.id)
    log.info("job %s retried", job.id)
    return store.get(job.id)


def add_job_routes(app: FastAPI) -> None:
    """The JSON API: create, list, status, cancel, retry, delete; result files."""
    store: JobStore = app.state.store

    @app.api_route("/jobs/{job_id}/files/{rel:path}", methods=["GET", "HEAD"])
    async def download(job_id: str, rel: str, download: int = 0):
        return result_file(store, job_id, rel, bool(download))

    @app.get("/healthz")
    async def healthz():
        return {"ok": True}

    @app.post("/api/jobs")
    async def create_job(request: Request):
        """Upload one clip (field ``side`` or ``rear``) or both, plus optional fields."""
        return await create_job_from_upload(request)

    @app.get("/api/jobs")
    async def list_jobs():
        return [j.public() for j in await run_in_threadpool(store.list)]

    @app.get("/api/jobs/{job_id}")
    async def job_status(job_id: str):
        return await run_in_threadpool(status_of, store, job_or_404(store, job_id))

    @app.post("/api/jobs/{job_id}/cancel")
    async def cancel(job_id: str):
        return (await cancel_job(app, job_id)).public()

    @app.post("/api/jobs/{job_id}/retry")
    async def retry(job_id: str):
        return (await retry_job(app, job_id)).public()

    @app.delete("/api/jobs/{job_id}")
    async def delete_job(job_id: str):
        return await remove_job(app, job_id)


def result_file(store: JobStore, job_id: str, rel: str, download: bool) -> FileResponse:
    """A file of a finished job's result, if the manifest lists it (404 otherwise)."""
    job = job_or_404(store, job_id)
    if job.status != DONE:
        raise HTTPException(404, "No such file.")
    result_dir = store.result_dir(job.id)
    path = resolve_download(result_dir, rel, load_json(result_dir / "manifest.json"))
    if path is None:
        raise HTTPException(404, "No such file.")
    media = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    inline = media.split(";")[0] in ("video/mp4", "image/png", "image/jpeg", "application/pdf",
                                     "text/plain") and not download
    return FileResponse(path, media_type=media, filename=_download_name(job, path),
                        content_disposition_type="inline" if inline else "attachment")


def status_of(store: JobStore, job: Job) -> dict:
    """The job's public record plus elapsed time, ETA and queue position."""
    data = job.public()
    if job.status in (QUEUED, RUNNING) and job.started:
        data["elapsed_s"] = round(time.time() - job.started, 1)
        eta = eta_seconds(job.percent, data["elapsed_s"])
        data["eta_s"] = None if eta is None else round(eta)
    if job.status == QUEUED:
        data["queue_position"] = store.queue_position(job.id)
    return data


async def create_job_from_upload(request: Request):
    app = request.app
    store: JobStore = app.state.store
    job_id = new_job_id()
    job_dir = store.job_dir(job_id)
    store.upload_dir(job_id).mkdir(parents=True)
    try:
        form = await receive_upload(request, store.upload_dir(job_id), app.state.max_upload_bytes)
        fields = parse_fields(form)
        if fields.get("time_scale") and not accepts_time_scale(app.state.analyze_spec):
            raise UploadError("This installation cannot analyse slow-motion files yet (its "
                              "pipeline has no time_scale); leave the slow-motion factor empty "
                              "or update gaitvision.")
        inputs = []
        for view in FILE_FIELDS:
            stored = form.files.get(view)
            if stored is not None:
                await run_in_threadpool(_check_video, stored)
                inputs.append({"view": view, "name": stored.name, "file": stored.path.name,
                               "size": stored.size})
        if not inputs:
            raise UploadError("Add a side clip, a rear or front clip, or both.")
        if len(inputs) > MAX_CLIPS:
            raise UploadError("Add at most two clips of the run: a side clip and a rear or a "
                              "front clip.")
    except UploadError as exc:
        remove_tree(job_dir, store.jobs_dir)
        if wants_html(request):
            return app.state.templates.TemplateResponse(
                request, "upload.html", upload_context(request, str(exc)),
                status_code=exc.status_code)
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code,
                            headers={"Connection": "close"} if exc.status_code == 413 else None)
    except BaseException:
        remove_tree(job_dir, store.jobs_dir)
        raise
    scale = fields.pop("time_scale", None)
    for item in inputs if scale else []:
        item["time_scale"] = scale  # read by the worker: pipeline.analyze(time_scale=...)
    job = await run_in_threadpool(store.create, job_id, inputs=inputs, **fields)
    app.state.queue.submit(job_id)
    log.info("job %s queued (%s)", job_id, ", ".join(i["view"] for i in inputs))
    if wants_html(request):
        return RedirectResponse(f"/jobs/{job_id}", status_code=303)
    return JSONResponse(job.public(), status_code=201)


def accepts_time_scale(spec: str) -> bool:
    """True when the analysis function takes ``time_scale`` (or any keyword)."""
    import inspect

    from gaitvision.web.worker import resolve_callable

    try:
        params = inspect.signature(resolve_callable(spec)).parameters
    except (ImportError, AttributeError, ValueError, TypeError):
        return False
    return "time_scale" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def parse_fields(form) -> dict:
    """The optional fields of the upload form, checked (UploadError names the problem)."""
    f = form.fields
    out = {"height_cm": _parse_float(f.get("height_cm"), "Height", 80, 250, "cm"),
           "speed_kmh": _parse_float(f.get("speed_kmh"), "Treadmill speed", 1, 40, "km/h"),
           "runner_name": _clean_text(f.get("runner_name"), 100),
           "notes": _clean_text(f.get("notes"), 2000)}
    scale = _parse_float(f.get("time_scale"), "Slow-motion factor", 1, 64, "x")
    if scale is not None and scale != 1:
        out["time_scale"] = scale
    return out


def clip_hashes(store: JobStore, job: Job) -> list[str]:
    """Content hashes of a job's clips (they key the pose cache)."""
    from gaitvision.video.ingest import file_sha256

    hashes = []
    for item in job.inputs:
        metrics = load_json(store.result_dir(job.id) / item["view"] / "metrics.json") or {}
        sha = (metrics.get("video") or {}).get("sha256")
        path = store.upload_dir(job.id) / item["file"]
        if not sha and path.is_file():
            sha = file_sha256(path)
        if sha:
            hashes.append(sha)
    return hashes


def remove_comparisons(store: JobStore, job_id: str) -> None:
    """Comparisons that used this analysis go with it (they hold its stride video)."""
    root = store.data_dir / "compare"
    for folder in root.glob(f"*{job_id}*") if root.is_dir() else []:
        if folder.is_dir() and job_id in folder.name.split("_"):
            remove_tree(folder, root)


def remove_cached_pose(hashes: list[str]) -> int:
    """Delete the pose-cache entries of these clips (the page promises the clip's data goes)."""
    from gaitvision.pose.estimate import cache_dir

    removed = 0
    root = cache_dir()
    for sha in hashes:
        for path in root.glob(f"{sha[:32]}-*.npz") if root.is_dir() else []:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


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
    view = path.parent.name if path.parent.name in FILE_FIELDS else ""
    parts = ["gaitvision", runner, date, view, path.name]
    return "-".join(p for p in parts if p).encode("ascii", "replace").decode().replace("?", "_")

"""Routes beyond upload/progress/results: compare, edit and re-compute, the zip download,
and the API docs page (served from this package: no CDN, works offline)."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import zipfile
from pathlib import Path

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from gaitvision.errors import GaitVisionError
from gaitvision.web.results import allowed_files, load_json, safe_rel

log = logging.getLogger("gaitvision.web")


def recompute_available() -> bool:
    """True when the pipeline can re-run kinematics and report without pose."""
    import gaitvision.pipeline as pipeline

    return callable(getattr(pipeline, "recompute", None))


def plain_summary_points(views) -> list:
    """The results page's plain summary (:mod:`gaitvision.report.plain`) of typed summaries."""
    from gaitvision.report.plain import plain_summary

    return plain_summary({v.view: v.summaries for v in views})


def add_extra_routes(app: FastAPI) -> None:
    _docs_routes(app)
    _zip_route(app)
    _compare_routes(app)
    _edit_routes(app)


# -- API docs ----------------------------------------------------------------------------
def _docs_routes(app: FastAPI) -> None:
    @app.get("/api/docs", response_class=HTMLResponse, include_in_schema=False)
    async def api_docs(request: Request):
        """A plain API page made here from the OpenAPI schema (the Swagger UI from a CDN
        was blocked by the Content-Security-Policy and needs the network)."""
        schema = app.openapi()
        ops = []
        for path, methods in schema.get("paths", {}).items():
            for method, op in methods.items():
                params = [p.get("name", "") for p in op.get("parameters", [])]
                ops.append({"method": method.upper(), "path": path,
                            "summary": op.get("summary", ""),
                            "doc": (op.get("description") or "").strip(), "params": params})
        return app.state.templates.TemplateResponse(request, "docs.html", {
            "ops": ops, "active": "", "version": schema.get("info", {}).get("version", "")})


# -- download everything -----------------------------------------------------------------
def _zip_route(app: FastAPI) -> None:
    from gaitvision.web.app import _download_name, job_or_404

    store = app.state.store

    @app.get("/jobs/{job_id}/download.zip")
    async def download_zip(job_id: str):
        job = job_or_404(store, job_id)
        if job.status != "done":
            raise HTTPException(404, "No result to download yet.")
        path = await run_in_threadpool(build_zip, store.result_dir(job.id))
        name = _download_name(job, Path("all.zip"))
        return FileResponse(path, media_type="application/zip", filename=name,
                            background=BackgroundTask(path.unlink, missing_ok=True))


def build_zip(result_dir: Path) -> Path:
    """Every file a client may download from this result, in one zip (videos stored,
    data compressed); a temporary file the caller removes."""
    manifest = load_json(result_dir / "manifest.json") or {}
    rels = sorted(allowed_files(result_dir, manifest))
    fd, tmp = tempfile.mkstemp(prefix="gaitvision-", suffix=".zip")
    os.close(fd)
    with zipfile.ZipFile(tmp, "w") as zf:
        # the manifest without the server's own paths of the clips (names only)
        shown = dict(manifest, videos={k: Path(str(v)).name for k, v in
                                       (manifest.get("videos") or {}).items()})
        zf.writestr("manifest.json", json.dumps(shown, indent=2))
        for rel in rels:
            path = result_dir / rel
            if path.is_file() and not path.is_symlink():
                packed = path.suffix.lower() in (".mp4", ".png", ".jpg", ".npz", ".pdf")
                zf.write(path, rel, zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED)
    return Path(tmp)


# -- compare -----------------------------------------------------------------------------
def compare_dir(store, a: str, b: str) -> Path:
    return store.data_dir / "compare" / f"{a}_{b}"


def _compare_routes(app: FastAPI) -> None:
    from gaitvision.web.app import job_or_404

    store = app.state.store

    @app.get("/compare", response_class=HTMLResponse)
    async def compare_page(request: Request, a: str = "", b: str = "",
                           job: list[str] = Query(default=[])):  # noqa: B008
        """Session B compared with session A (two finished analyses; or two ``job``s)."""
        if not a and len(job) != 2:
            raise HTTPException(400, "Pick exactly two finished analyses to compare.")
        if not a:
            a, b = job
        ja, jb = job_or_404(store, a), job_or_404(store, b)
        if ja.status != "done" or jb.status != "done" or ja.id == jb.id:
            raise HTTPException(400, "Pick two different finished analyses to compare.")
        if ja.created > jb.created:  # always earlier -> later
            return RedirectResponse(f"/compare?a={jb.id}&b={ja.id}", status_code=303)
        out = compare_dir(store, ja.id, jb.id)
        try:
            result = await run_in_threadpool(_compare_cached, store, ja, jb, out)
        except GaitVisionError as exc:
            raise HTTPException(400, str(exc)) from None
        return app.state.templates.TemplateResponse(request, "compare.html", {
            "a": ja, "b": jb, "result": result, "active": "history",
            "files": f"/compare/{ja.id}_{jb.id}"})

    @app.get("/compare/{pair}/{rel:path}")
    async def compare_file(pair: str, rel: str):
        a, _, b = pair.partition("_")
        job_or_404(store, a), job_or_404(store, b)
        root = compare_dir(store, a, b).resolve()
        path = (root / rel).resolve()
        if safe_rel(rel) is None or root not in path.parents or not path.is_file():
            raise HTTPException(404, "No such file.")
        # compare.json names the server's result folders: not served
        media = {".mp4": "video/mp4", ".png": "image/png", ".pdf": "application/pdf"}
        if path.suffix not in media:
            raise HTTPException(404, "No such file.")
        return FileResponse(path, media_type=media[path.suffix])


def _compare_cached(store, ja, jb, out: Path):
    from gaitvision.compare import Comparison, compare

    newest = max(p.stat().st_mtime for j in (ja, jb)
                 for p in [store.result_dir(j.id) / "manifest.json"])
    if (out / "compare.json").is_file() and (out / "compare.json").stat().st_mtime >= newest:
        return Comparison.load(out)
    labels = (_label(ja), _label(jb))
    return compare(store.result_dir(ja.id), store.result_dir(jb.id), out, labels=labels)


def _label(job) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(job.created).strftime("%Y-%m-%d %H:%M")


# -- edit and re-compute -----------------------------------------------------------------
def _edit_routes(app: FastAPI) -> None:
    from gaitvision.web.app import _clean_text, _parse_float, job_or_404
    from gaitvision.web.uploads import UploadError

    store = app.state.store

    @app.post("/jobs/{job_id}/edit")
    async def edit(request: Request, job_id: str):
        """Change runner name, height and speed; re-run kinematics and report (no pose)."""
        job = job_or_404(store, job_id)
        if job.status != "done":
            raise HTTPException(409, "Only a finished analysis can be edited.")
        form = await request.form()
        try:
            fields = {"runner_name": _clean_text(form.get("runner_name"), 100),
                      "height_cm": _parse_float(form.get("height_cm"), "Height", 80, 250, "cm"),
                      "speed_kmh": _parse_float(form.get("speed_kmh"), "Treadmill speed", 1,
                                                40, "km/h")}
        except UploadError as exc:
            raise HTTPException(400, str(exc)) from None
        await run_in_threadpool(store.update_session, job.id, **fields)
        if recompute_available():
            store.set_state(job.id, "running", "Re-computing", percent=0.0)
            threading.Thread(target=run_recompute, args=(store, job.id, fields, job.notes),
                             daemon=True, name=f"recompute-{job.id[:8]}").start()
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)


def run_recompute(store, job_id: str, fields: dict, notes: str | None) -> None:
    """Kinematics and report again from the saved pose track, in this process."""
    from gaitvision.pipeline import recompute
    from gaitvision.web.worker import headline_metrics

    def progress(stage: str, fraction: float) -> None:
        store.set_state(job_id, "running", stage.capitalize(),
                        percent=round(100 * min(1.0, max(0.0, fraction)), 1))

    result_dir = store.result_dir(job_id)
    try:
        recompute(result_dir, height_cm=fields["height_cm"], speed_kmh=fields["speed_kmh"],
                  runner_name=fields["runner_name"], notes=notes, render=True,
                  progress=progress)
    except Exception as exc:  # noqa: BLE001 - the old result stays; say why
        log.exception("re-computation of %s failed", job_id)
        store.set_state(job_id, "done", "Analysis complete",
                        error=f"Re-computation failed ({type(exc).__name__}); the previous "
                        "result is kept.")
        return
    store.set_state(job_id, "done", "Analysis complete", headline=headline_metrics(result_dir),
                    percent=100.0)

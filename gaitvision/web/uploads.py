"""Streaming multipart upload: clips go straight to disk, size limit checked per chunk.

Framework upload helpers spool the whole body before the handler sees it, which would
let a client fill the disk before any limit applies. Here the request body is read
chunk by chunk and fed to python-multipart's low-level parser; file parts are written
under server-generated names in the job's upload folder, and the upload is stopped
as soon as a clip passes the limit.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

#: Form fields that carry clips, and the view each one is.
FILE_FIELDS = ("side", "rear")
#: Text fields the form may send (anything else is ignored).
TEXT_FIELDS = ("runner_name", "height_cm", "speed_kmh", "notes", "time_scale")
MAX_TEXT_BYTES = 8192
MAX_PARTS = 16
#: Extensions kept for stored clips (cosmetic only: the content is what gets checked).
#: Disk space kept free beyond the upload itself.
MIN_FREE_BYTES = 512 * 2**20
VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi", ".3gp"}


class UploadError(Exception):
    """The request is not an acceptable upload (HTTP 400); message is for the user."""

    status_code = 400


class UploadTooLarge(UploadError):
    """A clip is bigger than the configured limit (HTTP 413)."""

    status_code = 413


class UploadNoSpace(UploadError):
    """The server's disk cannot take the upload (HTTP 507)."""

    status_code = 507


@dataclass
class StoredFile:
    view: str
    name: str  # the client's file name, for display only (never used as a path)
    path: Path
    size: int = 0


@dataclass
class UploadForm:
    fields: dict[str, str] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)


def display_name(raw: str) -> str:
    """The client's file name reduced to something safe to show (last component, printable)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:120] or "video"


def storage_name(view: str, client_name: str) -> str:
    """Server-made file name: the view plus a whitelisted extension."""
    ext = os.path.splitext(display_name(client_name))[1].lower()
    return f"{view}{ext if ext in VIDEO_EXTENSIONS else '.video'}"


def _limit_text(max_bytes: int) -> str:
    mb = max_bytes / 2**20
    return f"{mb / 1024:.0f} GB" if mb >= 1024 and mb % 1024 == 0 else f"{mb:.0f} MB"


async def receive_upload(request: Request, dest_dir: Path, max_file_bytes: int) -> UploadForm:
    """Parse a multipart upload, writing clips under ``dest_dir`` as they arrive.

    Raises :class:`UploadTooLarge` as soon as one clip exceeds ``max_file_bytes`` (or at
    once when Content-Length already says so), :class:`UploadError` for a malformed
    request. Partly written files are left for the caller to remove.
    """
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadError("Send the clips as multipart/form-data (fields 'side' and/or 'rear').")
    limit_text = _limit_text(max_file_bytes)
    too_large = f"The clip is larger than the {limit_text} limit; trim it or film a shorter clip."
    slack = MAX_PARTS * (MAX_TEXT_BYTES + 1024)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > len(FILE_FIELDS) * max_file_bytes + slack:
        raise UploadTooLarge(too_large)

    free = shutil.disk_usage(dest_dir).free
    needed = (int(declared) if declared and declared.isdigit() else 0) + MIN_FREE_BYTES
    if free < needed:
        raise UploadNoSpace(f"The server has only {free / 2**30:.1f} GB of disk space left; "
                            "delete old analyses under History or free some space.")

    form = UploadForm()
    state: dict = {"headers": {}, "field": b"", "value": b"", "part": None, "file": None,
                   "text": None, "error": None, "parts": 0}

    def on_part_begin() -> None:
        state.update(headers={}, part=None, file=None, text=None)
        state["parts"] += 1
        if state["parts"] > MAX_PARTS:
            state["error"] = state["error"] or UploadError("Too many form fields.")

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["field"].strip().lower()] = state["value"].strip()
        state["field"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        if state["error"]:
            return
        disposition, opts = parse_options_header(state["headers"].get(b"content-disposition", b""))
        name = opts.get(b"name", b"").decode("utf-8", "replace")
        filename = opts.get(b"filename")
        if filename is not None:
            if name not in FILE_FIELDS:
                state["error"] = UploadError(f"Unexpected file field {name[:40]!r}; use 'side' or 'rear'.")
                return
            if name in form.files:
                state["error"] = UploadError(f"Only one '{name}' clip per analysis.")
                return
            client = filename.decode("utf-8", "replace")
            stored = StoredFile(view=name, name=display_name(client),
                                path=dest_dir / storage_name(name, client))
            form.files[name] = stored
            state["part"] = stored
            state["file"] = open(stored.path, "wb")  # noqa: SIM115 - closed in on_part_end
        elif name in TEXT_FIELDS:
            state["part"] = name
            state["text"] = bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if state["error"]:
            return
        part = state["part"]
        if isinstance(part, StoredFile):
            part.size += end - start
            if part.size > max_file_bytes:
                state["error"] = UploadTooLarge(too_large)
                return
            try:
                state["file"].write(data[start:end])
            except OSError as exc:
                state["error"] = UploadNoSpace(
                    f"The server could not store the upload ({exc.strerror or exc}); "
                    "free some disk space on the server or delete old analyses.")
        elif state["text"] is not None:
            state["text"] += data[start:end]
            if len(state["text"]) > MAX_TEXT_BYTES:
                state["error"] = UploadError(f"The field {part!r} is too long.")

    def on_part_end() -> None:
        if state["file"] is not None:
            state["file"].close()
            state["file"] = None
        if state["text"] is not None and isinstance(state["part"], str):
            form.fields[state["part"]] = state["text"].decode("utf-8", "replace")
            state["text"] = None

    parser = MultipartParser(params[b"boundary"], {
        "on_part_begin": on_part_begin, "on_header_field": on_header_field,
        "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    })
    try:
        async for chunk in request.stream():
            if chunk:
                parser.write(chunk)
            if state["error"]:
                raise state["error"]
        parser.finalize()
    except ClientDisconnect:
        raise UploadError("The upload was interrupted; try again.") from None
    except UploadError:
        raise
    except Exception as exc:  # python-multipart parse errors
        raise UploadError(f"Malformed upload ({type(exc).__name__}).") from None
    finally:
        if state["file"] is not None:
            state["file"].close()
    if state["error"]:
        raise state["error"]
    # A file input left empty in a browser form arrives as an empty part: not a clip.
    for view, stored in list(form.files.items()):
        if stored.size == 0 and stored.name in ("", "video"):
            stored.path.unlink(missing_ok=True)
            del form.files[view]
    return form

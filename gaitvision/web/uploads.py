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

#: Form fields that carry clips, and the view each one is: the person filming knows where
#: the phone stood, so the field says it (a front clip analysed as a rear one would have
#: its left and right exchanged).
FILE_FIELDS = ("side", "rear", "front")
#: Clips per analysis: one, or two views of the same run (the pipeline's limit).
MAX_CLIPS = 2
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


def _preflight(request: Request, dest_dir: Path, max_file_bytes: int) -> tuple[bytes, str]:
    """(boundary, too-large message), or an UploadError before reading any of the body."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or not params.get(b"boundary"):
        raise UploadError("Send the clips as multipart/form-data (fields 'side', 'rear', 'front').")
    too_large = (f"The clip is larger than the {_limit_text(max_file_bytes)} limit; trim it "
                 "or film a shorter clip.")
    slack = MAX_PARTS * (MAX_TEXT_BYTES + 1024)
    declared = request.headers.get("content-length")
    declared_n = int(declared) if declared and declared.isdigit() else 0
    if declared_n > len(FILE_FIELDS) * max_file_bytes + slack:
        raise UploadTooLarge(too_large)
    free = shutil.disk_usage(dest_dir).free
    if free < declared_n + MIN_FREE_BYTES:
        raise UploadNoSpace(f"The server has only {free / 2**30:.1f} GB of disk space left; "
                            "delete old analyses under History or free some space.")
    return params[b"boundary"], too_large


class _FormSink:
    """python-multipart callbacks: clips to disk as they arrive, small text fields kept.

    The first problem is kept in ``error`` (callbacks cannot raise into the parser safely);
    the reading loop raises it.
    """

    def __init__(self, dest_dir: Path, max_file_bytes: int, too_large: str):
        self.dest_dir, self.max_file_bytes, self.too_large = dest_dir, max_file_bytes, too_large
        self.form = UploadForm()
        self.error: UploadError | None = None
        self.parts = 0
        self.headers: dict = {}
        self.field, self.value = b"", b""
        self.part: StoredFile | str | None = None
        self.file = None
        self.text: bytearray | None = None

    def callbacks(self) -> dict:
        return {"on_part_begin": self.on_part_begin, "on_header_field": self.on_header_field,
                "on_header_value": self.on_header_value, "on_header_end": self.on_header_end,
                "on_headers_finished": self.on_headers_finished,
                "on_part_data": self.on_part_data, "on_part_end": self.on_part_end}

    def fail(self, error: UploadError) -> None:
        self.error = self.error or error

    def on_part_begin(self) -> None:
        self.headers, self.part, self.file, self.text = {}, None, None, None
        self.parts += 1
        if self.parts > MAX_PARTS:
            self.fail(UploadError("Too many form fields."))

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.field += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self.field.strip().lower()] = self.value.strip()
        self.field, self.value = b"", b""

    def on_headers_finished(self) -> None:
        if self.error:
            return
        _, opts = parse_options_header(self.headers.get(b"content-disposition", b""))
        name = opts.get(b"name", b"").decode("utf-8", "replace")
        filename = opts.get(b"filename")
        if filename is not None:
            self._begin_file(name, filename.decode("utf-8", "replace"))
        elif name in TEXT_FIELDS:
            self.part, self.text = name, bytearray()

    def _begin_file(self, name: str, client: str) -> None:
        if name not in FILE_FIELDS:
            return self.fail(UploadError(
                f"Unexpected file field {name[:40]!r}; use 'side', 'rear' or 'front'."))
        if name in self.form.files:
            return self.fail(UploadError(f"Only one '{name}' clip per analysis."))
        stored = StoredFile(view=name, name=display_name(client),
                            path=self.dest_dir / storage_name(name, client))
        self.form.files[name] = self.part = stored
        self.file = open(stored.path, "wb")  # noqa: SIM115 - closed in on_part_end
        return None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error:
            return
        if isinstance(self.part, StoredFile):
            self.part.size += end - start
            if self.part.size > self.max_file_bytes:
                return self.fail(UploadTooLarge(self.too_large))
            try:
                self.file.write(data[start:end])
            except OSError as exc:
                self.fail(UploadNoSpace(
                    f"The server could not store the upload ({exc.strerror or exc}); "
                    "free some disk space on the server or delete old analyses."))
        elif self.text is not None:
            self.text += data[start:end]
            if len(self.text) > MAX_TEXT_BYTES:
                self.fail(UploadError(f"The field {self.part!r} is too long."))
        return None

    def on_part_end(self) -> None:
        self.close()
        if self.text is not None and isinstance(self.part, str):
            self.form.fields[self.part] = self.text.decode("utf-8", "replace")
            self.text = None

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None


async def receive_upload(request: Request, dest_dir: Path, max_file_bytes: int) -> UploadForm:
    """Parse a multipart upload, writing clips under ``dest_dir`` as they arrive.

    Raises :class:`UploadTooLarge` as soon as one clip exceeds ``max_file_bytes`` (or at
    once when Content-Length already says so), :class:`UploadError` for a malformed
    request. Partly written files are left for the caller to remove.
    """
    boundary, too_large = _preflight(request, dest_dir, max_file_bytes)
    sink = _FormSink(dest_dir, max_file_bytes, too_large)
    parser = MultipartParser(boundary, sink.callbacks())
    try:
        async for chunk in request.stream():
            if chunk:
                parser.write(chunk)
            if sink.error:
                raise sink.error
        parser.finalize()
    except ClientDisconnect:
        raise UploadError("The upload was interrupted; try again.") from None
    except UploadError:
        raise
    except Exception as exc:  # python-multipart parse errors
        raise UploadError(f"Malformed upload ({type(exc).__name__}).") from None
    finally:
        sink.close()
    if sink.error:
        raise sink.error
    form = sink.form
    # A file input left empty in a browser form arrives as an empty part: not a clip.
    for view, stored in list(form.files.items()):
        if stored.size == 0 and stored.name in ("", "video"):
            stored.path.unlink(missing_ok=True)
            del form.files[view]
    return form

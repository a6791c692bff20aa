"""Where clips and result folders live when analyses run on other machines.

A distributed job crosses machines twice: the web app (or ``gaitvision batch``) puts
the clips somewhere a worker can read them, and the worker puts the finished result
folder somewhere the web app can read it. :class:`Storage` is that place; two
implementations:

- :class:`LocalStorage` (``file:///path``): a folder every machine mounts (the web
  app's data folder on NFS, or just the local disk when the workers run on the same
  machine). Uploads need no copy.
- :class:`S3Storage` (``s3://bucket/prefix``, boto3): an S3-compatible object store
  (AWS S3, MinIO, Ceph...). The endpoint comes from ``?endpoint=URL`` or the usual
  ``AWS_ENDPOINT_URL``; credentials from boto3's usual chain (environment, files).

Layout under the root (every name is made by the web app or the batch command, never
taken from a worker)::

    jobs/<job id>/uploads/<file>                      the clips
    jobs/<job id>/runs/<run id>/result/...            one run's result folder
    jobs/<job id>/runs/<run id>/COMPLETE.json         written last: the file list

A result counts only once ``COMPLETE.json`` exists, so a worker that dies while
uploading leaves nothing that looks finished. The reader (:meth:`Storage.get_result`)
checks every name in that list (relative, no ``..``, no absolute path, sizes match)
and copies into a folder *it* chose, then renames it into place.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path, PurePosixPath
from urllib.parse import parse_qs, urlparse

from gaitvision.errors import GaitVisionError

COMPLETE = "COMPLETE.json"
_ID_RE = re.compile(r"^[0-9a-f]{8,64}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


class StorageError(GaitVisionError):
    """A result or clip is missing from storage, or does not pass the checks."""


def _check_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not _ID_RE.match(value):
        raise StorageError(f"invalid {what} {value!r}")
    return value


def _check_name(value: str) -> str:
    if not isinstance(value, str) or not _NAME_RE.match(value):
        raise StorageError(f"invalid clip file name {value!r}")
    return value


def safe_relpath(name: str) -> PurePosixPath:
    """A result-relative path from a file list, refused unless it stays inside the folder."""
    path = PurePosixPath(str(name))
    if (not str(name) or path.is_absolute() or "\\" in str(name)
            or any(part in ("", ".", "..") for part in path.parts)):
        raise StorageError(f"result file list names an unsafe path {name!r}")
    return path


def list_files(folder: Path) -> list[dict]:
    """Every regular file under ``folder`` (relative posix path and size); links refused."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_symlink():
            raise StorageError(f"result folder holds a symbolic link ({path.name})")
        if path.is_file():
            out.append({"path": path.relative_to(folder).as_posix(), "size": path.stat().st_size})
    return out


class Storage(ABC):
    """Clips in, result folders out; see the module docstring for the layout."""

    url: str

    @abstractmethod
    def put_clip(self, job_id: str, name: str, source: Path) -> None:
        """Make ``source`` readable to workers as the job's clip ``name``."""

    @abstractmethod
    def get_clip(self, job_id: str, name: str, dest: Path) -> Path:
        """Copy (or link) the job's clip ``name`` to ``dest``; returns ``dest``."""

    @abstractmethod
    def _put_file(self, key: str, source: Path) -> None: ...

    @abstractmethod
    def _get_file(self, key: str, dest: Path) -> None: ...

    @abstractmethod
    def _read_text(self, key: str) -> str | None: ...

    @abstractmethod
    def _write_text(self, key: str, text: str) -> None: ...

    @abstractmethod
    def delete_job(self, job_id: str) -> None:
        """Remove everything stored for the job (clips and runs)."""

    # -- results: the same for every backend -----------------------------------------
    @staticmethod
    def _run_key(job_id: str, run_id: str) -> str:
        return f"jobs/{_check_id(job_id, 'job id')}/runs/{_check_id(run_id, 'run id')}"

    def put_result(self, job_id: str, run_id: str, folder: Path) -> None:
        """Upload a finished result folder; ``COMPLETE.json`` goes last."""
        files = list_files(Path(folder))
        base = self._run_key(job_id, run_id)
        for item in files:
            self._put_file(f"{base}/result/{item['path']}", Path(folder) / item["path"])
        self._write_text(f"{base}/{COMPLETE}", json.dumps({"files": files}))

    def has_result(self, job_id: str, run_id: str) -> bool:
        return self._read_text(f"{self._run_key(job_id, run_id)}/{COMPLETE}") is not None

    def get_result(self, job_id: str, run_id: str, dest: Path) -> Path:
        """Download the run's result folder to ``dest`` (which must not exist yet).

        The file list is checked before anything is copied; the copy goes to a temp
        folder beside ``dest`` and is renamed into place only when complete.
        """
        base = self._run_key(job_id, run_id)
        text = self._read_text(f"{base}/{COMPLETE}")
        if text is None:
            raise StorageError(f"no finished result for job {job_id} run {run_id}")
        try:
            files = json.loads(text)["files"]
            checked = [(safe_relpath(f["path"]), int(f["size"])) for f in files]
        except (ValueError, KeyError, TypeError) as exc:
            raise StorageError(f"unreadable result file list ({exc})") from None
        if PurePosixPath("manifest.json") not in {p for p, _ in checked}:
            raise StorageError("the result has no manifest.json")
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.download-", dir=dest.parent))
        try:
            for rel, size in checked:
                target = tmp.joinpath(*rel.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                self._get_file(f"{base}/result/{rel.as_posix()}", target)
                if target.is_symlink() or target.stat().st_size != size:
                    raise StorageError(f"result file {rel} does not match its listed size")
            os.replace(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return dest

    @abstractmethod
    def delete_run(self, job_id: str, run_id: str) -> None:
        """Forget one run's uploaded result (after the web app copied it)."""


class LocalStorage(Storage):
    """A folder on a disk every machine mounts at some path (NFS, or the local disk)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).expanduser().resolve()
        self.url = self.root.as_uri()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root not in path.parents:
            raise StorageError(f"storage key {key!r} leaves the storage folder")
        return path

    def _clip_key(self, job_id: str, name: str) -> str:
        return f"jobs/{_check_id(job_id, 'job id')}/uploads/{_check_name(name)}"

    def put_clip(self, job_id: str, name: str, source: Path) -> None:
        target = self._path(self._clip_key(job_id, name))
        if target.exists() and target.samefile(source):
            return  # the web app's data folder is the storage: nothing to copy
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, target)  # same disk: no copy
        except OSError:
            self._put_file(self._clip_key(job_id, name), Path(source))

    def get_clip(self, job_id: str, name: str, dest: Path) -> Path:
        source = self._path(self._clip_key(job_id, name))
        if not source.is_file():
            raise StorageError(f"clip {name} of job {job_id} is not in storage")
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(source, dest)  # same disk: no copy
        except OSError:
            shutil.copyfile(source, dest)
        return dest

    def _put_file(self, key: str, source: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.part")
        shutil.copyfile(source, tmp)
        os.replace(tmp, target)

    def _get_file(self, key: str, dest: Path) -> None:
        source = self._path(key)
        if source.is_symlink() or not source.is_file():
            raise StorageError(f"result file {Path(key).name} is missing from storage")
        shutil.copyfile(source, dest)

    def _read_text(self, key: str) -> str | None:
        path = self._path(key)
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def _write_text(self, key: str, text: str) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)

    def delete_run(self, job_id: str, run_id: str) -> None:
        run = self._path(self._run_key(job_id, run_id))
        shutil.rmtree(run, ignore_errors=True)
        try:
            run.parent.rmdir()  # "runs/" when it held only this run
        except OSError:
            pass

    def delete_job(self, job_id: str) -> None:
        shutil.rmtree(self._path(f"jobs/{_check_id(job_id, 'job id')}"), ignore_errors=True)


class S3Storage(Storage):
    """An S3-compatible bucket (boto3), under an optional key prefix."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 client=None):
        if client is None:
            try:
                import boto3
            except ImportError:
                raise GaitVisionError("S3 storage needs boto3: pip install 'gaitvision[distributed]'.") \
                    from None
            client = boto3.client("s3", endpoint_url=endpoint_url or os.environ.get("AWS_ENDPOINT_URL"))
        self.client, self.bucket = client, bucket
        self.prefix = prefix.strip("/")
        query = f"?endpoint={endpoint_url}" if endpoint_url else ""
        self.url = f"s3://{bucket}/{self.prefix}{query}"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _clip_key(self, job_id: str, name: str) -> str:
        return f"jobs/{_check_id(job_id, 'job id')}/uploads/{_check_name(name)}"

    def put_clip(self, job_id: str, name: str, source: Path) -> None:
        self._put_file(self._clip_key(job_id, name), Path(source))

    def get_clip(self, job_id: str, name: str, dest: Path) -> Path:
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        self._get_file(self._clip_key(job_id, name), dest)
        return dest

    def _put_file(self, key: str, source: Path) -> None:
        self.client.upload_file(str(source), self.bucket, self._key(key))

    def _get_file(self, key: str, dest: Path) -> None:
        try:
            self.client.download_file(self.bucket, self._key(key), str(dest))
        except Exception as exc:  # botocore's ClientError: missing key, no access
            raise StorageError(f"could not download {PurePosixPath(key).name} from storage "
                               f"({type(exc).__name__})") from None

    def _read_text(self, key: str) -> str | None:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
        except self.client.exceptions.NoSuchKey:
            return None
        return body.read().decode("utf-8")

    def _write_text(self, key: str, text: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=text.encode("utf-8"))

    def _delete_prefix(self, key: str) -> None:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(key) + "/"):
            objects = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if objects:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": objects})

    def delete_run(self, job_id: str, run_id: str) -> None:
        self._delete_prefix(self._run_key(job_id, run_id))

    def delete_job(self, job_id: str) -> None:
        self._delete_prefix(f"jobs/{_check_id(job_id, 'job id')}")


def open_storage(url: str | os.PathLike) -> Storage:
    """A :class:`Storage` from ``file:///path``, a plain path, or ``s3://bucket/prefix``.

    ``s3://bucket/prefix?endpoint=http://host:9000`` points at an S3-compatible server.
    """
    text = str(url)
    parsed = urlparse(text)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise GaitVisionError(f"storage URL {text!r} names no bucket: use s3://BUCKET/PREFIX.")
        endpoint = (parse_qs(parsed.query).get("endpoint") or [None])[0]
        return S3Storage(parsed.netloc, parsed.path, endpoint_url=endpoint)
    if parsed.scheme == "file":
        return LocalStorage(parsed.path)
    if parsed.scheme in ("", None) or len(parsed.scheme) == 1:  # a path (or C:\...)
        return LocalStorage(text)
    raise GaitVisionError(f"storage URL {text!r}: use a folder path, file:///PATH or s3://BUCKET/PREFIX.")

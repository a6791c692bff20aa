"""Storage for distributed jobs: a shared folder and an S3-compatible bucket (moto, in process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gaitvision.storage import LocalStorage, S3Storage, StorageError, open_storage

JOB, RUN = "ab" * 16, "cd" * 8


def _result(folder: Path) -> Path:
    (folder / "side" / "charts").mkdir(parents=True)
    (folder / "manifest.json").write_text('{"views": ["side"]}')
    (folder / "side" / "metrics.json").write_text('{"summary": {}}')
    (folder / "side" / "charts" / "knee.png").write_bytes(b"\x89PNG" + bytes(range(256)))
    return folder


@pytest.fixture
def s3():
    moto = pytest.importorskip("moto")
    boto3 = pytest.importorskip("boto3")
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="test",
                              aws_secret_access_key="test")
        client.create_bucket(Bucket="clips")
        yield S3Storage("clips", "gv", client=client)


@pytest.fixture(params=["local", "s3"])
def storage(request, tmp_path):
    if request.param == "local":
        return LocalStorage(tmp_path / "store")
    return request.getfixturevalue("s3")


def test_clip_and_result_round_trip(storage, tmp_path):
    clip = tmp_path / "side.mp4"
    clip.write_bytes(b"video bytes")
    storage.put_clip(JOB, "side.mp4", clip)
    got = storage.get_clip(JOB, "side.mp4", tmp_path / "worker" / "uploads" / "side.mp4")
    assert got.read_bytes() == b"video bytes"

    assert not storage.has_result(JOB, RUN)
    storage.put_result(JOB, RUN, _result(tmp_path / "made"))
    assert storage.has_result(JOB, RUN)
    dest = storage.get_result(JOB, RUN, tmp_path / "web" / "result")
    for rel in ("manifest.json", "side/metrics.json", "side/charts/knee.png"):
        assert (dest / rel).read_bytes() == (tmp_path / "made" / rel).read_bytes()
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(".")]  # no temp left

    storage.delete_job(JOB)
    assert not storage.has_result(JOB, RUN)


def test_a_result_without_its_file_list_is_not_finished(storage, tmp_path):
    made = _result(tmp_path / "made")
    for item in [{"path": "manifest.json"}]:
        storage._put_file(f"jobs/{JOB}/runs/{RUN}/result/{item['path']}", made / item["path"])
    with pytest.raises(StorageError, match="no finished result"):
        storage.get_result(JOB, RUN, tmp_path / "web" / "result")
    assert not (tmp_path / "web" / "result").exists()


@pytest.mark.parametrize("bad", ["../../etc/passwd", "/etc/passwd", "side/../../x", "a\\..\\b", ""])
def test_the_web_app_never_follows_a_path_from_a_worker(storage, tmp_path, bad):
    storage.put_result(JOB, RUN, _result(tmp_path / "made"))
    listing = {"files": [{"path": "manifest.json", "size": 19}, {"path": bad, "size": 1}]}
    storage._write_text(f"jobs/{JOB}/runs/{RUN}/COMPLETE.json", json.dumps(listing))
    with pytest.raises(StorageError, match="unsafe path"):
        storage.get_result(JOB, RUN, tmp_path / "web" / "result")
    assert not (tmp_path / "web" / "result").exists()


def test_size_mismatch_and_bad_ids_are_refused(storage, tmp_path):
    storage.put_result(JOB, RUN, _result(tmp_path / "made"))
    listing = {"files": [{"path": "manifest.json", "size": 5}]}
    storage._write_text(f"jobs/{JOB}/runs/{RUN}/COMPLETE.json", json.dumps(listing))
    with pytest.raises(StorageError, match="size"):
        storage.get_result(JOB, RUN, tmp_path / "web" / "result")
    with pytest.raises(StorageError, match="job id"):
        storage.get_result("../x", RUN, tmp_path / "web" / "result")
    with pytest.raises(StorageError, match="clip file name"):
        storage.put_clip(JOB, "../side.mp4", tmp_path / "made" / "manifest.json")


def test_symlinks_in_a_result_folder_are_refused(tmp_path):
    made = _result(tmp_path / "made")
    (made / "side" / "link").symlink_to("/etc/hostname")
    with pytest.raises(StorageError, match="symbolic link"):
        LocalStorage(tmp_path / "store").put_result(JOB, RUN, made)


def test_open_storage_urls(tmp_path):
    assert isinstance(open_storage(tmp_path), LocalStorage)
    assert open_storage(f"file://{tmp_path}").root == tmp_path.resolve()
    with pytest.raises(Exception, match="bucket|storage URL"):
        open_storage("s3:///nobucket")
    with pytest.raises(Exception, match="storage URL"):
        open_storage("ftp://host/x")

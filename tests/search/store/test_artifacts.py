"""Artifacts in an S3 bucket (`LSTM_SEARCH_ARTIFACTS=s3://BUCKET/PREFIX`): a real search, its
worker processes and `export` against an S3-compatible server over HTTP (moto's standalone
server, the nearest to MinIO that PyPI offers), and the refusals."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import optuna
import pytest

from search.cli.main import main
from search.store.artifacts import ARTIFACTS_ENV
from tests.helpers import free_port, skip_or_fail
from tests.search.cli.test_dashboard import dashboard_on
from tests.search.conftest import SEARCHED

BUCKET = "models"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """An S3-compatible server on a free local port; its endpoint URL."""
    server = shutil.which("moto_server", path=os.path.dirname(sys.executable))
    if server is None:
        skip_or_fail("moto_server not found; pip install -e '.[test]'")
    port = free_port()
    process = subprocess.Popen(
        [server, "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the S3 server did not start"
                time.sleep(0.2)
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def s3(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A boto3 client on the server, with bucket `models` empty; the environment points boto3
    (ours and the worker processes') at the server."""
    import boto3

    for name, value in {
        "AWS_ENDPOINT_URL": s3_server,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET)
    yield client
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)


def keys(client: Any) -> list[str]:
    listed = client.list_objects_v2(Bucket=BUCKET)
    return sorted(item["Key"] for item in listed.get("Contents", []))


def test_a_search_keeps_its_models_in_the_bucket_and_export_reads_them(
    s3: Any, series_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ARTIFACTS_ENV, f"s3://{BUCKET}/team-a/")
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    argv = list(SEARCHED)
    argv[argv.index("--workers") + 1] = "2"  # two worker processes, each uploading its own models
    assert main(["--data", str(series_csv), "--storage", url, *argv]) == 0
    stored = keys(s3)
    study = optuna.load_study(study_name="load-random", storage=url)
    kept = [t.user_attrs["checkpoint"] for t in study.trials if "checkpoint" in t.user_attrs]
    assert kept and {f"team-a/{artifact}" for artifact in kept} <= set(stored)
    assert all(key.startswith("team-a/") for key in stored)
    assert not (tmp_path / "studies-artifacts").exists()  # nothing went to a local directory

    out = tmp_path / "model.pt"
    assert main(["export", "load-random", "--storage", url, "--out", str(out)]) == 0
    assert out.stat().st_size > 0

    # optuna-dashboard serves a trial's model from the bucket.
    trial = next(t for t in study.trials if "checkpoint" in t.user_attrs)
    artifact = trial.user_attrs["checkpoint"]
    stored_bytes = s3.get_object(Bucket=BUCKET, Key=f"team-a/{artifact}")["Body"].read()
    with dashboard_on(url, tmp_path, dict(os.environ)) as (base, _):
        path = f"{base}/artifacts/{study._study_id}/{trial._trial_id}/{artifact}"
        with urllib.request.urlopen(path, timeout=10) as response:
            assert response.read() == stored_bytes


def test_a_missing_model_names_the_bucket(
    s3: Any,
    series_csv: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(ARTIFACTS_ENV, f"s3://{BUCKET}")
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    assert main(["--data", str(series_csv), "--storage", url, *SEARCHED]) == 0
    for key in keys(s3):
        s3.delete_object(Bucket=BUCKET, Key=key)
    capsys.readouterr()
    assert main(["export", "load-random", "--storage", url, "--out", str(tmp_path / "m.pt")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert f"missing from s3://{BUCKET}" in err and ARTIFACTS_ENV in err


@pytest.mark.parametrize(
    ("location", "says"),
    [("s3://no-such-bucket/x", "cannot be reached"), ("s3:///prefix", "names no bucket")],
)
def test_an_unusable_bucket_is_refused_before_the_storage_is_touched(
    s3: Any,
    series_csv: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    location: str,
    says: str,
) -> None:
    monkeypatch.setenv(ARTIFACTS_ENV, location)
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    assert main(["--data", str(series_csv), "--storage", url, *SEARCHED]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and says in err and ARTIFACTS_ENV in err
    assert optuna.get_all_study_names(url) == []

"""Where a study's files live: an Optuna artifact store, a directory or an S3 bucket.

`studies.db` keeps its artifacts in `studies-artifacts/` next to it, so optuna-dashboard shows
them with `--artifact-dir`. A server database has no file beside it: its artifacts go to
`$LSTM_SEARCH_ARTIFACTS`, else `lstm-search-artifacts/` in the working directory. Workers on
several machines need one place they all reach: a shared directory, or
`LSTM_SEARCH_ARTIFACTS=s3://BUCKET/PREFIX` for Optuna's S3 artifact store (any S3-compatible
service: boto3 takes its endpoint and credentials from the usual AWS variables and files).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import BinaryIO

import optuna
from optuna.artifacts import FileSystemArtifactStore, upload_artifact
from optuna.artifacts.exceptions import ArtifactNotFound
from optuna.trial import FrozenTrial

from search.errors import ConfigError
from search.store import schema
from search.store.backends import backend

ARTIFACTS_ENV = "LSTM_SEARCH_ARTIFACTS"
S3_SCHEME = "s3://"


class PrefixedStore:
    """An artifact store whose ids live under a key prefix (Optuna's S3 store writes at the
    bucket's root)."""

    def __init__(self, store: optuna.artifacts.Boto3ArtifactStore, prefix: str) -> None:
        self._store = store
        self._prefix = prefix

    def open_reader(self, artifact_id: str) -> BinaryIO:
        """The artifact's bytes as a file object."""
        return self._store.open_reader(self._prefix + artifact_id)

    def write(self, artifact_id: str, content_body: BinaryIO) -> None:
        """Store the artifact."""
        self._store.write(self._prefix + artifact_id, content_body)

    def remove(self, artifact_id: str) -> None:
        """Delete the artifact."""
        self._store.remove(self._prefix + artifact_id)


ArtifactStore = FileSystemArtifactStore | PrefixedStore


def artifact_location(url: str) -> str:
    """Where the storage at `url` keeps its artifacts: a directory, or s3://BUCKET/PREFIX."""
    configured = os.environ.get(ARTIFACTS_ENV)
    return configured if configured else str(backend(url).artifact_dir(url))


def artifact_store(url: str, create: bool = True) -> ArtifactStore:
    """The storage's artifact store: a directory (created on first use unless `create` is
    False), or a bucket that is checked to be reachable."""
    location = artifact_location(url)
    if location.startswith(S3_SCHEME):
        return _s3_store(location)
    if create:
        Path(location).mkdir(parents=True, exist_ok=True)
    return FileSystemArtifactStore(location)


def _s3_store(location: str) -> PrefixedStore:
    bucket, _, prefix = location.removeprefix(S3_SCHEME).partition("/")
    if not bucket:
        raise ConfigError(
            f"{ARTIFACTS_ENV}={location} names no bucket; set it to s3://BUCKET or "
            "s3://BUCKET/PREFIX"
        )
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        raise ConfigError(
            f"{ARTIFACTS_ENV}={location} needs boto3; install it with "
            "pip install 'lstm-search[s3]' (or pip install boto3)"
        ) from None
    client = boto3.client("s3")
    try:
        client.head_bucket(Bucket=bucket)
    except (BotoCoreError, ClientError) as error:
        raise ConfigError(
            f"the artifact bucket {bucket} cannot be reached ({error}); create it, or check "
            "AWS_ENDPOINT_URL and the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "
            f"~/.aws), or point {ARTIFACTS_ENV} elsewhere"
        ) from None
    key_prefix = f"{prefix.rstrip('/')}/" if prefix.strip("/") else ""
    return PrefixedStore(optuna.artifacts.Boto3ArtifactStore(bucket, client), key_prefix)


def save_file(
    store: ArtifactStore,
    owner: optuna.Trial | optuna.Study,
    payload: bytes,
    filename: str,
) -> str:
    """Upload `payload` as the trial's or study's artifact named `filename`; returns its id."""
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / filename
        path.write_bytes(payload)
        return upload_artifact(
            artifact_store=store,
            file_path=str(path),
            study_or_trial=owner,
            mimetype="application/octet-stream",
        )


def load_file(url: str, trial: FrozenTrial, attr: str = schema.CHECKPOINT) -> bytes:
    """The bytes of the artifact whose id the trial keeps in user attribute `attr`."""
    artifact_id = trial.user_attrs.get(attr)
    if artifact_id is None:
        raise ConfigError(
            f"trial {trial.number} has no saved {attr}; it ran before models were kept, "
            "so rerun the search in a new study"
        )
    return load_artifact(url, str(artifact_id), f"the {attr} of trial {trial.number}")


def load_artifact(url: str, artifact_id: str, what: str) -> bytes:
    """The bytes of artifact `artifact_id`; `what` names it if it is missing."""
    try:
        with artifact_store(url, create=False).open_reader(artifact_id) as reader:
            return reader.read()
    except ArtifactNotFound:
        raise ConfigError(
            f"{what} is missing from {artifact_location(url)}; point {ARTIFACTS_ENV} at the "
            "place that holds it"
        ) from None

"""Where a study's files live: an Optuna file-system artifact store beside the database.

`studies.db` keeps its artifacts in `studies-artifacts/` next to it, so optuna-dashboard shows
them with `--artifact-dir`. A server database has no file beside it: its artifacts go to
`$LSTM_SEARCH_ARTIFACTS`, else `lstm-search-artifacts/` in the working directory (give workers
on several machines a shared directory).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import optuna
from optuna.artifacts import FileSystemArtifactStore, upload_artifact
from optuna.artifacts.exceptions import ArtifactNotFound
from optuna.trial import FrozenTrial

from search.errors import ConfigError
from search.store import schema
from search.store.backends import backend

ARTIFACTS_ENV = "LSTM_SEARCH_ARTIFACTS"


def artifact_dir(url: str) -> Path:
    """The artifact directory that belongs to the storage at `url`."""
    configured = os.environ.get(ARTIFACTS_ENV)
    return Path(configured) if configured else backend(url).artifact_dir(url)


def artifact_store(url: str) -> FileSystemArtifactStore:
    """The storage's artifact store, its directory created on first use."""
    directory = artifact_dir(url)
    directory.mkdir(parents=True, exist_ok=True)
    return FileSystemArtifactStore(str(directory))


def save_file(
    store: FileSystemArtifactStore,
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
    directory = artifact_dir(url)
    try:
        with FileSystemArtifactStore(str(directory)).open_reader(artifact_id) as reader:
            return reader.read()
    except ArtifactNotFound:
        raise ConfigError(
            f"{what} is missing from {directory}; point {ARTIFACTS_ENV} at the directory that "
            "holds it"
        ) from None

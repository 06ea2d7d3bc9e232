"""Every attribute lstm-search stores on studies and trials, by key: the storage's schema.

The storage is the one source of truth, so what it holds is readable here in one place. User
attributes show in optuna-dashboard and `trials_dataframe`; system attributes are bookkeeping.
"""

from __future__ import annotations

# Study user attributes.
# The records stored under these keys, and their fields, are the dataclasses of records.py.
CONFIG = "config"
"""What the study's trials depend on (records.StudyConfig)."""
CONFIG_ADDED = {"folds": 1, "work_budget": None, "min_epochs": 1, "epoch_windows": None}
"""Configuration keys added since studies were first stored, with the value older studies had,
so that an older study resumes when nothing it depends on changed."""
TARGET = "trials_target"
"""The number of finished trials the study should end with."""
VERSIONS = "versions"
"""Versions of the libraries the results depend on."""
SOURCE = "source"
"""Where the data was read from and how (records.Source)."""
REFIT = "refit"
"""The best configuration refit on train + validation (records.RefitRecord)."""
BASELINES = "classical_baselines"
"""Classical baselines' test errors and skips, fitted once: they depend on the data alone
(records.Baselines)."""
TEST_SCORE = "test_score"
"""The best trial's score on the held-out test split beside the baselines (records.TestScore)."""
WARM_START = "warm_start"
"""The earlier study whose best configurations seeded this one, and those configurations
(records.WarmStart); stored before they are queued, so a resume queues only what is missing."""

# Trial user attributes.
FAIL_REASON = "fail_reason"
"""Why the trial failed."""
INTERRUPTED = "interrupted"
"""The fail reason of a trial stopped by Ctrl-C or SIGTERM: not its configuration's fault."""
PROCESS_DIED = "process died"
"""The fail reason of a trial whose process on this host is gone."""
STORAGE_LOST = "lost the storage connection"
"""The fail reason of a trial whose worker could not reach the storage for a while: not its
configuration's fault."""
SUGGEST_SECONDS = "suggest_seconds"
"""Seconds the sampler took to choose the trial's parameters."""
SEED = "seed"
"""The trial's own seed, derived from the study seed and the trial number."""
CHECKPOINT = "checkpoint"
"""Artifact id of the trial's model file (kept while the trial was the best so far)."""
PARAM_COUNT = "param_count"
EPOCHS_RUN = "epochs_run"
BEST_EPOCH = "best_epoch"
SECONDS = "seconds"
"""Training seconds (model built to best weights kept)."""
SAMPLES_PER_SECOND = "samples_per_second"
FOLD_LOSSES = "fold_losses"
"""Each rolling-origin fold's best validation loss (--folds over 1); the value is their mean."""
PRUNED_AT = "pruned_at"
"""Where the pruner stopped the trial: "epoch 3", "epoch 2 of fold 2" or "fold 1"."""
STOPPED_BY = "stopped_by"
"""What ended the training: epochs, patience or time."""
WARM_FROM = "warm_start_from"
"""The number of the earlier study's trial whose configuration this trial runs (--warm-start)."""

# Study system attributes.
NOTE_WRITTEN = "lstm_search:note_sha256"
"""Digest of the dashboard note lstm-search last wrote; a different note was edited by a user."""

# Trial system attributes.
OWNER = "lstm_search:owner"
"""The process running the trial: {host, pid, started}."""
LEASE = "lstm_search:lease"
"""Renewed by the trial's worker while it runs (store/lease.py); a lease that stops changing
marks a lost worker."""
GRID_CELL = "lstm_search:grid_cell"
"""Index of the grid cell the trial runs."""
REQUEUED_FROM = "lstm_search:requeued_from"
"""Number of the lost trial this one runs again; a lost trial is requeued once."""

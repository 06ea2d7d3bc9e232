"""The Optuna storage: URLs and backends, studies, trial slots, artifacts, and the schema of
what is stored."""

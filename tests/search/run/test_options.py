"""SearchOptions travel to worker processes as JSON and come back the same, every field."""

from dataclasses import asdict, fields

from search.run.options import SearchOptions

# Every field away from its default, with the types JSON changes (tuples) and None turned on.
CHANGED = SearchOptions(
    strategy="grid",
    trials=7,
    study="s",
    storage="sqlite:///x.db",
    warm_start="earlier",
    warm_start_storage="sqlite:///earlier.db",
    data="load.csv",
    id_col="id",
    target="load",
    features=("a", "b"),
    time_col="day",
    date_format="%d.%m.%Y",
    horizon=3,
    seq_len=14,
    split=(0.6, 0.2, 0.2),
    epochs=2,
    work_budget=None,
    min_epochs=1,
    epoch_windows=None,
    folds=2,
    patience=1,
    trial_seconds=2.5,
    pruner="none",
    refit=True,
    cost_aware=False,
    space="full",
    arch="bilstm",
    seed=9,
    timeout=60.0,
    device="cpu",
    workers=SearchOptions().workers + 1,
    season=7,
    quiet=True,
)


def test_every_field_survives_the_round_trip_through_json() -> None:
    default = asdict(SearchOptions())
    assert [
        f.name for f in fields(SearchOptions) if getattr(CHANGED, f.name) == default[f.name]
    ] == []
    assert SearchOptions.from_json(CHANGED.to_json()) == CHANGED
    assert SearchOptions.from_json(SearchOptions().to_json()) == SearchOptions()

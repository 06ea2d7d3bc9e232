"""--warm-start: a new study first runs the best configurations of an earlier one, counted in N,
queued once however often it is resumed and whichever worker runs them; a space that cannot run
them is refused before anything is written."""

import shutil
import sqlite3
from pathlib import Path

import optuna
import pytest

from search.cli.main import main
from search.run import SearchOptions, open_search, plan
from search.store import FINISHED, masked, ranked, read_warm_start, schema, warm_trials
from search.strategies.bayes import SkoptGPSampler, observations
from search.strategies.tpe import TrialSeededTPESampler
from tests.search.conftest import write_series_csv

FAST = ["--space", "small", "--epochs", "2", "--patience", "2", "--seq-len", "14", "--quiet"]
EARLIER = "earlier"
SAME = ["--strategy", "random", "--pruner", "none"]
"""With FAST, the options study `earlier` ran with."""


@pytest.fixture(scope="module")
def earlier_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A CSV and a SQLite file holding study `earlier`: 6 random trials, all complete."""
    folder = tmp_path_factory.mktemp("earlier")
    csv = write_series_csv(folder / "load.csv")
    url = f"sqlite:///{folder / 'studies.db'}"
    command = ["--data", str(csv), "--storage", url, *FAST, "--workers", "1", *SAME]
    assert main([*command, "--trials", "6", "--study", EARLIER]) == 0
    return csv, folder / "studies.db"


def copied(db: Path, folder: Path) -> str:
    """The URL of a copy of SQLite file `db` in `folder`, with its write-ahead log."""
    for part in db.parent.glob(db.name + "*"):
        if part.is_file():
            shutil.copy(part, folder / part.name)
    return f"sqlite:///{folder / db.name}"


def dump(url: str) -> str:
    """Everything the SQLite storage at `url` holds, its write-ahead log included."""
    with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
        return "\n".join(connection.iterdump())


@pytest.fixture
def storage(earlier_db: tuple[Path, Path], tmp_path: Path) -> str:
    """A writable copy of the storage holding study `earlier`."""
    return copied(earlier_db[1], tmp_path)


def run(csv: Path, url: str, *extra: str) -> int:
    return main(["--data", str(csv), "--storage", url, *FAST, *extra])


def best_configurations(url: str, count: int) -> list[dict[str, object]]:
    """The `count` best distinct configurations of study `earlier` in `url`, best first."""
    points: list[dict[str, object]] = []
    for trial in ranked(optuna.load_study(study_name=EARLIER, storage=url).trials):
        if trial.params not in points:
            points.append(trial.params)
    return points[:count]


def warm(study: optuna.Study) -> list[optuna.trial.FrozenTrial]:
    return [t for t in study.trials if schema.WARM_FROM in t.user_attrs]


@pytest.fixture(scope="module")
def warmed(earlier_db: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> str:
    """The storage after a bayes search of 10 trials warm-started from `earlier`."""
    url = copied(earlier_db[1], tmp_path_factory.mktemp("warmed"))
    extra = ["--strategy", "bayes", "--trials", "10", "--workers", "1", "--warm-start", EARLIER]
    assert run(earlier_db[0], url, *extra) == 0
    return url


def test_the_first_trials_run_the_earlier_best_configurations_and_count_in_n(warmed: str) -> None:
    study = optuna.load_study(study_name="load-bayes", storage=warmed)
    count = warm_trials(10)
    assert count == 2
    expected = best_configurations(warmed, count)
    assert [t.params for t in study.trials[:count]] == expected
    assert [t.number for t in warm(study)] == list(range(count))
    assert sum(t.state in FINISHED for t in study.trials) == 10
    record = read_warm_start(study.user_attrs)
    assert record is not None and record.to_json() == study.user_attrs[schema.WARM_START]
    assert record.study == EARLIER and list(record.points) == expected


def test_the_strategies_take_the_queued_trials_as_observations_like_any_other(warmed: str) -> None:
    study = optuna.load_study(study_name="load-bayes", storage=warmed)
    finished = [t for t in study.trials if t.state in FINISHED]
    names = set(finished[0].params)
    for sampler in (SkoptGPSampler(), TrialSeededTPESampler()):
        # The queued trials carry this space's distributions: the joint space the GP and TPE
        # model stays whole.
        assert set(sampler.infer_relative_search_space(study, finished[-1])) == names
    space = SkoptGPSampler().infer_relative_search_space(study, finished[-1])
    xs, _ = observations(warm(study), space)
    assert len(xs) == len(warm(study))


def test_a_study_stopped_after_the_queue_and_resumed_queues_nothing_again(
    earlier_db: tuple[Path, Path], storage: str
) -> None:
    csv = earlier_db[0]
    extra = ["--strategy", "tpe", "--workers", "1", "--warm-start", EARLIER]
    options = SearchOptions(
        data=str(csv),
        storage=storage,
        space="small",
        epochs=2,
        patience=2,
        seq_len=14,
        strategy="tpe",
        trials=5,
        workers=1,
        warm_start=EARLIER,
    )
    open_search(plan(options))  # the queue is written, and the process stops before any trial
    assert run(csv, storage, *extra, "--trials", "5") == 0
    assert run(csv, storage, *extra, "--trials", "6") == 0
    study = optuna.load_study(study_name="load-tpe", storage=storage)
    assert [t.params for t in warm(study)] == best_configurations(storage, warm_trials(5))
    assert sum(t.state in FINISHED for t in study.trials) == 6


def test_the_earlier_study_may_be_in_another_storage(
    earlier_db: tuple[Path, Path], storage: str, tmp_path: Path
) -> None:
    other = storage
    url = f"sqlite:///{tmp_path / 'new.db'}"
    extra = ["--strategy", "random", "--trials", "5", "--workers", "1", "--warm-start", EARLIER]
    assert run(earlier_db[0], url, *extra, "--warm-start-storage", other) == 0
    study = optuna.load_study(study_name="load-random", storage=url)
    assert study.trials[0].params == best_configurations(other, 1)[0]
    assert study.user_attrs[schema.WARM_START]["storage"] == masked(other)


NARROW = """
[hidden_size]
low = 33
high = 64

[learning_rate]
low = 1e-3
high = 3e-2
log = true
"""


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--space", "{narrow}"], "hidden_size="),
        (["--seq-len", "12"], "has seq_len=14, but this study fixes seq_len at 12"),
        (["--warm-start", "nope"], "no study 'nope' in sqlite:///"),
        (["--strategy", "grid"], "--strategy grid runs each of its points once"),
        (["--study", EARLIER, *SAME], "names the study this command runs"),
        (["--warm-start", "empty"], "has no complete trial"),
        (["--warm-start", "plain"], "was not made by lstm-search"),
        (["--study", EARLIER, *SAME, "--warm-start", "empty"], "already has"),
    ],
)
def test_what_cannot_be_warm_started_is_refused_in_one_line_and_writes_nothing(
    earlier_db: tuple[Path, Path],
    storage: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    expected: str,
) -> None:
    earlier = optuna.load_study(study_name=EARLIER, storage=storage)
    # A study of lstm-search with no trial, and one a plain Optuna client made.
    optuna.create_study(study_name="empty", storage=storage).set_user_attr(
        schema.CONFIG, earlier.user_attrs[schema.CONFIG]
    )
    optuna.create_study(study_name="plain", storage=storage).optimize(lambda t: 1.0, n_trials=1)
    (tmp_path / "narrow.toml").write_text(NARROW)
    before = dump(storage)
    command = ["--workers", "1", "--warm-start", EARLIER]
    command += [arg.format(narrow=tmp_path / "narrow.toml") for arg in extra]
    capsys.readouterr()
    assert run(earlier_db[0], storage, *command) == 2
    err = capsys.readouterr().err.strip()
    assert expected in err and "\n" not in err, err
    assert dump(storage) == before


def test_warm_start_storage_alone_is_refused(
    earlier_db: tuple[Path, Path], storage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(earlier_db[0], storage, "--workers", "1", "--warm-start-storage", storage) == 2
    assert "got no --warm-start" in capsys.readouterr().err


@pytest.mark.slow
def test_with_two_workers_each_queued_configuration_runs_once(
    earlier_db: tuple[Path, Path], storage: str
) -> None:
    extra = ["--strategy", "random", "--trials", "10", "--workers", "2", "--warm-start", EARLIER]
    assert run(earlier_db[0], storage, *extra) == 0
    study = optuna.load_study(study_name="load-random", storage=storage)
    queued = warm(study)
    assert [t.params for t in queued] == best_configurations(storage, warm_trials(10))
    assert all(t.state in FINISHED for t in queued)  # complete, or pruned like any trial
    assert sum(t.state in FINISHED for t in study.trials) == 10

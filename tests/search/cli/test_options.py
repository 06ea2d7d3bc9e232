"""The search parser is built from SearchOptions' fields: each option as its field declares it."""

import shlex

import pytest

from search.cli.options import search_options, search_parser
from tests.search.run.test_options import CHANGED

# CHANGED (tests/search/run/test_options.py) as a command line.
COMMAND = (
    "--strategy grid --trials 7 --study s --storage sqlite:///x.db --warm-start earlier "
    "--warm-start-storage sqlite:///earlier.db --data load.csv --id-col id "
    "--target load --features a,b --time-col day --date-format %d.%m.%Y --horizon 3 "
    "--seq-len 14 --split 0.6,0.2,0.2 --epochs 2 --work-budget 0 --min-epochs 1 "
    "--epoch-windows 0 --folds 2 --patience 1 --trial-seconds 2.5 --pruner none --refit "
    f"--no-cost-aware --space full --arch bilstm --seed 9 --timeout 60 --device cpu --workers "
    f"{CHANGED.workers} --season 7 --quiet --debug"
)


def test_a_command_line_maps_onto_every_field() -> None:
    args = search_parser("lstm-search", "").parse_args(shlex.split(COMMAND))
    assert search_options(args) == CHANGED
    assert args.debug is True


@pytest.mark.parametrize(
    ("option", "value"),
    [("--strategy", "anneal"), ("--pruner", "sha"), ("--arch", "gru"), ("--device", "tpu")],
)
def test_choices_come_from_the_registries(
    option: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        search_parser("lstm-search", "").parse_args([option, value])
    assert exited.value.code == 2
    assert f"invalid choice: '{value}'" in capsys.readouterr().err


def test_compare_leaves_out_strategy_and_takes_its_default(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parser = search_parser("lstm-search compare", "", with_strategy=False, study_help="prefix")
    assert search_options(parser.parse_args([])).strategy == "bayes"
    with pytest.raises(SystemExit):
        parser.parse_args(["--strategy", "grid"])
    assert "unrecognized arguments: --strategy grid" in capsys.readouterr().err
    parser.print_help()
    assert "prefix" in capsys.readouterr().out

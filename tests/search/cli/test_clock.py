"""The command's clock: "elapsed" is its wall time, printed last, and the end of the run (the
classical baselines, the refit, the scoring) is announced as it happens."""

import re
import time
from pathlib import Path

import pytest

from search.cli.main import main
from tests.search.cli.test_main import FAST

STAGES = ("fitting classical baselines", "refitting trial ", "scoring trial ")


def test_elapsed_is_the_commands_wall_time_and_the_end_of_the_run_is_announced(
    series_csv: Path, storage_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    loud = [option for option in FAST if option != "--quiet"]
    started = time.monotonic()
    code = main(
        ["--data", str(series_csv), "--storage", storage_url, *loud, "--trials", "2", "--refit"]
    )
    measured = time.monotonic() - started
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    clock = [re.fullmatch(r"elapsed (\d+) min (\d+) s", line) for line in lines]
    printed = [60 * int(m[1]) + int(m[2]) for m in clock if m is not None]
    # Whole seconds, rounded: the planning, the refit and the scoring are all counted.
    assert len(printed) == 1 and measured - 1 <= printed[0] <= measured + 1, (printed, measured)
    assert clock[-1] is not None, lines[-3:]  # printed last, after everything it counts
    announced = [next(i for i, line in enumerate(lines) if line.startswith(s)) for s in STAGES]
    assert announced == sorted(announced), lines


def test_quiet_announces_only_the_refit(
    series_csv: Path, storage_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            ["--data", str(series_csv), "--storage", storage_url, *FAST, "--trials", "2", "--refit"]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "refitting trial " in out
    assert not any(stage in out for stage in STAGES[::2]), out

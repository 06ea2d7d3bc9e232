"""docs/options.md is what `python -m search.cli.docs` makes now, on any machine."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from search.cli.docs import REGENERATE, options_page
from search.cli.main import main

ROOT = Path(__file__).resolve().parents[3]
PAGE = ROOT / "docs" / "options.md"


def test_the_options_page_is_up_to_date() -> None:
    assert PAGE.read_text() == options_page(), (
        f"docs/options.md is out of date with the options; regenerate it: {REGENERATE}"
    )


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="no CPU affinity here")
def test_the_command_writes_the_same_page_on_one_core() -> None:
    # The worker count's default is the core count: the page must not show this machine's.
    one_core = min(os.sched_getaffinity(0))
    made = subprocess.run(
        [sys.executable, "-m", "search.cli.docs"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=lambda: os.sched_setaffinity(0, {one_core}),
    )
    assert made.stdout == PAGE.read_text()


def test_every_option_of_the_search_command_has_a_row(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    # argparse indents each option by two spaces, its wrapped help by more.
    flags = re.findall(r"^  (?:-\w, )?(--[\w-]+)", capsys.readouterr().out, re.MULTILINE)
    rows = re.findall(r"^\| `(--[\w-]+)` \|", options_page(), re.MULTILINE)
    assert rows == [flag for flag in flags if flag != "--help"]

"""The figures in the README and docs are their results files, and the transcript is current.

Every marked block (`<!-- benchmarks/results/NAME.txt -->` ... `<!-- end -->`) must equal the
file it names, as `python benchmarks/publish.py` makes it. The default job's transcript must have
the shape of what the search prints today: a tiny real search is run and both outputs are
reduced to line shapes (numbers, names and paths replaced), so a change to what the code prints
fails here until `python benchmarks/default_job.py` and `publish.py` are run again.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from benchmarks.publish import ROOT, blocks, fenced, pages
from tests.search.conftest import write_series_csv

TRANSCRIPT = ROOT / "benchmarks" / "results" / "default_job.txt"
REGENERATE = "python benchmarks/default_job.py && python benchmarks/publish.py"
NUMBER = re.compile(r"(?<![\w.])-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?(e[+-]?\d+)?")
# What differs between the default job and the tiny search but is not a change of what the
# code prints: the data's names and frequency, paths, the best baseline, and the worker count.
RUN_SPECIFIC = (
    (re.compile(r"'[^']*'"), "'S'"),
    (re.compile(r"frequency [\w-]+"), "frequency F"),
    (re.compile(r"(?<!\S)/\S+"), "PATH"),
    (re.compile(r"best baseline, [^(]+"), "best baseline, B "),
    (re.compile(r" with N workers"), ""),
)


def test_every_marked_block_is_its_results_file() -> None:
    found = 0
    for page in pages():
        for name, content in blocks(page.read_text()):
            found += 1
            assert (ROOT / name).is_file(), f"{page.name} names {name}, which does not exist"
            assert content == fenced(ROOT, name), (
                f"{page.name}'s block of {name} differs from the file; run "
                "python benchmarks/publish.py"
            )
    assert found, "no marked block found: the README shows the default job's transcript"


def test_the_readme_shows_the_default_job() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "<!-- benchmarks/results/default_job.txt -->" in readme


def shapes(output: str, name: str) -> set[str]:
    """The shapes of a search's stdout: a table row is its label and its number of columns."""
    found: set[str] = set()
    in_table = False
    for raw in output.splitlines():
        if not raw.strip() or raw.startswith(("#", "$ ")):
            in_table = False
            continue
        line = NUMBER.sub("N", re.sub(rf"\b{re.escape(name)}\b", "NAME", raw))
        for pattern, placeholder in RUN_SPECIFIC:
            line = pattern.sub(placeholder, line)
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) < 3:
            in_table = False
            found.add(line)
        elif in_table:
            found.add(f"row '{cells[0]}' of {len(cells)} columns")
        else:
            in_table = True
            found.add("  ".join(cells))
    return found


def test_the_transcript_has_the_shape_the_search_prints_now(tmp_path: Path) -> None:
    write_series_csv(tmp_path / "load.csv")
    env = {key: value for key, value in os.environ.items() if key != "LSTM_SEARCH_STORAGE"}
    search = ["--data", "load.csv", "--space", "small", "--epochs", "2", "--trials", "2"]
    # Two workers, as the default job has on 2 cores: the classical baselines are fitted while
    # the trials run (one worker fits them after its trials, and says so).
    search += ["--workers", "2", "--seq-len", "14"]
    printed = ""
    for arguments in (search, ["studies"]):  # as benchmarks/default_job.py runs them
        done = subprocess.run(
            [sys.executable, "-m", "search", *arguments],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        printed += done.stdout
    now = shapes(printed, "load")
    shown = shapes(TRANSCRIPT.read_text(), "co2")
    assert shown - now == set() and now - shown == set(), (
        f"the default job's transcript no longer has the shape the search prints; "
        f"regenerate it: {REGENERATE}\nonly in the transcript: {sorted(shown - now)}\n"
        f"only printed now: {sorted(now - shown)}"
    )

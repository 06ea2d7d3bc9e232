"""The one home of a benchmark's results file: benchmarks/results/<name>.txt with its header.

Every figure in the README and docs comes from such a file, so each starts with the commit, the
date, the machine and the command that wrote it. A script calls `write_result(name, text)` with
its output, or runs its `main()` inside `recorded(name)` to keep what it prints as it goes.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import os
import platform
import shlex
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
HEADER_MARK = "#"


def _git(*args: str) -> str:
    found = subprocess.run(
        ["git", *args], cwd=RESULTS.parent, capture_output=True, text=True, check=False
    )
    return found.stdout.strip()


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "absent"


def header(command: str) -> str:
    """The lines that say which code, when, where and how: commit, date, machine, command."""
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    # A run on edited code is not the commit's run; say so rather than name a commit falsely.
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, torch {_version('torch')}, "
        f"optuna {_version('optuna')}; load average {os.getloadavg()[0]:.1f} at the start"
    )
    return "\n".join(
        [
            f"{HEADER_MARK} commit {commit}, {now}",
            f"{HEADER_MARK} machine: {machine}",
            f"{HEADER_MARK} command: {command}",
        ]
    )


def invocation() -> str:
    """This script's command line as a user would type it from the repository root."""
    script = Path(sys.argv[0]).resolve()
    with contextlib.suppress(ValueError):
        script = script.relative_to(RESULTS.parent.parent)
    return shlex.join(["python", str(script), *sys.argv[1:]])


def write_result(name: str, text: str, head: str | None = None) -> Path:
    """Write `text` under its header to benchmarks/results/<name>.txt and return the path.

    `head` is `header(...)` taken when the run began; by default it is taken now.
    """
    path = RESULTS / f"{name}.txt"
    RESULTS.mkdir(exist_ok=True)
    path.write_text((head or header(invocation())) + "\n" + text.rstrip("\n") + "\n")
    return path


class _Tee(io.TextIOBase):
    """Stdout that is also kept, so a script prints as it goes and its file gets every line."""

    def __init__(self, stream: io.TextIOBase) -> None:
        self.stream = stream
        self.kept = io.StringIO()

    def write(self, text: str) -> int:
        self.kept.write(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


@contextlib.contextmanager
def recorded(name: str) -> Iterator[None]:
    """Run the block with stdout kept; on success write it to benchmarks/results/<name>.txt."""
    head = header(invocation())  # the code as it was when the run began
    tee = _Tee(sys.stdout)  # type: ignore[arg-type]
    with contextlib.redirect_stdout(tee):
        yield
    print(f"results: {write_result(name, tee.kept.getvalue(), head)}")

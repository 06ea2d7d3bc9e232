"""The parent of `--workers N`: judges its workers against the plan's target, not --trials, and
waits with them behind a process frozen while it holds the study's lock."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from search.run.driver import open_search, plan, run_here, run_to_target
from search.run.options import SearchOptions
from search.run.pool import prestarted
from search.store.locks import LOCK_NOTICE_ENV
from tests.search.run.test_workers import FINISHED, command, study_of


def test_workers_failing_after_a_grid_has_all_its_cells_do_not_abort_the_search(
    series_csv: Path, storage_url: str, tmp_path: Path
) -> None:
    grid = tmp_path / "two.toml"
    grid.write_text("[hidden_size]\nlow = 4\nhigh = 8\ngrid = [4, 8]\n")
    options = SearchOptions(
        strategy="grid",
        trials=5,
        data=str(series_csv),
        storage=storage_url,
        space=str(grid),
        epochs=1,
        seq_len=14,
        workers=2,
        quiet=True,
    )
    checked = plan(options)
    assert checked.target == 2  # the grid's capacity, under --trials
    search = open_search(checked)
    run_here(search, None)
    # Each worker plans the search again and now finds no data: both exit 2 with the study
    # already at its target, which is no reason to call the search aborted.
    series_csv.unlink()
    exits: list[int] = []
    with prestarted(options.workers) as pool:
        finished = run_to_target(search, None, pool, lambda pid, code, trial: exits.append(code))
    assert exits == [2, 2]
    assert finished == 2


HOLD_AND_FREEZE = """
import os, signal, sys
from search.store.locks import FileLock
with FileLock(sys.argv[1]).held():
    print("held", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
"""


def lines_of(stream: IO[str]) -> tuple["queue.Queue[str]", threading.Thread]:
    """The stream's lines as they come, read by a thread (a pipe cannot be read with a timeout),
    and that thread, which ends at the end of the stream."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return lines, reader


def test_workers_wait_for_a_frozen_lock_holder_say_so_and_finish_after_it(
    series_csv: Path, tmp_path: Path
) -> None:
    database = tmp_path / "studies.db"
    url = f"sqlite:///{database}"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_FREEZE, str(database)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    search = subprocess.Popen(
        command(series_csv, url, "--strategy", "random", "--trials", "2", "--workers", "2"),
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, LOCK_NOTICE_ENV: "0.5"},
    )
    try:
        assert search.stderr is not None
        err, reader = lines_of(search.stderr)
        seen: list[str] = []
        waiting: dict[int, int] = {}  # waiting worker pid -> lines it said
        # Failure bound only: without the notices this would wait for the old 120 s give-up.
        deadline = time.monotonic() + 90
        while len(waiting) < 2 or min(waiting.values()) < 2:
            assert time.monotonic() < deadline, "".join(seen)
            assert search.poll() is None, "".join(seen)
            try:
                line = err.get(timeout=1)
            except queue.Empty:
                continue
            seen.append(line)
            found = re.search(
                r"worker (\d+) is waiting for the study's lock held by pid (\d+)", line
            )
            if found:
                assert int(found[2]) == holder.pid, line
                waiting[int(found[1])] = waiting.get(int(found[1]), 0) + 1
        # A worker that dies while it waits held no trial, and the message says so.
        victim = min(waiting)
        os.kill(victim, signal.SIGKILL)
        os.kill(holder.pid, signal.SIGCONT)
        assert holder.wait(timeout=60) == 0
        assert search.wait(timeout=300) == 0, "".join(seen)
        reader.join()
        while not err.empty():
            seen.append(err.get())
        said = "".join(seen)
        assert f"worker {victim} exited with code -9; it held no trial" in said, said
        assert "requeued" not in said, said
    finally:  # after a failure, leave neither a frozen holder nor workers behind
        if holder.poll() is None:
            holder.kill()  # SIGKILL ends a stopped process too
            holder.wait()
        if search.poll() is None:
            search.terminate()
            search.wait()
    study = study_of(url, "load-random")
    assert sum(t.state in FINISHED for t in study.trials) == 2

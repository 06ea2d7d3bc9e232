"""Trials per second through `lstm-search serve`, and what the proxy spends on each.

    python benchmarks/proxy_throughput.py --postgres URL [--workers 32] [--trials 800]
        [--repeats 2] [--skip 15] [--baseline DIR]

Starts `lstm-search serve` in front of PostgreSQL (every table of URL's database is dropped
first: give it a throwaway one) and `--workers` stand-in workers of the real runner
(`tests/search/run/stand_in.py`: a grid of `--trials` cells, 0.1 s per trial, no torch), and
prints, after `--skip` seconds (start-up), the steady rate over the next 20 s and the CPU
milliseconds per finished trial of the proxy, PostgreSQL and the workers. With --baseline (a
checkout of another commit, e.g. `git worktree add /tmp/base HEAD~1`), runs both, interleaved,
`--repeats` times.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
from record import recorded
from sqlalchemy import create_engine, text

ROOT = Path(__file__).parents[1]
PORT = 13997
WINDOW_SECONDS = 20
FINISHED = "select count(*) from trials where state in ('COMPLETE', 'PRUNED')"


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of process `pid` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_seconds() -> float:
    """CPU seconds of every PostgreSQL process on this machine."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (entry / "comm").read_text().startswith("postgres"):
                total += cpu_seconds(int(entry.name))
        except OSError:
            continue
    return total


def run(root: Path, postgres: str, workers: int, trials: int, skip: float) -> str:
    """One measurement of the code at `root`; its line of figures."""
    engine = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("drop schema public cascade; create schema public"))
    env = {**os.environ, "LSTM_SEARCH_STORAGE": postgres, "PYTHONPATH": str(root)}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": root, "env": env}
    serve = subprocess.Popen(
        [sys.executable, "-m", "search", "serve", "--host", "127.0.0.1", "--port", str(PORT)],
        **quiet,
    )
    url = f"grpc://127.0.0.1:{PORT}"
    optuna.create_study(study_name="s", storage=postgres)
    stand_in = [sys.executable, "-m", "tests.search.run.stand_in", url, str(trials)]
    options = ["--seconds", "0.1", "--steps", "1", "--cells", str(trials)]
    started = time.monotonic()
    processes = [subprocess.Popen([*stand_in, *options], **quiet) for _ in range(workers)]
    try:
        time.sleep(skip)
        pids = [p.pid for p in processes]
        marks = []
        for _ in range(2):
            with engine.connect() as connection:
                finished = connection.execute(text(FINISHED)).scalar_one()
            proxy_cpu, workers_cpu = cpu_seconds(serve.pid), sum(map(cpu_seconds, pids))
            marks.append((time.monotonic(), finished, proxy_cpu, postgres_seconds(), workers_cpu))
            time.sleep(WINDOW_SECONDS)
        (t0, n0, s0, p0, w0), (t1, n1, s1, p1, w1) = marks
        done = n1 - n0
        for process in processes:
            process.wait(timeout=900)
        overall = trials / (time.monotonic() - started)
    finally:
        for process in processes:
            process.kill()
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=60)
    per_trial = f"proxy {(s1 - s0) / done * 1000:.0f}, postgres {(p1 - p0) / done * 1000:.0f}"
    return (
        f"steady {done / (t1 - t0):5.1f} trials/s, overall {overall:5.1f}; CPU ms per trial: "
        f"{per_trial}, workers {(w1 - w0) / done * 1000:.0f}; proxy busy "
        f"{(s1 - s0) / (t1 - t0) * 100:.0f} % of a core"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", required=True, help="a throwaway database's URL")
    parser.add_argument("--workers", type=int, default=32)
    parser.add_argument("--trials", type=int, default=800)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--skip", type=float, default=15, help="seconds before measuring")
    parser.add_argument("--baseline", type=Path, help="a checkout of the code to compare with")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sides = [("this", ROOT)] + ([("baseline", args.baseline)] if args.baseline else [])
    for repeat in range(args.repeats):
        for name, root in sides if repeat % 2 == 0 else sides[::-1]:
            figures = run(root, args.postgres, args.workers, args.trials, args.skip)
            print(f"repeat {repeat} {name:8s} {figures}", flush=True)


if __name__ == "__main__":
    with recorded("proxy_throughput"):
        main()

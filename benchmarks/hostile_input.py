"""What refusing hostile CSV files costs, beside refusing a missing file (start-up alone).

    python benchmarks/hostile_input.py [--repeats 3]

Writes a file of 1,000,000 columns, one with a 64 MB date-like cell in a column the search does
not use, and a long-format panel one row past the cells lstm-search reads (csvfile.MAX_CELLS),
runs `lstm-search` on each (interleaved with the baseline, `--repeats` times) and prints the wall
time and peak memory of each refusal: median and range, and the extra over start-up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from record import recorded

from search.data.csvfile import MAX_CELLS

WIDE_COLUMNS = 1_000_000
CELL_BYTES = 64 * 2**20


def write_files(root: Path) -> dict[str, Path]:
    """The baseline's missing path and the two hostile files."""
    wide = root / "wide.csv"
    with wide.open("w") as out:
        out.write(",".join(f"c{i}" for i in range(WIDE_COLUMNS)) + "\n")
        for _ in range(3):
            out.write(",".join("1" for _ in range(WIDE_COLUMNS)) + "\n")
    cell = root / "big_cell.csv"
    with cell.open("w") as out:
        out.write("date,co2,note\n")
        out.write("1958-03-29,316.1," + "2020-01-01 " * (CELL_BYTES // 11) + "\n")
        for day in range(300):
            out.write(f"1958-04-{day % 28 + 1:02d},316.{day},x\n")
    panel = root / "panel.csv"
    with panel.open("w") as out:
        out.write("unique_id,ds,y\n")
        rows = MAX_CELLS // 3 + 1
        series = rows // 10_000 + 1
        for row in range(rows):
            out.write(f"s{row % series},{1_700_000_000 + 3600 * (row // series)},{row % 97}\n")
    return {
        "missing file (start-up)": root / "missing.csv",
        "1M columns": wide,
        "64 MB cell": cell,
        f"{MAX_CELLS // 10**6} M cells + 3": panel,
    }


def refuse(path: Path, root: Path) -> tuple[float, float]:
    """Seconds and peak MiB of one `lstm-search` run on `path`; it must exit 2."""
    command = [sys.executable, "-m", "search", "--data", str(path), "--trials", "1"]
    command += ["--storage", f"sqlite:///{root / 'studies.db'}"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    assert os.waitstatus_to_exitcode(status) == 2, process.stderr.read().decode()
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        files = write_files(root)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in files}
        for _ in range(args.repeats):
            for name, path in files.items():
                runs[name].append(refuse(path, root))
    base_seconds = statistics.median(s for s, _ in runs["missing file (start-up)"])
    base_mib = statistics.median(m for _, m in runs["missing file (start-up)"])
    print(f"{'input':<24} {'seconds (range)':<20} {'peak MiB (range)':<20} extra over start-up")
    for name, results in runs.items():
        seconds = [s for s, _ in results]
        mib = [m for _, m in results]
        print(
            f"{name:<24} {statistics.median(seconds):5.2f} ({min(seconds):.2f}-{max(seconds):.2f})"
            f"   {statistics.median(mib):5.0f} ({min(mib):.0f}-{max(mib):.0f})"
            f"     +{statistics.median(seconds) - base_seconds:.2f} s, "
            f"+{statistics.median(mib) - base_mib:.0f} MiB"
        )


if __name__ == "__main__":
    with recorded("hostile_input"):
        main()

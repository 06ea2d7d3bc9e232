"""The README's default job, run for real: its whole stdout, for the README's transcript.

    python benchmarks/default_job.py [--trials 50] [--out default_job]

Runs `lstm-search --strategy bayes --trials N` (as `python -m search`) in a fresh temporary
directory, so with a fresh `sqlite:///studies.db`, then `lstm-search studies` there, and writes
what they printed on stdout (the progress bar and trial lines go to stderr) to
benchmarks/results/<out>.txt with the commit and the machine. Then `python benchmarks/publish.py`
puts it into the README. Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import tempfile

from record import header, invocation, write_result

TRIALS = 50


def transcript(trials: int) -> str:
    """The default job's stdout, then `studies` on its storage, each after the command typed."""
    commands = [["--strategy", "bayes", "--trials", str(trials)], ["studies"]]
    env = {key: value for key, value in os.environ.items() if key != "LSTM_SEARCH_STORAGE"}
    shown = []
    with tempfile.TemporaryDirectory() as folder:
        for arguments in commands:
            done = subprocess.run(
                [sys.executable, "-m", "search", *arguments],
                cwd=folder,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            )
            shown.append(f"$ {shlex.join(['lstm-search', *arguments])}\n{done.stdout}")
    return "".join(shown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=TRIALS)
    parser.add_argument("--out", default="default_job", help="results file name, without .txt")
    args = parser.parse_args()
    head = header(invocation())  # the code as it was when the run began
    print(f"results: {write_result(args.out, transcript(args.trials), head)}")


if __name__ == "__main__":
    main()

"""The same short search on the CPU and on the GPU, side by side, for a machine with one.

    python benchmarks/gpu_check.py [--trials 10] [--repeats 1]

Runs `lstm-search --trials N --workers 1 --quiet` on the bundled CO2 series with
`--device cpu` and `--device cuda`, interleaved, each in a study of its own, and prints each
device's wall time, training seconds (the trials' `seconds`) and trials per training second,
and the GPU's ratio. The output also goes to benchmarks/results/gpu_check.txt with the commit,
the GPU and the versions.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import optuna
import torch
from record import write_result

from search.store import FINISHED, schema

DEVICES = ("cpu", "cuda")


def run(device: str, trials: int, seed: int, root: Path) -> tuple[float, float, int]:
    """Wall seconds of one search, its trials' training seconds, and its finished trials."""
    url = f"sqlite:///{root / 'studies.db'}"
    name = f"gpu-check-{device}-{seed}"
    command = [sys.executable, "-m", "search", "--trials", str(trials), "--device", device]
    command += ["--workers", "1", "--quiet", "--seed", str(seed)]
    command += ["--study", name, "--storage", url]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    study = optuna.load_study(study_name=name, storage=url)
    done = study.get_trials(deepcopy=False, states=FINISHED)
    return wall, sum(float(t.user_attrs.get(schema.SECONDS, 0.0)) for t in done), len(done)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        sys.exit("gpu_check: no CUDA GPU is visible to PyTorch; run it on a machine with one")
    rates: dict[str, list[float]] = {device: [] for device in DEVICES}
    lines = []
    with tempfile.TemporaryDirectory() as folder:
        for seed in range(args.repeats):
            for device in DEVICES:
                wall, training, done = run(device, args.trials, seed, Path(folder))
                rates[device].append(done / training)
                lines.append(
                    f"{device:<5} seed {seed}: {done} trials, wall {wall:.1f} s, "
                    f"training {training:.1f} s, {done / training:.3f} trials per training s"
                )
    ratio = statistics.median(rates["cuda"]) / statistics.median(rates["cpu"])
    lines.insert(0, f"GPU: {torch.cuda.get_device_name(0)}")
    report = "\n".join([*lines, f"GPU / CPU trials per training second: {ratio:.2f}x"])
    print(report)
    write_result("gpu_check", report)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# The CUDA check in one command, for a machine with an NVIDIA GPU: the tests marked `cuda`
# (skipped everywhere else, CI included), then the same 10-trial search on the CPU and the GPU
# side by side (benchmarks/gpu_check.py, which writes benchmarks/results/gpu_check.txt).
# Install first as the README says, with a CUDA build of torch.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA GPU is visible to PyTorch')"
python3 -m pytest -q -m cuda -p no:cacheprovider
python3 benchmarks/gpu_check.py "$@"

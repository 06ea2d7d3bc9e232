"""spaces imports neither torch nor search (nor models): checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_spaces_imports_neither_torch_nor_search() -> None:
    # The vocabulary comes from the caller: here a literal one, so that search stays unimported.
    known = (
        "{'hidden_size': int, 'num_layers': int, 'dropout': float, 'learning_rate': float, "
        "'batch_size': int, 'arch': str, 'seq_len': int, 'optimizer': str, 'scheduler': str}"
    )
    code = (
        f"import sys, spaces; spaces.load_space('full', {known}).grid_cells(); "
        "print(sorted(m for m in ('torch', 'search', 'models') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"

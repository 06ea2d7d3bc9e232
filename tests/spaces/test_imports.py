"""spaces imports neither torch nor search (nor models): checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_spaces_imports_neither_torch_nor_search() -> None:
    code = (
        "import sys, spaces; spaces.load_space('full').grid_cells(); "
        "print(sorted(m for m in ('torch', 'search', 'models') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"

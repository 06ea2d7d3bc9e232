"""`lstm-search [OPTIONS]`: run or resume a search, with its messages, progress and summary.

The search itself (`search.run.run_search`) prints nothing; the Printer shows each step.
"""

from __future__ import annotations

import time

from search.console import Printer, print_outcome
from search.run import SearchOptions, run_search


def search_command(options: SearchOptions) -> int:
    """Run or resume the study `options` describe, telling the user how it goes."""
    # The clock starts before planning: "elapsed" is what the user waits, end to end.
    started = time.monotonic()
    print_outcome(run_search(options, Printer(options.quiet)), started)
    return 0

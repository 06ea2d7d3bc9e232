"""What a person reads: progress while a search runs, tables and the summary after it."""

from __future__ import annotations

from search.console.printer import Printer, budget_line, print_outcome
from search.console.progress import Progress, stage_line, stop_reason, trial_line
from search.console.summary import (
    data_line,
    print_summary,
    score_table,
    table,
    trials_frame,
    trials_table,
)

__all__ = [
    "Printer",
    "Progress",
    "budget_line",
    "data_line",
    "print_outcome",
    "print_summary",
    "score_table",
    "stage_line",
    "stop_reason",
    "table",
    "trial_line",
    "trials_frame",
    "trials_table",
]

"""One worker process of `lstm-search --workers N`: reads its options on stdin, runs trials.

Started before its options exist (run/pool.py): it imports what training needs first, then
waits for them.
"""

from __future__ import annotations

import sys

from search.run.driver import open_search, plan, run_here
from search.run.options import SearchOptions
from search.run.process import guarded


def main() -> int:
    """Run trials of the study the options on stdin describe, until it has its target; with
    no options (the search was refused or stopped before it began), nothing."""
    text = sys.stdin.read()
    if not text:
        return 0
    options = SearchOptions.from_json(text)

    def run() -> int:
        run_here(open_search(plan(options)), None)
        return 0

    return guarded(run, interrupted_message=None)


if __name__ == "__main__":
    sys.exit(main())

"""One worker process of `lstm-search --workers N`: reads its options on stdin, runs trials.

Started before its options exist (run/pool.py): it imports what training needs first, then
waits for them.
"""

from __future__ import annotations

import sys

from search.run.driver import open_search, plan, run_here
from search.run.options import SearchOptions
from search.run.process import guarded
from search.store import retrying


def main() -> int:
    """Run trials of the study the options on stdin describe, until it has its target; with
    no options (the search was refused or stopped before it began), nothing."""
    text = sys.stdin.read()
    if not text:
        return 0
    options = SearchOptions.from_json(text)

    def run() -> int:
        # The parent has just planned the same search: a storage that cannot be reached now is
        # restarting, so it is waited for as one lost mid-search is.
        search = retrying(lambda: open_search(plan(options)), "opening the study")
        run_here(search, None)
        return 0

    return guarded(run, interrupted_message=None)


if __name__ == "__main__":
    sys.exit(main())

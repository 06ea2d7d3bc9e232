"""One worker process of `lstm-search --workers N`: reads its options on stdin, runs trials."""

from __future__ import annotations

import json
import sys

from search.driver import open_search, plan, run_here
from search.process import guarded
from search.run_options import SearchOptions


def main() -> int:
    """Run trials of the study the options on stdin describe, until it has its target."""
    fields = json.load(sys.stdin)
    options = SearchOptions(
        **{**fields, "features": tuple(fields["features"]), "split": tuple(fields["split"])}
    )
    return guarded(
        lambda: run_here(open_search(plan(options)), None) or 0, interrupted_message=None
    )


if __name__ == "__main__":
    sys.exit(main())

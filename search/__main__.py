"""`python -m search` runs the lstm-search command."""

import sys

from search.cli import main

sys.exit(main())

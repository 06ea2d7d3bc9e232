"""`python -m search` runs the lstm-search command."""

import sys

from search.cli.main import main

sys.exit(main())

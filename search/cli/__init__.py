"""The `lstm-search` command line: every subcommand, and everything that prints."""

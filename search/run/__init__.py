"""Running a search: its options, the driver, the worker loop and worker processes."""

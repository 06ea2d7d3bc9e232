"""CSV to a validated series, and the series to split, scaled model windows."""

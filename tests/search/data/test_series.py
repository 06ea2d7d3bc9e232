"""Reading series: the bundled data, users' CSVs, and every refusal of SPEC section 6."""

from pathlib import Path

import numpy as np
import pytest

from search.data.series import bundled_path, load_series
from search.errors import DataError, LstmSearchError


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_bundled_co2_is_complete_after_interpolation() -> None:
    series = load_series()
    assert series.name == "co2"
    assert series.columns == ("co2",)
    assert series.values.shape == (2284, 1)
    assert series.imputed == 59  # the data README's count of empty weeks
    assert series.dropped == 0
    assert not np.isnan(series.values).any()
    assert series.time is not None and series.time[0].year == 1958


def test_a_single_series_fingerprint_is_what_it_was_before_panels() -> None:
    # The fingerprint is part of a study's stored configuration: studies made before --id-col
    # existed resume only if it stays the same.
    assert load_series().fingerprint == "1f021c8d660dbc4f"


def test_bundled_attribution_ships_beside_the_data() -> None:
    assert "Keeling" in (bundled_path().parent / "README.md").read_text()


def test_user_csv_with_features_time_column_and_gaps(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "when,load,temp,note\n2024-01-01,1,5,a\n2024-01-02,,6,b\n"
        "2024-01-03,3,7,c\n2024-01-04,4,,d\n2024-01-05,6,9,e\n",
    )
    series = load_series(path, target="load", features=("temp",))
    assert series.columns == ("load", "temp")
    np.testing.assert_allclose(series.values[:, 0], [1, 2, 3, 4, 6])
    np.testing.assert_allclose(series.values[:, 1], [5, 6, 7, 8, 9])
    assert series.imputed == 2
    assert list(series.time.day) == [1, 2, 3, 4, 5]


def test_leading_and_trailing_gaps_are_dropped_and_counted(tmp_path: Path) -> None:
    path = write(tmp_path, "y\n\n\n1\n2\n4\n\n")
    series = load_series(path)
    np.testing.assert_allclose(series.values[:, 0], [1, 2, 4])
    assert series.dropped == 3
    assert series.imputed == 0


def test_fingerprint_changes_with_content_and_columns(tmp_path: Path) -> None:
    first = load_series(write(tmp_path, "a,b\n1,2\n2,3\n3,5\n"), target="a")
    changed = load_series(write(tmp_path, "a,b\n1,2\n2,3\n3,6\n"), target="a")
    other_target = load_series(write(tmp_path, "a,b\n1,2\n2,3\n3,6\n"), target="b")
    assert len({first.fingerprint, changed.fingerprint, other_target.fingerprint}) == 3


REFUSALS = [
    ("missing file", None, {}, "no such data file"),
    ("extra fields", "a,b\n1,2\n3,4,5,6\n", {}, "line 3 of data.csv has 4 fields but the header"),
    ("no rows", "a,b\n", {}, "no data rows"),
    ("no numeric column", "name,kind\nx,a\ny,b\n", {}, "no numeric column"),
    ("several numeric, no target", "a,b\n1,2\n2,3\n", {}, "--target"),
    ("unknown target", "a\n1\n2\n", {"target": "load"}, "'load' is not in"),
    ("unknown feature", "a,b\n1,2\n2,3\n", {"target": "a", "features": ("c",)}, "'c' is not in"),
    ("target as feature", "a,b\n1,2\n2,3\n", {"target": "a", "features": ("a",)}, "both"),
    ("non-numeric value", "a\n1\n2\nthree\n4\n", {}, "non-numeric value 'three' on line 4"),
    (
        "duplicate timestamps",
        "t,a\n2024-01-01,1\n2024-01-01,2\n2024-01-02,3\n",
        {},
        "duplicate timestamp",
    ),
    ("unsorted time", "t,a\n2024-01-02,1\n2024-01-01,2\n", {}, "back in time on line 3"),
    ("unknown time column", "t,a\n2024-01-01,1\n", {"time_col": "when"}, "'when' is not in"),
    ("constant target", "a\n5\n5\n5\n", {}, "constant"),
    (
        "constant feature",
        "a,b\n1,5\n2,5\n3,5\n",
        {"target": "a", "features": ("b",)},
        "'b' is constant",
    ),
    ("more missing than present", "a\n1\n\n\n\n\n2\n", {}, "more values are missing"),
]


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_refusals_name_the_problem_in_one_line(
    tmp_path: Path, text: str | None, kwargs: dict, expected: str
) -> None:
    path = tmp_path / "missing.csv" if text is None else write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        load_series(path, **kwargs)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message
    assert isinstance(caught.value, LstmSearchError)

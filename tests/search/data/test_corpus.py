"""A corpus of real-world CSV shapes, made from the bundled CO2 series: each one either reads to
exactly the clean series' numbers and times, or is refused in one line before anything is
written. A number computed from misread data is worse than a refusal."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from search.cli.main import main
from search.data.calendar import infer_season
from search.data.series import bundled_path, load_series
from search.data.windows import ForecastDataset
from search.errors import DataError

CLEAN = pd.read_csv(bundled_path())  # date,co2: ISO dates, decimal points, empty gaps
ROWS = 300  # enough rows for every shape, few enough to stay fast


def clean() -> pd.DataFrame:
    return CLEAN.head(ROWS).copy()


def write(path: Path, frame: pd.DataFrame, sep: str = ",", encoding: str = "utf-8",
          **kwargs: object) -> Path:  # fmt: skip
    path.write_bytes(
        frame.to_csv(index=False, sep=sep, lineterminator="\n", **kwargs).encode(encoding)
    )
    return path


def write_crlf(path: Path, frame: pd.DataFrame) -> Path:
    path.write_bytes(frame.to_csv(index=False, lineterminator="\r\n").encode())
    return path


def european(frame: pd.DataFrame) -> pd.DataFrame:
    frame["co2"] = frame["co2"].map(lambda v: "" if pd.isna(v) else f"{v}".replace(".", ","))
    return frame


def expected_values() -> np.ndarray:
    values = pd.to_numeric(clean()["co2"]).interpolate(limit_area="inside")
    return values.dropna().to_numpy()


def assert_reads_like_the_clean_series(path: Path, **kwargs: object) -> None:
    series = load_series(path, **kwargs)
    reference = load_series(write(path.with_name("clean.csv"), clean()))
    np.testing.assert_array_equal(series.values[:, 0], reference.values[:, 0])
    np.testing.assert_allclose(series.values[:, 0], expected_values())
    assert series.time is not None and reference.time is not None
    assert series.time.equals(reference.time)


def day_first(frame: pd.DataFrame, separator: str) -> pd.DataFrame:
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime(f"%d{separator}%m{separator}%Y")
    return frame


ACCEPTED = {
    "semicolon, decimal comma": lambda p: write(p, european(clean()), sep=";"),
    "tab, decimal point": lambda p: write(p, clean(), sep="\t"),
    "quoted decimal comma in a comma file": lambda p: write(p, european(clean()), quoting=1),
    "UTF-8 with a byte-order mark": lambda p: write(p, clean(), encoding="utf-8-sig"),
    "UTF-16 with a byte-order mark": lambda p: write(p, clean(), encoding="utf-16"),
    "Windows-1252 accented header": lambda p: write(
        p, clean().rename(columns={"co2": "co2_ppm_température"}), encoding="cp1252"
    ),
    "CRLF line endings": lambda p: write_crlf(p, clean()),
    "day-first slashes": lambda p: write(p, day_first(clean(), "/")),
    "day-first dots, semicolon, decimal comma": lambda p: write(
        p, day_first(european(clean()), "."), sep=";"
    ),
}


@pytest.mark.parametrize("shape", ACCEPTED)
def test_a_real_world_shape_reads_to_the_clean_series(shape: str, tmp_path: Path) -> None:
    path = ACCEPTED[shape](tmp_path / "export.csv")
    target = "co2_ppm_température" if "accented" in shape else None
    assert_reads_like_the_clean_series(path, target=target)


def test_thousands_separators_read_to_the_same_numbers(tmp_path: Path) -> None:
    frame = clean()
    values = pd.to_numeric(frame["co2"]) * 10  # 3,161.0: a thousands separator in every value
    frame["co2"] = values.map(lambda v: "" if pd.isna(v) else f"{v:,.1f}")
    series = load_series(write(tmp_path / "points.csv", frame, quoting=1))  # "3,161.0"
    np.testing.assert_allclose(series.values[:, 0], expected_values() * 10)
    frame["co2"] = values.map(
        lambda v: "" if pd.isna(v) else f"{v:,.1f}".replace(",", " ").replace(".", ",")
    ).str.replace(" ", ".")  # 3.161,0
    series = load_series(write(tmp_path / "commas.csv", frame, sep=";"))
    np.testing.assert_allclose(series.values[:, 0], expected_values() * 10)


def test_epoch_seconds_in_a_named_time_column(tmp_path: Path) -> None:
    hours = pd.date_range("2024-01-01", periods=48, freq="h")
    frame = pd.DataFrame({"t": hours.astype("datetime64[s]").astype("int64"), "y": np.arange(48.0)})
    path = write(tmp_path / "epoch.csv", frame)
    with pytest.raises(DataError, match="several numeric columns"):  # unnamed: not a time
        load_series(path)
    series = load_series(path, target="y", time_col="t")
    assert series.time is not None and series.time.equals(pd.DatetimeIndex(hours))
    assert infer_season(series.time) == 24


def test_an_explicit_date_format_reads_dates_no_value_settles(tmp_path: Path) -> None:
    frame = pd.DataFrame({"day": ["01/02/2024", "02/02/2024", "03/02/2024"], "y": [1, 2, 4]})
    path = write(tmp_path / "ambiguous.csv", frame)
    with pytest.raises(DataError, match="--date-format"):
        load_series(path)
    series = load_series(path, date_format="%d/%m/%Y")
    assert [t.day for t in series.time] == [1, 2, 3]


def test_business_days_have_a_season_of_five(tmp_path: Path) -> None:
    days = pd.bdate_range("2024-01-01", periods=60)
    frame = pd.DataFrame({"day": days.strftime("%Y-%m-%d"), "y": np.arange(60.0) % 7})
    assert infer_season(load_series(write(tmp_path / "b.csv", frame)).time) == 5


REFUSED = {
    "unquoted thousands separator": (
        "date,co2\n1958-03-29,3,161.0\n1958-04-05,3,173.0\n",
        "fields",
    ),
    "day or month first": ("date,co2\n01/02/1958,1\n02/02/1958,2\n03/02/1958,3\n", "--date-format"),
    "only ambiguous thousands": ('y\n"1,234"\n"2,345"\n"3,456"\n', "no value settles"),
    "mixed decimal marks": ("a;b\n1.5;2,5\n2.5;3,5\n3.5;4,5\n", "same decimal mark"),
    "infinite value": ("y\n1\ninf\n3\n", "only finite numbers"),
    "too large to compute": ("y\n1\n1e400\n3\n", "too large"),
    "epoch milliseconds": ("t,y\n1700000000000,1\n1700000086400,2\n1700000172800,3\n", "epoch"),
    "mixed time zones": ("t,y\n2024-01-01T00:00+01:00,1\n2024-01-02T00:00+05:00,2\n", "time zone"),
}


@pytest.mark.parametrize("shape", REFUSED)
def test_a_shape_that_cannot_be_read_for_sure_is_refused_in_one_line(
    shape: str, tmp_path: Path
) -> None:
    text, expected = REFUSED[shape]
    path = tmp_path / "bad.csv"
    path.write_text(text)
    time_col = "t" if shape == "epoch milliseconds" else None
    features = ("b",) if shape == "mixed decimal marks" else ()
    target = "a" if features else None
    with pytest.raises(DataError) as caught:
        load_series(path, target=target, features=features, time_col=time_col)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def test_an_outlier_too_large_to_scale_is_refused_naming_its_row(tmp_path: Path) -> None:
    path = tmp_path / "outlier.csv"
    values = [f"{v + np.sin(v):.4f}" for v in range(100)]
    values[90] = "1e300"  # finite as written, infinite once scaled to float32
    path.write_text("y\n" + "\n".join(values) + "\n")
    with pytest.raises(DataError, match=r"row 91 of the series \(in the test split\) is too large"):
        ForecastDataset(load_series(path))


def test_bytes_that_are_no_known_text_encoding_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "binary.csv"
    path.write_bytes(b"y\n1\n\x81\x8d\n")
    with pytest.raises(DataError, match="save it as UTF-8"):
        load_series(path)


def test_hostile_files_are_refused_cheaply(tmp_path: Path) -> None:
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n" + ",".join("1" * 100_000))
    with pytest.raises(DataError, match="columns") as caught:
        load_series(wide)
    assert len(str(caught.value)) < 300
    huge_cell = tmp_path / "cell.csv"
    huge_cell.write_text("note,y\n" + "x" * 1_000_000 + ",1\nb,2\nc,3\n")
    with pytest.raises(DataError, match="line 2"):
        load_series(huge_cell, target="y")


def test_a_forged_line_in_a_header_prints_as_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "forged.csv"
    path.write_text('"a\nlstm-search: error: forged",b\n1,2\n2,3\n')
    assert main(["--data", str(path), "--storage", f"sqlite:///{tmp_path / 's.db'}"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_refused_file_leaves_an_existing_storage_byte_identical(searched, tmp_path: Path) -> None:
    _, url = searched
    database = Path(url.removeprefix("sqlite:///"))
    files = [p for p in database.parent.iterdir() if p.name.startswith(database.name)]
    before = {p.name: sha256(p) for p in files}
    bad = tmp_path / "bad.csv"
    bad.write_text(REFUSED["unquoted thousands separator"][0])
    done = subprocess.run(
        [sys.executable, "-m", "search", "--data", str(bad), "--storage", url, "--quiet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "fields" in done.stderr
    assert {p.name: sha256(p) for p in files} == before


@pytest.mark.slow
def test_a_european_export_of_co2_searches_and_forecasts_within_the_series_range(
    tmp_path: Path,
) -> None:
    full = european(CLEAN.copy())
    path = write(tmp_path / "co2_eu.csv", full, sep=";")
    np.testing.assert_array_equal(load_series(path).values, load_series().values)
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    search = [sys.executable, "-m", "search", "--data", str(path), "--storage", url, "--space",
              "small", "--trials", "2", "--epochs", "2", "--workers", "1", "--quiet"]  # fmt: skip
    done = subprocess.run(search, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "semicolon-separated, decimal comma" in done.stdout
    predict = [sys.executable, "-m", "search", "predict", "co2_eu-bayes", "--storage", url]
    done = subprocess.run(predict, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    forecast = float(done.stdout.strip().splitlines()[-1].split()[-1])
    values = load_series().values[:, 0]
    assert values.min() <= forecast <= values.max() + 5

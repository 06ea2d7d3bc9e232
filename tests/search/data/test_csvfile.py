"""A CSV too large to hold as cells is refused early, reading a bounded amount of memory."""

import subprocess
import sys
from pathlib import Path

import pytest

from search.data import csvfile
from search.data.csvfile import read_csv_file
from search.errors import DataError

# In a fresh process: the growth of its peak memory while reading argv[1] with a cap of argv[2]
# cells, as a multiple of the file's size.
READ_AND_MEASURE = """
import resource, sys
from pathlib import Path
from search.data import csvfile
from search.errors import DataError
csvfile.MAX_CELLS = int(sys.argv[2])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    csvfile.read_csv_file(Path(sys.argv[1]))
except DataError as error:
    print(error, file=sys.stderr)
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
print(grown / Path(sys.argv[1]).stat().st_size)
"""


def write_rows(path: Path, rows: int) -> Path:
    with path.open("w") as handle:
        handle.write("time,load\n")
        handle.writelines(f"{i},{i % 97}.5\n" for i in range(rows))
    return path


def test_a_file_of_more_cells_than_the_cap_is_refused_naming_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvfile, "MAX_CELLS", 1_000)
    assert len(read_csv_file(write_rows(tmp_path / "fits.csv", 500)).table) == 500
    with pytest.raises(DataError, match="more than 500 rows of 2 columns, over the 1,000 cells"):
        read_csv_file(write_rows(tmp_path / "over.csv", 501))


def test_a_large_file_over_the_cap_is_refused_in_less_memory_than_its_size(
    tmp_path: Path,
) -> None:
    big = write_rows(tmp_path / "big.csv", 3_000_000)  # about 40 MB
    measured = subprocess.run(
        [sys.executable, "-c", READ_AND_MEASURE, str(big), "1000000"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "over the 1,000,000 cells" in measured.stderr
    # Reading it whole took 11 times its size (a decoded copy, a StringIO of 4 bytes a
    # character, then a Python string per cell).
    assert float(measured.stdout) < 1.0, measured

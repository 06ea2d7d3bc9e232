"""The README's `## From Python` block runs as written."""

from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[3] / "README.md"


def from_python_block() -> str:
    """The first ```python block under `## From Python`."""
    section = README.read_text().split("\n## From Python\n", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


@pytest.mark.slow
def test_the_readme_python_block_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    block = from_python_block()
    assert len(block.splitlines()) <= 10
    monkeypatch.chdir(tmp_path)
    exec(compile(block, str(README), "exec"), {"__name__": "readme"})
    assert (tmp_path / "api.db").exists()

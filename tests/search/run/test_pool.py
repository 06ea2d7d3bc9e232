"""The parent of `--workers N` judges its workers against the plan's target, not --trials."""

from pathlib import Path

from search.run.driver import open_search, plan, run_here, run_to_target
from search.run.options import SearchOptions
from search.run.pool import prestarted


def test_workers_failing_after_a_grid_has_all_its_cells_do_not_abort_the_search(
    series_csv: Path, storage_url: str, tmp_path: Path
) -> None:
    grid = tmp_path / "two.toml"
    grid.write_text("[hidden_size]\nlow = 4\nhigh = 8\ngrid = [4, 8]\n")
    options = SearchOptions(
        strategy="grid",
        trials=5,
        data=str(series_csv),
        storage=storage_url,
        space=str(grid),
        epochs=1,
        seq_len=14,
        workers=2,
        quiet=True,
    )
    checked = plan(options)
    assert checked.target == 2  # the grid's capacity, under --trials
    search = open_search(checked)
    run_here(search, None)
    # Each worker plans the search again and now finds no data: both exit 2 with the study
    # already at its target, which is no reason to call the search aborted.
    series_csv.unlink()
    exits: list[int] = []
    with prestarted(options.workers) as pool:
        finished = run_to_target(search, None, pool, lambda pid, code: exits.append(code))
    assert exits == [2, 2]
    assert finished == 2

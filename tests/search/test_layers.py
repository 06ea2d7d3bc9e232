"""search/ is layered: each sub-package imports only the ones below it, through their faces, and
workers stay lean.

Layers, bottom up: the shared errors and seeds; data; store; strategies; training; results; run;
console (what a person reads); the two doors, the Python API and the CLI, which never import
each other. A module may import its own layer and the ones below, never one above; no two modules
import each other, directly or around a loop. Each sub-package has a face (its `__init__.py`
and `__all__`): code outside the package imports the face, never a module behind it. Tests and
benchmarks may reach the modules behind a face: they test and measure those modules.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = [
    ("search.errors", "search.seeding", "search.text"),
    ("search.data",),
    ("search.store",),
    ("search.strategies",),
    ("search.training",),
    ("search.results",),
    ("search.run",),
    ("search.console",),
    ("search.api", "search.cli"),
    ("search.__main__",),
]


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


MODULES = {module_name(p): p for p in (ROOT / "search").rglob("*.py")}


def rank(module: str) -> int | None:
    for position, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return position
    return None  # the package's own __init__


def imports(module: str) -> set[str]:
    """The search modules `module` imports anywhere in its file (lazy imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            raise AssertionError(f"{module}: relative import; write it absolute so layers show")
        if isinstance(node, ast.ImportFrom) and node.module:
            # `from package import module` imports the module, not the package's face.
            submodules = [f"{node.module}.{alias.name}" for alias in node.names]
            names = [*submodules] if all(m in MODULES for m in submodules) else [node.module]
            names += [m for m in submodules if m in MODULES]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in MODULES and name != module)
    return found


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_nothing_from_a_layer_above_its_own(module: str) -> None:
    own = rank(module)
    if own is None:
        return
    above = sorted(name for name in imports(module) if (rank(name) or 0) > own)
    assert not above, f"{module} (layer {own}) imports {above} from a layer above"


@pytest.mark.parametrize("door", ["search.api", "search.cli"])
def test_the_api_and_the_cli_never_import_each_other(door: str) -> None:
    other = "search.cli" if door == "search.api" else "search.api"
    reached = sorted(
        name
        for module in MODULES
        if rank(module) == rank(door) and (module == door or module.startswith(door + "."))
        for name in imports(module)
        if name == other or name.startswith(other + ".")
    )
    assert not reached, f"{door} imports {reached}; share it through a lower layer instead"


def test_every_module_belongs_to_a_layer() -> None:
    assert [m for m in MODULES if rank(m) is None] == ["search"]


def test_no_import_cycle() -> None:
    graph = {module: imports(module) for module in MODULES}
    visiting, done = set(), set()

    def visit(module: str, path: list[str]) -> None:
        if module in done:
            return
        assert module not in visiting, f"import cycle: {' -> '.join([*path, module])}"
        visiting.add(module)
        for imported in graph[module]:
            visit(imported, [*path, module])
        visiting.discard(module)
        done.add(module)

    for module in graph:
        visit(module, [])


def loaded_after(statement: str, watched: tuple[str, ...]) -> list[str]:
    """Which of `watched` a fresh interpreter has loaded after running `statement`."""
    code = f"import sys; {statement}; print(sorted(m for m in {watched!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return eval(done.stdout)


def test_a_worker_process_imports_neither_the_cli_nor_plotting_nor_what_only_results_need() -> None:
    watched = ("search.cli", "matplotlib", "optuna_dashboard", "statsforecast")
    assert loaded_after("import search.run.worker", watched) == []


def test_the_api_loads_on_first_use_only() -> None:
    watched = ("search.api", "search.run", "optuna")
    assert loaded_after("import search, search.data", watched) == []
    assert "search.api" in loaded_after("import search; search.tune", watched)


@pytest.mark.parametrize(
    "package",
    ["search.data", "search.store", "search.strategies", "search.training", "search.results"],
)
def test_lower_packages_load_neither_run_nor_cli(package: str) -> None:
    statement = f"import pkgutil, importlib, {package}; " + (
        f"[importlib.import_module(m.name) for m in pkgutil.walk_packages("
        f"{package}.__path__, '{package}.')]"
    )
    assert loaded_after(statement, ("search.run", "search.cli")) == []


SUBPACKAGES = sorted(m for m, p in MODULES.items() if p.name == "__init__.py" and m != "search")
HEAVY = ("grpc", "skopt", "sklearn", "statsforecast", "matplotlib", "optuna_dashboard")
"""Optional imports that stay behind functions (boto3 is not among them: Optuna's own
optuna.artifacts imports it wherever it is installed)."""
MOST_CROSSING_IMPORTS = 74
"""File-level imports from one sub-package into another (112 before the faces, 60 after). The
Python API raised it by 14: search/api's own 7 (the options from run, the frame's file place
from store, the search from run, the result's records and forecast from results and store, the
printing from console), console's Printer 2 (run, store), compare's reach into console 1, and
the two pieces moved below the CLI so that the API shares them, run/flow.py 2 (results, store)
and results/forecast.py 2 (data, training; the predict command's data import went with it)."""


def subpackage(module: str) -> str | None:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or module in SUBPACKAGES else None


def import_statements(module: str) -> list[tuple[ast.ImportFrom, bool]]:
    """Every `from search... import` of the module, and whether it is at file level."""
    tree = ast.parse(MODULES[module].read_text())
    top = {id(node) for node in tree.body}
    return [
        (node, id(node) in top)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("search.")
    ]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_code_outside_a_subpackage_imports_its_face_only(module: str) -> None:
    own = subpackage(module)
    behind = [
        node.module
        for node, _ in import_statements(module)
        if subpackage(node.module or "") not in (None, own) and node.module not in SUBPACKAGES
    ]
    assert not behind, f"{module} imports {behind} past their faces; import the package instead"


def test_few_file_level_imports_cross_subpackage_lines() -> None:
    crossing = [
        (module, node.module)
        for module in MODULES
        for node, at_file_level in import_statements(module)
        if at_file_level and subpackage(node.module or "") not in (None, subpackage(module))
    ]
    assert len(crossing) <= MOST_CROSSING_IMPORTS, crossing


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_a_face_lists_its_public_names_and_each_resolves(package: str) -> None:
    face = importlib.import_module(package)
    names = getattr(face, "__all__", None)
    assert names, f"{package}/__init__.py has no __all__"
    missing = [name for name in names if not hasattr(face, name)]
    assert not missing, f"{package}.__all__ names {missing}, which it does not provide"


@pytest.mark.parametrize("package", [p for p in SUBPACKAGES if p != "search.cli"])
def test_a_face_loads_no_heavy_optional_import(package: str) -> None:
    assert loaded_after(f"import {package}", HEAVY) == []

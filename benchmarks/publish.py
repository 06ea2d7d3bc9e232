"""Refresh the marked blocks of the README and docs from benchmarks/results/, never by hand.

    python benchmarks/publish.py          # rewrite every marked block from its results file
    python benchmarks/publish.py --check  # exit 1 naming the stale pages, change nothing

A marked block is the text between `<!-- benchmarks/results/NAME.txt -->` and `<!-- end -->`;
it becomes that file, whole, in a `text` code fence.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("README.md", "docs/*.md", "benchmarks/README.md")
BLOCK = re.compile(r"(<!-- (benchmarks/results/[\w.-]+\.txt) -->\n)(.*?)(<!-- end -->)", re.S)


def pages(root: Path = ROOT) -> list[Path]:
    """The pages that may hold marked blocks."""
    return sorted(path for pattern in PAGES for path in root.glob(pattern))


def blocks(text: str) -> list[tuple[str, str]]:
    """Each marked block of a page: the results file it names and its content as it stands."""
    return [(match[2], match[3]) for match in BLOCK.finditer(text)]


def fenced(root: Path, name: str) -> str:
    """What the block naming results file `name` should hold."""
    return "```text\n" + (root / name).read_text() + "```\n"


def missing(text: str, root: Path = ROOT) -> list[str]:
    """The results files a page's blocks name that do not exist yet."""
    return [name for name, _ in blocks(text) if not (root / name).is_file()]


def render(text: str, root: Path = ROOT) -> str:
    """The page with every marked block made from its results file (a missing file's left as is)."""

    def block(match: re.Match[str]) -> str:
        if not (root / match[2]).is_file():
            return match[0]
        return match[1] + fenced(root, match[2]) + match[4]

    return BLOCK.sub(block, text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale pages, write nothing")
    args = parser.parse_args()
    stale, absent = [], []
    for page in pages():
        text = page.read_text()
        absent += missing(text)
        fresh = render(text)
        if fresh != text:
            stale.append(str(page.relative_to(ROOT)))
            if not args.check:
                page.write_text(fresh)
    verb = "stale" if args.check else "refreshed"
    print(f"{verb}: {', '.join(stale)}" if stale else "every marked block is up to date")
    if absent:
        print(f"missing, run their scripts first: {', '.join(absent)}")
    if absent or (args.check and stale):
        sys.exit(1)


if __name__ == "__main__":
    main()

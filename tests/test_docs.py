"""The documentation stands on its own in a fresh clone: it names no folder outside the
repository or on one machine, and its links to files of the repository lead somewhere."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SKIP = {".venv", ".git", "node_modules", "var", ".pytest_cache", ".ruff_cache"}
OUTSIDE = re.compile(r"\.\./shared|/work/|/home/|/Users/|\b[A-Z]:\\")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def documents() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.md") if not SKIP & set(p.relative_to(ROOT).parts))


def test_the_readme_and_the_product_description_exist():
    names = {p.relative_to(ROOT).as_posix() for p in documents()}
    assert {"README.md", "docs/PRODUCT.md", "sandbox/README.md"} <= names


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_path_outside_the_repository(path):
    found = [(n, line.strip()) for n, line in enumerate(path.read_text().splitlines(), 1) if OUTSIDE.search(line)]
    assert found == []


@pytest.mark.parametrize("path", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_links_to_repository_files_lead_somewhere(path):
    targets = [t for t in LINK.findall(path.read_text()) if "://" not in t and not t.startswith("mailto:")]
    missing = [t for t in targets if not (path.parent / t).resolve().exists()]
    assert missing == []

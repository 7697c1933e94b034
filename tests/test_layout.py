"""The layout shows the design: the public side imports nothing from the
editorial side, and the domain (models and its mechanisms) imports neither."""

import ast
from pathlib import Path

import pytest

TRACKER = Path(__file__).resolve().parent.parent / "tracker"
DOMAIN = ["models", "history", "locking", "provenance", "parts", "diffs"]


def imported_by(path):
    """The tracker modules a file imports, as dotted names."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("tracker"):
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("tracker"))
    return names


@pytest.mark.parametrize("path", sorted((TRACKER / "public").glob("*.py")), ids=lambda p: p.name)
def test_the_public_side_imports_nothing_from_the_editorial_side(path):
    assert not [name for name in imported_by(path) if name.startswith("tracker.editorial")]


@pytest.mark.parametrize("module", DOMAIN)
def test_the_domain_imports_neither_side(module):
    names = imported_by(TRACKER / f"{module}.py")
    assert not [name for name in names if name.startswith(("tracker.public", "tracker.editorial"))]


def test_each_side_is_a_package_of_its_own():
    assert {p.stem for p in (TRACKER / "public").glob("*.py")} >= {"views", "story_page", "caching", "feeds"}
    assert {p.stem for p in (TRACKER / "editorial").glob("*.py")} >= {"admin", "forms", "permissions", "loading"}

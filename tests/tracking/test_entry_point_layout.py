"""The entry points are thin: no script imports another, none branches on a tracker's name, and none is named
like a standard-library module (run as a file, its folder comes first on ``sys.path``: ``tracking/dev/profile.py``
would stand in for ``profile``, which torchvision imports through cProfile, in every script of that folder).

Both properties are read from the source with ``ast`` (imports and string constants, docstrings left out),
so a cross-import inside a function or a name hidden in a ``choices=`` tuple is found too.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from lib.trackers import tracker_names
from tests.conftest import REPO_ROOT

SCRIPT_FOLDERS = ("tracking", "scripts")
# tracking/analysis_results.py names the analysis protocol "aiatrack" (a protocol, not the tracker)
PROTOCOL_NAMES_ALLOWED = {"tracking/analysis_results.py"}


def _python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (REPO_ROOT / folder).rglob("*.py"))


def _imported_modules(tree: ast.AST) -> set[str]:
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def _string_constants(tree: ast.AST) -> set[str]:
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return {node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings}


@pytest.mark.parametrize("path", _python_files("lib", *SCRIPT_FOLDERS), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_script_is_imported_as_a_library(path: Path) -> None:
    modules = _imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    assert not [m for m in modules if m == "tracking" or m.startswith("tracking.")]


@pytest.mark.parametrize("path", _python_files(*SCRIPT_FOLDERS), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_script_spells_a_tracker_name(path: Path) -> None:
    if str(path.relative_to(REPO_ROOT)) in PROTOCOL_NAMES_ALLOWED:
        pytest.skip("protocol names only")
    assert not _string_constants(ast.parse(path.read_text(encoding="utf-8"))) & set(tracker_names())


@pytest.mark.parametrize("folder", ["tracking", "tracking/dev", "scripts"])
def test_no_script_shadows_a_standard_library_module(folder: str) -> None:
    assert not {path.stem for path in (REPO_ROOT / folder).glob("*.py")} & set(sys.stdlib_module_names)

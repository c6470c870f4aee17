"""src/ uses httpx, httpcore, httpx-aiohttp, aiohttp and argparse through their public APIs only.

Private names of those libraries (underscore attributes of their modules and classes) may be neither read, written
nor overridden in src/, and no private module of theirs is imported: such code breaks when they move (httpx 0.29).
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
import inspect
import pkgutil
import sys
import textwrap
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "aitasks"
LIBRARIES = ("httpx", "httpcore", "httpx_aiohttp", "aiohttp", "argparse")


@functools.cache
def _private_names() -> set[str]:
    """Every single-underscore name the libraries' source defines or sets (functions, class and instance attributes)."""
    names: set[str] = set()
    for library in LIBRARIES:
        root = importlib.import_module(library)
        files = [Path(root.__file__ or "")]
        for info in pkgutil.walk_packages(getattr(root, "__path__", []), f"{library}."):
            spec = importlib.util.find_spec(info.name)
            if spec is not None and spec.origin and spec.origin.endswith(".py"):
                files.append(Path(spec.origin))
        for path in files:
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                    names.add(node.name)
                elif isinstance(node, ast.Attribute):
                    names.add(node.attr)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    names.add(node.id)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _ours() -> set[str]:
    """Underscore names this project defines itself (its own private attributes and functions)."""
    names: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                    names.add(node.attr)  # its own attribute (`response._content = ...` is not)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("_"):
                names.add(node.value)  # __slots__ entries
    return names


def _imported(tree: ast.AST) -> dict[str, object]:
    """What a module binds to the libraries or their members (`httpx`, `HttpxAiohttpClient`, ...)."""
    names: dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in LIBRARIES:
                    names[(a.asname or a.name).split(".")[0]] = importlib.import_module(a.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LIBRARIES:
            module = importlib.import_module(node.module)
            names.update({a.asname or a.name: getattr(module, a.name, None) for a in node.names})
    return names


def _base_private(base: ast.expr, theirs: dict[str, object]) -> set[str]:
    """The private names a library base class (and its library ancestors) defines or uses, else nothing."""
    while isinstance(base, ast.Subscript):
        base = base.value
    if isinstance(base, ast.Attribute) and isinstance(base.value, ast.Name) and base.value.id in theirs:
        cls = getattr(theirs[base.value.id], base.attr, None)
    elif isinstance(base, ast.Name):
        cls = theirs.get(base.id)
    else:
        cls = None
    names: set[str] = set()
    for ancestor in getattr(cls, "__mro__", ()):
        if ancestor.__module__.split(".")[0] in LIBRARIES:
            names.update(vars(ancestor))
            try:
                source = textwrap.dedent(inspect.getsource(ancestor))
            except (OSError, TypeError):  # built without Python source
                continue
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    names.add(node.name)
                elif isinstance(node, ast.Attribute):
                    names.add(node.attr)
    return {n for n in names if n.startswith("_") and not n.startswith("__")}


def _uses(private: set[str], ours: set[str]) -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text())
        theirs = _imported(tree)
        for node in ast.walk(tree):
            where = f"{path.relative_to(SRC.parent)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in LIBRARIES:
                if any(part.startswith("_") for part in node.module.split(".")):
                    found.append(f"{where} imports {node.module}")
                found += [f"{where} imports {a.name}" for a in node.names if a.name.startswith("_")]
            elif isinstance(node, ast.Attribute) and node.attr in private and node.attr not in ours:
                found.append(f"{where} uses .{node.attr}")
            elif isinstance(node, ast.ClassDef):
                # a subclass of theirs: its methods and attributes must not be their private ones
                inherited = set().union(*(_base_private(base, theirs) for base in node.bases))
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)) and inner.name in inherited:
                        found.append(f"{where} overrides {inner.name} in {node.name}")
                    elif isinstance(inner, ast.Attribute) and inner.attr in inherited:
                        found.append(f"{where} uses self.{inner.attr} in {node.name}")
    return found


def test_src_uses_no_private_name_of_its_http_and_cli_libraries() -> None:
    """No underscore attribute of httpx, httpcore, httpx-aiohttp, aiohttp or argparse is used in src/."""
    assert _uses(_private_names(), _ours()) == []


@pytest.mark.parametrize(
    "line",
    [
        "client._transport_for_url(url)",
        "response._content = b''",
        "from httpx._utils import get_environment_proxies",
        "from httpx_aiohttp import HttpxAiohttpClient\n"
        "class C(HttpxAiohttpClient):\n    def _init_transport(self): ...",
        "parser._negative_number_matcher = None",
        "import argparse\n"
        "class P(argparse.ArgumentParser):\n    def __init__(self):\n        self._negative_number_matcher = 1",
    ],
)
def test_the_check_finds_each_kind_of_private_use(line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each way the previous code reached into httpx, httpx-aiohttp or argparse is caught."""
    (tmp_path / "bad.py").write_text(line + "\n")
    monkeypatch.setattr(sys.modules[__name__], "SRC", tmp_path)
    assert _uses(_private_names(), set()) != []

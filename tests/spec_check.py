"""What the check-specs tests share: a copy of specs/ to edit (the `root` fixture, loaded by conftest), and
check-specs run in-process on it, with each page's docutils parse and each YAML text's load kept for the next run
that reads the same text."""

from __future__ import annotations

import copy
import hashlib
import shutil
import sys
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["REAL_YAML_LOAD", "memo_parse_rst", "memo_yaml_load", "real_parse_rst", "root", "run_check"]

REAL_YAML_LOAD = yaml.load  # taken before the fixture below replaces it
KEPT = 8  # trees kept: the kept pages and the page a test has just edited


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the repository's specs/ to edit."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    return tmp_path


def memo_parse_rst(parse: Callable[[Path], Any]) -> Callable[[Path], Any]:
    """`rst_tables.parse_rst`, answering a text it parsed before with the same tree (the check's slowest step).

    Sound because a tree depends on the text alone for what is read from it: the readers take each node's
    text and line, never the file name docutils stamps on it (the path they print is their argument), and no
    reader changes the tree (tests/test_check_modelarts.py checks both). Failures are not kept, so an unreadable
    page is read, and named by its own path, each time.
    """
    parsed: OrderedDict[bytes, Any] = (
        OrderedDict()
    )  # the few texts most recently read (the four kept pages' trees: ~20 MB)

    def parse_rst(path: Path) -> Any:
        try:
            key = hashlib.sha256(path.read_bytes()).digest()
        except OSError:
            return parse(path)  # a missing or unreadable file: the real function says so
        if key in parsed:
            parsed.move_to_end(key)
        else:
            parsed[key] = parse(path)
            while len(parsed) > KEPT:
                parsed.popitem(last=False)
        return parsed[key]

    return parse_rst


def memo_yaml_load(load: Callable[..., Any]) -> Callable[..., Any]:
    """`yaml.load` answering a text it loaded before with a deep copy of what it built (Gcore's vendor YAML: ~0.5 s).

    A safe loader's result depends on the text and the loader alone; the copy keeps callers from sharing (or
    changing) one result. Errors are not kept, and a stream rather than a text is loaded as usual.
    """
    loaded: OrderedDict[tuple[bytes, type, type], Any] = OrderedDict()

    def memo(stream: Any, Loader: type) -> Any:
        if not isinstance(stream, (bytes, str)) or not issubclass(Loader, (yaml.SafeLoader, yaml.CSafeLoader)):
            return load(stream, Loader=Loader)
        text = stream.encode("utf-8", "surrogatepass") if isinstance(stream, str) else stream
        key = (hashlib.sha256(text).digest(), type(stream), Loader)
        if key in loaded:
            loaded.move_to_end(key)
        else:
            loaded[key] = load(stream, Loader=Loader)
            while len(loaded) > 4 * KEPT:  # a few specs, configs and their edited copies
                loaded.popitem(last=False)
        return copy.deepcopy(loaded[key])

    return memo


_parsers: dict[str, Callable[..., Any]] = {}  # "real": rst_tables.parse_rst itself; "memo": memo_parse_rst of it


@pytest.fixture(autouse=True)
def _parse_each_page_once(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Within a worker, check-specs parses each distinct page and YAML text once, whichever test copied it where."""
    if "yaml" not in _parsers:
        _parsers["yaml"] = memo_yaml_load(REAL_YAML_LOAD)
    monkeypatch.setattr(yaml, "load", _parsers["yaml"])  # yaml.safe_load calls it too
    rst_tables = sys.modules.get("rst_tables")  # imported by the tests that run the check; others are left alone
    if rst_tables is not None:
        if "real" not in _parsers:
            _parsers["real"] = rst_tables.parse_rst
            _parsers["memo"] = memo_parse_rst(rst_tables.parse_rst)
        monkeypatch.setattr(rst_tables, "parse_rst", _parsers["memo"])
    yield


def real_parse_rst() -> Callable[[Path], Any]:
    """`rst_tables.parse_rst` without the memo (for the test that checks the memo)."""
    return _parsers["real"]


def run_check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run check-specs in-process on root; return the exit code and the stderr lines (stdout is the summary)."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import check_specs  # the dev tools it needs are not there on a --runtime-only run, which never calls this

    code = check_specs.main(["--root", str(root)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err.splitlines()

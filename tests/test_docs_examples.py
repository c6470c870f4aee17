"""Every example of README.md and docs/ runs as shown against the fake cloud (rules: tests/docs_examples.py)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from docs_examples import ROOT, ExampleFailed, blocks, pages, run_page


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_page_examples_run_as_shown(page: Path, tmp_path: Path) -> None:
    """One fake cloud per page; its python, sh and console blocks run in order and print what they show."""
    run_page(page, tmp_path)


def test_every_page_has_examples_that_run() -> None:
    """The runner finds the blocks: each guide page shows at least one example that is executed."""
    for page in pages():
        if page.parent.name == "guide" or page.name == "README.md":
            assert any(b.lang in ("python", "sh", "console") for b in blocks(page)), page


def _page(tmp_path: Path, text: str) -> Path:
    """A page in a directory of its own, with an empty `run` directory beside it for the runner."""
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    (folder / "run").mkdir()
    path = folder / "page.md"
    path.write_text(text, encoding="utf-8")
    return path


def _fails(tmp_path: Path, text: str, match: str) -> None:
    page = _page(tmp_path, text)
    with pytest.raises(ExampleFailed, match=match):
        run_page(page, page.parent / "run")


def test_a_page_that_runs_passes(tmp_path: Path) -> None:
    """The good twin of the failures below: setup, python, sh and console against the page's fake."""
    page = _page(
        tmp_path,
        "<!-- setup\nfake.add_gcore_task('t1')\n-->\n```python\nimport aitasks\n"
        "with aitasks.Gcore() as g:\n    r = g.cancel('t1')\n```\n\n"
        '```sh\ntest "$(aitasks status gcore:t1 --json | grep -c REVOKED)" = 1\n```\n\n'
        "```console\n$ aitasks cancel gcore:t1 gcore:nope\nalready finished  412  gcore:t1  Cannot ...\n"
        "failed  404  gcore:nope  TaskNotFound: gcore: HTTP 404 Task not found (request id ...)\n"
        "aitasks: 0 cancelled, 1 already finished, 1 failed (2 refs) in 0.0s\n$ echo $?\n1\n```\n",
    )
    run_page(page, page.parent / "run")


def test_python_that_raises_fails_the_page(tmp_path: Path) -> None:
    """The README's old async example (an IndentationError) is what this catches."""
    _fails(tmp_path, "```python\nasync def f():\n    x = 1\n        y = 2\n```\n", r"page.md:1: the example raised")


def test_python_against_the_fake_that_raises_fails_the_page(tmp_path: Path) -> None:
    """A task the page never seeded is a TaskNotFound from the fake, so the example fails."""
    _fails(
        tmp_path,
        "text\n\n```python\nimport aitasks\naitasks.Gcore().cancel('never-seeded')\n```\n",
        r"page.md:3: the example raised TaskNotFound",
    )


def test_console_output_that_differs_fails_the_page(tmp_path: Path) -> None:
    """A changed line, a missing line and an extra line are each named."""
    _fails(tmp_path, "```console\n$ echo one; echo two\none\nthree\n```\n", r"shown, not printed: three")
    _fails(tmp_path, "```console\n$ echo one; echo two\none\n```\n", r"printed, not shown: two")


def test_console_exit_status_is_seen_by_echo(tmp_path: Path) -> None:
    """`echo $?` reads the previous command's status, not the runner's own."""
    _fails(tmp_path, "```console\n$ false\n$ echo $?\n0\n```\n", r"shown, not printed: 0")


def test_failing_sh_fails_the_page(tmp_path: Path) -> None:
    """An sh block runs with -e: any failing command fails it."""
    _fails(tmp_path, "```sh\naitasks cancel gcore:nope\necho unreachable\n```\n", r"the sh block exited 1")


def test_unlabelled_and_unknown_blocks_fail_the_page(tmp_path: Path) -> None:
    """A block cannot dodge the run by having no language or another name for one."""
    _fails(tmp_path, "```\nprint(1)\n```\n", r"no language")
    _fails(tmp_path, "```bash\nfalse\n```\n", r"```bash block")


def test_failing_pytest_module_fails_the_page(tmp_path: Path) -> None:
    """A `<!-- pytest -->` block is a test module: a failing assertion fails the page."""
    _fails(
        tmp_path,
        "<!-- pytest -->\n```python\ndef test_x(fake_cloud):\n    assert fake_cloud.requests == [1]\n```\n",
        r"failed under pytest",
    )


def test_reference_documents_every_public_name() -> None:
    """`::: aitasks` renders what griffe finds: every name of `aitasks.__all__` resolves there, the lazy ones too.

    Classes and functions carry a docstring, so no reference entry is an empty heading.
    """
    import griffe

    import aitasks
    import aitasks.testing

    assert "\n::: aitasks\n" in (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert "\n::: aitasks.testing\n" in (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    loaded = griffe.load("aitasks", search_paths=[ROOT / "src", ROOT / "generated"], resolve_aliases=True)
    for module, names in ((loaded, aitasks.__all__), (loaded["testing"], aitasks.testing.__all__)):
        for name in names:
            obj = module[name]
            assert obj.is_public, name
            if obj.kind in (griffe.Kind.CLASS, griffe.Kind.FUNCTION):
                assert obj.docstring is not None and obj.docstring.value.strip(), f"{name} has no docstring"


def test_readme_links_reach_files() -> None:
    """README.md is read on GitHub, outside MkDocs' link check: its relative links name files that exist."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\((?!https?://)([^)#]+)(?:#[^)]*)?\)", text)
    assert targets, "README.md links to no page"
    missing = [target for target in targets if not (ROOT / target).is_file()]
    assert missing == [], missing

"""Run the examples of a Markdown page against one fake cloud, so no page can show code that does not run.

Rules (docs/contributing.md says them for writers):
- Every fenced block has a language. `python`, `sh` and `console` blocks are executed; `text`, `json` and `yaml`
  are not (a block of any other language fails the page, so an example cannot dodge the run by its label).
- One `FakeCloud` serves a whole page; its variables are in the environment and the working directory is a fresh
  temporary one, so blocks share state in page order, as a reader would type them.
- `<!-- setup ... -->` just before a block holds Python run first, with `fake` (the `FakeCloud`), `workdir`
  (a `Path`) and `ROOT` (the repository) in scope; it may set `workdir = ROOT` for the next block, or `prelude`
  (shell text run before the next shell block). `python` blocks run in one namespace per page.
- `<!-- pytest -->` just before a `python` block runs it as a test module under pytest (with the plugin's fixtures).
- A `console` block is commands (`$ ` lines) and their output (stdout and stderr together). Each command's output
  must match the lines shown, in any order (calls complete in any order), after collapsing runs of spaces and
  making equal what varies from run to run (durations such as `in 0.6s`, 32-hex-digit request ids, times,
  loopback ports); `...` in a shown line matches any text.
- An `sh` block runs under `bash -e -o pipefail`: every command must succeed. Processes it leaves in the
  background are ended when it finishes.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RUN = frozenset({"python", "sh", "console"})
SHOWN = frozenset({"text", "json", "yaml"})
BLOCK = re.compile(
    r"(?:<!--(?P<directive>(?:(?!-->).)*)-->\s*\n)?^(?P<fence>```+)(?P<lang>[^\n`]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.S | re.M,
)
SHELL_TIMEOUT = 120.0


class ExampleFailed(AssertionError):
    """An example that did not run as shown; the message names the page, the line and what differed."""


@dataclass
class Block:
    """One fenced block and the directive comment just before it."""

    path: Path
    line: int
    lang: str
    body: str
    directive: str = ""

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path}:{self.line}"


def blocks(path: Path) -> Iterator[Block]:
    """Every fenced block of a page, with its first line's number (1-based, the fence's)."""
    text = path.read_text(encoding="utf-8")
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start("fence")) + 1
        yield Block(path, line, match["lang"].strip(), match["body"], (match["directive"] or "").strip())


def pages() -> list[Path]:
    """README.md and every page of docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


_NORMALIZE = [
    (re.compile(r"\bin \d+(?:\.\d+)?s\b"), "in <T>s"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<HEX32>"),
    (re.compile(r"\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?"), "<TIME>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<PORT>"),
    (re.compile(r"\s+"), " "),
]


def normalize(line: str) -> str:
    """What varies from run to run (durations, request ids, times, ports, column widths) made equal."""
    for pattern, repl in _NORMALIZE:
        line = pattern.sub(repl, line)
    return line.strip()


def _matches(shown: str, got: str) -> bool:
    pattern = ".*".join(re.escape(part) for part in normalize(shown).split("..."))
    return re.fullmatch(pattern, normalize(got)) is not None


def compare_output(where: str, command: str, shown: list[str], got: list[str]) -> None:
    """Each shown line matches one line that was printed, and nothing else was printed (order aside)."""
    left = [line for line in got if line.strip()]
    missing = []
    for line in (s for s in shown if s.strip()):
        hit = next((i for i, g in enumerate(left) if _matches(line, g)), None)
        if hit is None:
            missing.append(line)
        else:
            del left[hit]
    if missing or left:
        raise ExampleFailed(
            f"{where}: `$ {command}` printed other lines than shown\n"
            + "".join(f"  shown, not printed: {line}\n" for line in missing)
            + "".join(f"  printed, not shown: {line}\n" for line in left)
        )


def parse_console(body: str) -> list[tuple[str, list[str]]]:
    """`$ command` lines, each with the output lines shown after it."""
    steps: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif not steps:
            raise ExampleFailed(f"console block starts with output, not a `$ ` command: {line!r}")
        else:
            steps[-1][1].append(line)
    return steps


_MARK = "@@docs-example-step@@"


def run_shell(script: str, cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """bash on a script, stdout and stderr together; whatever it left in the background is ended afterwards."""
    with tempfile.TemporaryFile("w+b") as out:
        proc = subprocess.Popen(
            ["bash", "-c", script],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = proc.wait(timeout=SHELL_TIMEOUT)
        except subprocess.TimeoutExpired:
            code = -1
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
        out.seek(0)
        return code, out.read().decode("utf-8", "replace")


@dataclass
class Page:
    """The state one page's examples share: its fake cloud, namespace and working directory."""

    path: Path
    fake: Any
    workdir: Path
    namespace: dict[str, Any] = field(default_factory=dict)
    tmp: Path = field(default_factory=Path)

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GCORE_", "MODELARTS_", "HUAWEICLOUD_"))}
        env.update(self.fake.env())
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        env["COLUMNS"] = "120"
        return env

    def run(self, block: Block) -> None:
        if block.lang in SHOWN:
            return
        if block.lang not in RUN:
            raise ExampleFailed(
                f"{block.where}: a ```{block.lang or '(no language)'} block: label it python, sh or console "
                f"(run by the tests) or text, json or yaml (shown only)"
            )
        pytest_module = block.directive == "pytest"
        page_workdir = self.workdir
        try:
            if block.directive.startswith("setup"):
                self._setup(block)
            elif block.directive and not pytest_module:
                raise ExampleFailed(f"{block.where}: unknown directive <!--{block.directive}-->")
            if block.lang == "python":
                self._python(block, as_test=pytest_module)
            elif pytest_module:
                raise ExampleFailed(f"{block.where}: <!-- pytest --> marks python blocks only")
            elif block.lang == "sh":
                self._sh(block)
            else:
                self._console(block)
        finally:
            self.namespace.pop("prelude", None)
            self.workdir = page_workdir

    def _setup(self, block: Block) -> None:
        code = block.directive.removeprefix("setup")
        self.namespace.update(fake=self.fake, workdir=self.workdir, ROOT=ROOT)
        try:
            exec(compile(code, f"{block.where} (setup)", "exec"), self.namespace)
        except Exception as exc:
            raise ExampleFailed(f"{block.where}: its setup raised {type(exc).__name__}: {exc}") from exc
        self.workdir = Path(self.namespace["workdir"])

    def _python(self, block: Block, *, as_test: bool) -> None:
        if as_test:
            module = self.tmp / f"test_example_{block.line}.py"
            module.write_text(block.body, encoding="utf-8")
            proc = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(module)],
                capture_output=True,
                text=True,
                cwd=self.tmp,
                env=self.env(),
                timeout=SHELL_TIMEOUT,
            )
            if proc.returncode != 0 or " passed" not in proc.stdout:
                raise ExampleFailed(f"{block.where}: the test module failed under pytest\n{proc.stdout}{proc.stderr}")
            return
        old = Path.cwd()
        os.chdir(self.workdir)
        try:
            exec(compile(block.body, block.where, "exec"), self.namespace)
        except Exception as exc:
            raise ExampleFailed(f"{block.where}: the example raised {type(exc).__name__}: {exc}") from exc
        finally:
            os.chdir(old)

    def _sh(self, block: Block) -> None:
        script = "set -e -o pipefail\n" + self.namespace.get("prelude", "") + "\n" + block.body
        code, out = run_shell(script, self.workdir, self.env())
        if code != 0:
            raise ExampleFailed(f"{block.where}: the sh block exited {code}\n{out}")

    def _console(self, block: Block) -> None:
        steps = parse_console(block.body)
        lines = [self.namespace.get("prelude", ""), "__rc=0"]
        for i, (command, _) in enumerate(steps):
            lines.append(f"echo '{_MARK}{i}'; (exit $__rc); {command}\n__rc=$?")
        code, out = run_shell("\n".join(lines), self.workdir, self.env())
        parts = re.split(rf"^{_MARK}(\d+)\n?", out, flags=re.M)
        printed = {int(parts[i]): parts[i + 1].splitlines() for i in range(1, len(parts) - 1, 2)}
        if code == -1 or len(printed) != len(steps):
            raise ExampleFailed(f"{block.where}: the console block did not run to its end (exit {code})\n{out}")
        for i, (command, shown) in enumerate(steps):
            compare_output(block.where, command, shown, printed[i])


def run_page(path: Path, tmp: Path) -> None:
    """Every example of one page, in order, against one started FakeCloud; the first failure raises."""
    from aitasks.testing import FakeCloud, no_backoff

    workdir = tmp / "work"
    workdir.mkdir()
    with FakeCloud() as fake, no_backoff():
        page = Page(path, fake, workdir, tmp=tmp)
        env = page.env()
        saved = {k: os.environ.get(k) for k in {*os.environ, *env}}
        os.environ.clear()
        os.environ.update(env)
        try:
            for block in blocks(path):
                page.run(block)
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

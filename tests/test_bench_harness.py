"""The `make bench` harness runs end to end in smoke mode and writes a report with every contender's row.

No timing is asserted: the numbers of a smoke run mean nothing, only that every part of the harness works.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"

SEQUENTIAL_ROWS = [
    "raw `httpx.Client.post` (Gcore route)",
    "raw `httpx.Client.post` (ModelArts route)",
    "generated `post_ai_tasks_cancel.sync_detailed`",
    "`aitasks.Gcore.cancel`",
    "`aitasks.ModelArts.cancel` (token)",
    "`aitasks.ModelArts.cancel` (AK/SK)",
]
BULK_ROWS = [
    "raw `httpx.AsyncClient` + worker pool",
    "`aitasks.AsyncClient.cancel_many`",
    "`aitasks.AsyncGcore.cancel` + worker pool",
    "raw `httpx.AsyncClient(limits=Limits(N, N))` + worker pool",
    "`cancel_many`, `AsyncGcore(http_client=AsyncClient(limits=Limits(N, N)))`",
]
GCORE_ROWS = [
    "official `gcore` SDK `streaming.ai_tasks.cancel`",
    "official `gcore.AsyncGcore` + worker pool",
    "`gcore.AsyncGcore(http_client=DefaultAsyncHttpxClient(limits=Limits(N, N)))` + worker pool",
    "`import gcore`",
]
AIOHTTP_ROWS = [
    "raw `httpx_aiohttp.HttpxAiohttpClient` + worker pool",
    "`cancel_many`, `AsyncGcore(http_client=HttpxAiohttpClient())`",
]
OTHER_ROWS = [
    "`import httpx`",
    "`import aitasks`",
    "first `aitasks.Gcore(...)` (after `import aitasks`)",
    "`scripts/generate.py --output <tmpdir>` (both clients)",
]
TARGETS = [
    "sequential Gcore cancel >= 0.90x raw httpx",
    "sequential ModelArts AK/SK cancel >= 0.85x raw httpx",
    "async bulk at concurrency 50 >= 0.95x raw httpx.AsyncClient",
    "peak RSS for the bulk runs <= raw httpx + 15 MB",
    "`import aitasks` <= 1.30x `import httpx`",
]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """One smoke run of the harness: (the report it wrote, what it printed)."""
    output = tmp_path_factory.mktemp("bench") / "RESULTS.md"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--smoke", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return output.read_text(encoding="utf-8"), proc.stdout


def _rows(report: str) -> list[str]:
    return [line for line in report.splitlines() if line.startswith("| ")]


def test_smoke_report_has_a_row_for_every_contender(smoke: tuple[str, str]) -> None:
    """Every contender available in this environment has its row; the SDK rows appear when gcore is installed."""
    report, _ = smoke
    rows = _rows(report)
    expected = SEQUENTIAL_ROWS + BULK_ROWS + OTHER_ROWS
    if importlib.util.find_spec("gcore") is not None:
        expected += GCORE_ROWS
    if importlib.util.find_spec("httpx_aiohttp") is not None:
        expected += AIOHTTP_ROWS
        if importlib.util.find_spec("gcore") is not None:
            expected.append("`gcore.AsyncGcore(http_client=DefaultAioHttpClient())` + worker pool")
    # Bulk rows start with the concurrency, the others with the label.
    missing = [label for label in expected if not any(f"| {label} |" in row for row in rows)]
    assert not missing, missing
    # The sequential and CPU tables each have one row per sequential contender; bulk has one per level.
    for label in SEQUENTIAL_ROWS:
        assert sum(row.startswith(f"| {label} |") for row in rows) == 2, label
    assert sum(f"| {BULK_ROWS[1]} |" in row for row in rows) == 3


def test_smoke_prints_pass_or_miss_for_every_target(smoke: tuple[str, str]) -> None:
    """Each target line is printed as PASS or MISS and recorded in the report's target table."""
    report, printed = smoke
    for target in TARGETS:
        assert any(line.split("  ", 1)[0] in ("PASS", "MISS") and target in line for line in printed.splitlines())
        assert any(row.startswith(f"| {target}") for row in _rows(report)), target


def test_smoke_report_names_the_machine_and_versions(smoke: tuple[str, str]) -> None:
    """The report records the CPU, Python and the httpx and aitasks versions, and says it is a smoke run."""
    report, _ = smoke
    for key in ("CPU", "Python", "httpx", "aitasks", "gcore", "date"):
        assert f"| {key} |" in report
    assert "smoke run" in report


def _load_run() -> object:
    sys.path.insert(0, str(RUN.parent))  # run.py imports its sibling modules
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_run"] = module
    spec.loader.exec_module(module)
    return module


def test_readme_block_is_replaced_with_the_runs_targets(tmp_path: Path) -> None:
    """A full run rewrites only the README's bench block: its targets and sequential table, nothing around it."""
    run: object = _load_run()
    report = run.Report(machine={"date": "2026-11-21", "CPU": "Test CPU", "Python": "3.11", "httpx": "0.28.1"})  # type: ignore[attr-defined]
    report.target("sequential Gcore cancel >= 0.90x raw httpx", "0.925x", True)
    report.target("`import aitasks` <= 1.30x `import httpx`", "1.5x", False)
    report.sections.append("## Sequential cancels over loopback keep-alive\n\n| contender |\n|---|\n| raw |")
    readme = tmp_path / "README.md"
    readme.write_text("before\n<!-- bench:start -->\nold table\n<!-- bench:end -->\nafter\n", encoding="utf-8")
    assert run.update_readme(report, readme)  # type: ignore[attr-defined]
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("before\n<!-- bench:start -->\nRecorded 2026-11-21 on Test CPU")
    assert text.endswith("<!-- bench:end -->\nafter\n")
    assert "old table" not in text
    assert "| sequential Gcore cancel >= 0.90x raw httpx | 0.925x | PASS |" in text
    assert "| `import aitasks` <= 1.30x `import httpx` | 1.5x | MISS |" in text
    assert "### Sequential cancels over loopback keep-alive" in text
    unmarked = tmp_path / "OTHER.md"
    unmarked.write_text("no markers\n", encoding="utf-8")
    assert not run.update_readme(report, unmarked)  # type: ignore[attr-defined]
    assert unmarked.read_text(encoding="utf-8") == "no markers\n"

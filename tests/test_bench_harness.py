"""The `make bench` harness runs end to end in smoke mode and writes a report with every contender's row.

No timing is asserted: the numbers of a smoke run mean nothing, only that every part of the harness works.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
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
    tls = _bench_module("bench_tls")
    expected += [label for key, label in tls.LABELS.items() if tls.available(key)]
    # Bulk and TLS rows start with the concurrency, the others with the label.
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


def test_bench_block_is_replaced_with_the_runs_targets(tmp_path: Path) -> None:
    """A full run rewrites only the bench block of docs/benchmarks.md: its targets and sequential table."""
    run: object = _load_run()
    report = run.Report(machine={"date": "2026-11-21", "CPU": "Test CPU", "Python": "3.11", "httpx": "0.28.1"})  # type: ignore[attr-defined]
    report.target("sequential Gcore cancel >= 0.90x raw httpx", "0.925x", True)
    report.target("`import aitasks` <= 1.30x `import httpx`", "1.5x", False)
    report.sections.append("## Sequential cancels over loopback keep-alive\n\n| contender |\n|---|\n| raw |")
    report.page.append("### Bulk over TLS, concurrency 50, RTT 20 ms\n\n| contender |\n|---|\n| aitasks |")
    readme = tmp_path / "benchmarks.md"
    readme.write_text("before\n<!-- bench:start -->\nold table\n<!-- bench:end -->\nafter\n", encoding="utf-8")
    assert run.update_bench_page(report, readme)  # type: ignore[attr-defined]
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("before\n<!-- bench:start -->\nRecorded 2026-11-21 on Test CPU")
    assert text.endswith("<!-- bench:end -->\nafter\n")
    assert "old table" not in text
    assert "| sequential Gcore cancel >= 0.90x raw httpx | 0.925x | PASS |" in text
    assert "| `import aitasks` <= 1.30x `import httpx` | 1.5x | MISS |" in text
    assert "### Sequential cancels over loopback keep-alive" in text
    assert (
        text.index("### Sequential") < text.index("### Bulk over TLS, concurrency 50, RTT 20 ms") < text.index("after")
    )
    unmarked = tmp_path / "OTHER.md"
    unmarked.write_text("no markers\n", encoding="utf-8")
    assert not run.update_bench_page(report, unmarked)  # type: ignore[attr-defined]
    assert unmarked.read_text(encoding="utf-8") == "no markers\n"


# --- the TLS section: its server, its table, its targets ------------------------------------------------------


def _bench_module(name: str) -> Any:
    sys.path.insert(0, str(RUN.parent))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 (trustme): (CA PEM, server PEM)."""
    files: tuple[Path, Path] = _bench_module("bench_tls").make_certs(tmp_path_factory.mktemp("certs"))
    return files


def _timed_post(client: httpx.Client, base: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = client.post(f"{base}/streaming/ai/tasks/t/cancel")
    return time.perf_counter() - started, response


@pytest.mark.parametrize("http2", [False, True], ids=["http1.1", "h2"])
def test_tls_server_charges_a_new_connection_two_round_trips_and_counts_it(
    certs: tuple[Path, Path], http2: bool
) -> None:
    """The first answer on a connection waits 3 RTTs, the next ones 1; the server counts the one connection."""
    server = _bench_module("bench_server")
    ca_file, server_file = certs
    rtt = 0.1
    verify = ssl.create_default_context(cafile=str(ca_file))
    with server.running(cert=server_file, delay=rtt) as base, httpx.Client(verify=verify, http2=http2) as client:
        first, response = _timed_post(client, base)
        second, again = _timed_post(client, base)
        assert response.status_code == again.status_code == 202
        assert response.json() == {"result": "Task has been cancelled successfully."}
        assert response.http_version == ("HTTP/2" if http2 else "HTTP/1.1")
        assert first >= 3 * rtt
        assert rtt <= second < first
        stats = client.get(f"{base}/_stats").json()  # on the same connection, answered at once
        assert (stats["connections"], stats["h2_connections"], stats["requests"]) == (1, int(http2), 3)
        with httpx.Client(verify=verify, http2=http2) as other:
            elapsed, _ = _timed_post(other, base)
            assert elapsed >= 3 * rtt  # a second connection pays the handshakes again
        assert server.server_stats(base, verify)["connections"] == 3  # and the last stats call's own
        assert server.server_stats(base, verify)["cpu_s"] > 0


def test_tls_server_refuses_clients_that_do_not_trust_its_ca(certs: tuple[Path, Path]) -> None:
    """The bench never weakens certificate checks: without the CA, a client cannot connect."""
    server = _bench_module("bench_server")
    with server.running(cert=certs[1]) as base, pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.post(f"{base}/streaming/ai/tasks/t/cancel")


def test_delayed_answers_never_overtake_earlier_ones() -> None:
    """On one connection an undelayed answer (stats) still waits behind a delayed one, so pipelining stays ordered."""
    server = _bench_module("bench_server")
    written: list[str] = []

    async def run() -> float:
        loop = asyncio.get_running_loop()
        delayed = server._Delayed(server.Network(delay=0.05, connect_rtts=2), written.append)
        started = loop.time()
        delayed.send("cancel")
        delayed.send("stats", delay=False)
        delayed.send("cancel again")
        while len(written) < 3:
            await asyncio.sleep(0.01)
        return loop.time() - started

    elapsed = asyncio.run(run())
    assert written == ["cancel", "stats", "cancel again"]
    assert elapsed >= 0.15  # the connection's two handshake round trips and one answer's


def _run(rate_calls: int, elapsed: float, concurrency: int = 50, rtt_ms: int = 20, connections: int = 50) -> Any:
    tls = _bench_module("bench_tls")
    return tls.TLSRun(
        calls=rate_calls,
        concurrency=concurrency,
        rtt_ms=rtt_ms,
        elapsed=elapsed,
        cpu_s=0.5,
        connections=connections,
        h2_connections=0,
        server_cpu_s=0.1,
    )


def test_tls_run_figures() -> None:
    """% of ideal is N x RTT / c over the time taken; CPU per call and the server's busy share follow."""
    run = _run(2000, 1.0)
    assert run.ideal_pct == pytest.approx(80.0)  # ideal 2000 x 0.02 / 50 = 0.8 s
    assert run.rate == pytest.approx(2000)
    assert run.cpu_us_per_call == pytest.approx(250)
    assert run.server_busy_pct == pytest.approx(10)


def test_tls_targets_pass_and_miss_on_the_figures_the_issue_states() -> None:
    """Each TLS target is judged on its own point: a run at 80 % passes, one at 70 % misses, and so on."""
    tls = _bench_module("bench_tls")

    def judged(results: dict[tuple[str, int, int], Any]) -> dict[str, bool]:
        lines: dict[str, bool] = {}
        tls.check_targets(lambda line, measured, ok: lines.__setitem__(line, ok), results)
        return lines

    good = {
        ("aitasks", 50, 20): _run(2000, 1.0),  # 80 %
        ("gcore_sdk", 50, 20): _run(2000, 5.0),  # 5x slower
        ("gcore_sdk_aiohttp", 50, 20): _run(2000, 1.25),  # 1.25x slower
        ("aitasks", 50, 50): _run(2000, 2.2, rtt_ms=50),  # 91 %
        ("gcore_sdk", 50, 50): _run(2000, 7.0, rtt_ms=50),
        ("aitasks", 100, 20): _run(4000, 1.4, concurrency=100),  # 57 %
        ("httpx_aiohttp", 50, 20): _run(2000, 1.04),  # the transport alone: 0.96 of its time
        ("httpx_aiohttp", 100, 20): _run(4000, 1.3, concurrency=100),  # faster than aitasks by 1.08x
    }
    lines = judged(good)
    missed = [line for line, ok in lines.items() if not ok]
    assert len(lines) == 9 and missed == ["TLS c=100 RTT 20 ms: `cancel_many` >= 0.95x the transport alone (same run)"]
    lines = judged({**good, ("httpx_aiohttp", 100, 20): _run(4000, 1.35, concurrency=100)})  # 1.04x: within 0.95
    assert len(lines) == 9 and all(lines.values()), lines
    bad = {
        **good,
        ("aitasks", 50, 20): _run(2000, 1.15, connections=60),  # 70 %, 60 connections
        ("aitasks", 50, 50): _run(2000, 2.5, rtt_ms=50),  # 80 %
        ("aitasks", 100, 20): _run(4000, 1.8, concurrency=100),  # 44 %
        ("httpx_aiohttp", 100, 20): _run(4000, 1.35, concurrency=100),
    }
    lines = judged(bad)
    missed = sorted(line for line, ok in lines.items() if not ok)
    assert missed == [
        "TLS c=100 RTT 20 ms: `cancel_many` >= 0.95x the transport alone (same run)",
        "TLS c=100 RTT 20 ms: `cancel_many` >= 50 % of ideal",
        "TLS c=50 RTT 20 ms: `cancel_many` >= 0.95x the transport alone (same run)",
        "TLS c=50 RTT 20 ms: `cancel_many` >= 1.2x official AsyncGcore with DefaultAioHttpClient",
        "TLS c=50 RTT 20 ms: `cancel_many` >= 75 % of ideal",
        "TLS c=50 RTT 20 ms: `cancel_many` connections opened <= concurrency + 10 %",
        "TLS c=50 RTT 50 ms: `cancel_many` >= 85 % of ideal",
    ]
    assert judged({}) == {}


def test_the_docs_page_has_the_bench_block() -> None:
    """A full run has a block to rewrite: docs/benchmarks.md keeps both markers, in order."""
    run: object = _load_run()
    text = (Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    assert 0 <= text.find(run.BLOCK_START) < text.find(run.BLOCK_END)  # type: ignore[attr-defined]

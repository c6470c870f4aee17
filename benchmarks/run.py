"""`make bench`: aitasks against raw httpx, the generated client and the official `gcore` SDK, side by side.

Everything talks to a loopback server (bench_server.py, its own process) or to an httpx.MockTransport; nothing
leaves 127.0.0.1. The TLS section (bench_tls.py) plays the network users are on: TLS, round trips, handshakes.
Rounds alternate between contenders; medians are reported with ratios to raw httpx, each target line is printed
as PASS or MISS, and the tables are written to benchmarks/RESULTS.md.

    python benchmarks/run.py                        # the full run (about 6 minutes on 2 cores)
    python benchmarks/run.py --quick --only tls     # a short TLS run while developing (numbers are rough)
    python benchmarks/run.py --only tls --grid 50x20 --contenders aitasks,gcore_sdk_aiohttp
    python benchmarks/run.py --smoke                # a few calls of everything, to prove the harness works
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bench_sync
import bench_tls
from bench_server import running, server_stats
from bench_sync import CONTENDERS, Samples

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
SECTIONS = ("sequential", "cpu", "bulk", "tls", "imports", "generate")
BULK_LEVELS = (1, 10, 50)
BULK_CORE = ("httpx", "aitasks", "aitasks_pool", "gcore_sdk")
# At the highest level only: the same three with keep-alive for every connection, then the aiohttp transport.
BULK_POOL_STUDY = (
    "httpx_limits",
    "aitasks_limits",
    "gcore_sdk_limits",
    "httpx_aiohttp",
    "aitasks_aiohttp",
    "gcore_sdk_aiohttp",
)
BULK_LABELS = {
    "httpx": "raw `httpx.AsyncClient` + worker pool",
    "aitasks": "`aitasks.AsyncClient.cancel_many`",
    "aitasks_pool": "`aitasks.AsyncGcore.cancel` + worker pool",
    "gcore_sdk": "official `gcore.AsyncGcore` + worker pool",
    "httpx_limits": "raw `httpx.AsyncClient(limits=Limits(N, N))` + worker pool",
    "aitasks_limits": "`cancel_many`, `AsyncGcore(http_client=AsyncClient(limits=Limits(N, N)))`",
    "gcore_sdk_limits": "`gcore.AsyncGcore(http_client=DefaultAsyncHttpxClient(limits=Limits(N, N)))` + worker pool",
    "httpx_aiohttp": "raw `httpx_aiohttp.HttpxAiohttpClient` + worker pool",
    "aitasks_aiohttp": "`cancel_many`, `AsyncGcore(http_client=HttpxAiohttpClient())`",
    "gcore_sdk_aiohttp": "`gcore.AsyncGcore(http_client=DefaultAioHttpClient())` + worker pool",
}
_NO_CLI = "import sys\nsys.modules['click'] = sys.modules['rich'] = None\n"
# Import-time snippets, each run in a fresh interpreter; they print the seconds measured inside.
IMPORTS = {
    "import httpx": ("import httpx", "", False),
    # httpx imports its CLI (click, rich) when they are installed, as they are in the dev environment;
    # a bare application environment usually lacks them, which this row simulates.
    "import httpx (no click/rich)": (_NO_CLI + "import httpx", "", False),
    "import aitasks": ("import aitasks", "", False),
    "import gcore": ("import gcore", "", True),
    "first `aitasks.Gcore(...)` (after `import aitasks`)": (
        "import aitasks",
        "aitasks.Gcore('k' * 24, base_url='http://127.0.0.1:9')",
        False,
    ),
    "first `gcore.Gcore(...)` (after `import gcore`)": (
        "import gcore",
        "gcore.Gcore(api_key='k' * 24, base_url='http://127.0.0.1:9')",
        True,
    ),
}


@dataclass(frozen=True)
class Settings:
    smoke: bool
    quick: bool
    rounds: int
    calls: int
    warmup: int
    bulk_count: int
    study_count: int
    import_rounds: int
    output: Path
    tls_grid: tuple[tuple[int, int], ...] = bench_tls.GRID
    tls_rounds_per_connection: int = bench_tls.ROUNDS_PER_CONNECTION
    tls_rounds: int = 3
    tls_contenders: tuple[str, ...] = tuple(bench_tls.CONTENDERS)
    tls_study: tuple[str, ...] = tuple(bench_tls.STUDY)


@dataclass
class Report:
    machine: dict[str, str] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)
    targets: list[tuple[str, str, bool]] = field(default_factory=list)
    page: list[str] = field(
        default_factory=list
    )  # tables for docs/benchmarks.md's bench block, after the sequential one

    def target(self, line: str, measured: str, ok: bool) -> None:
        self.targets.append((line, measured, ok))
        print(f"{'PASS' if ok else 'MISS'}  {line}: {measured}", flush=True)


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def percentile(values: Sequence[int], q: float) -> float:
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, int(q * len(ordered)))])


def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "CPU": f"{cpu}, {os.cpu_count()} cores",
        "Python": platform.python_version(),
        "httpx": version("httpx"),
        "httpcore": version("httpcore"),
        "aitasks": version("aitasks"),
        "gcore": version("gcore"),
        "httpx-aiohttp": version("httpx-aiohttp"),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def ratio(value: float, baseline: float, digits: int = 2) -> str:
    return f"{value / baseline:.{digits}f}x" if baseline else "-"


# ---------------------------------------------------------------------------------------------- sequential


def sequential_contenders() -> list[bench_sync.Contender]:
    return [c for c in CONTENDERS if not c.needs_gcore or bench_sync.gcore_sdk_available()]


def baseline_key(key: str) -> str:
    """Raw httpx on the same route: ModelArts rows compare with the ModelArts route."""
    return "httpx_ma" if key.startswith(("aitasks_ma", "httpx_ma")) else "httpx"


def paired(samples: dict[str, Samples], key: str, other: str) -> float:
    """Median over rounds of key's rate / other's rate in the same round: drift between rounds cancels out."""
    return statistics.median(a / b for a, b in zip(samples[key].rates, samples[other].rates, strict=True))


def run_sequential(settings: Settings, base: str, report: Report) -> dict[str, Samples]:
    contenders = sequential_contenders()
    log(f"sequential: {len(contenders)} contenders x {settings.rounds} rounds x {settings.calls} calls (loopback)")
    built = bench_sync.build_all(contenders, base, None)
    try:
        samples = bench_sync.run_rounds(built, settings.rounds, settings.calls, settings.warmup)
    finally:
        for b in built.values():
            b.close()
    rates = {key: statistics.median(s.rates) for key, s in samples.items()}
    rows = []
    for c in contenders:
        s = samples[c.key]
        rows.append(
            [
                c.label,
                f"{rates[c.key]:,.0f}",
                f"{percentile(s.latencies_ns, 0.50) / 1e3:.0f}",
                f"{percentile(s.latencies_ns, 0.99) / 1e3:.0f}",
                f"{paired(samples, c.key, baseline_key(c.key)):.2f}x",
                f"{paired(samples, c.key, 'gcore_sdk'):.2f}x" if "gcore_sdk" in samples else "-",
            ]
        )
    report.sections.append(
        f"## Sequential cancels over loopback keep-alive\n\n"
        f"{settings.rounds} alternating rounds of {settings.calls} calls per contender (order rotated each round) "
        f"after {settings.warmup} warm-up calls; calls/s is the median of the rounds' rates, latencies are over "
        f"every call, ratios are the median of the per-round ratios. ModelArts rows compare with raw httpx on "
        f"the ModelArts route.\n\n"
        + table(["contender", "calls/s", "p50 µs", "p99 µs", "vs raw httpx", "vs gcore SDK"], rows)
    )
    return samples


def run_cpu(settings: Settings, report: Report) -> dict[str, float]:
    contenders = sequential_contenders()
    calls = settings.calls
    log(f"client CPU: {len(contenders)} contenders x {settings.rounds} rounds x {calls} calls (MockTransport)")
    built = bench_sync.build_all(contenders, "http://bench.invalid", bench_sync.mock_transport)
    samples: dict[str, Samples] = bench_sync.run_rounds(built, settings.rounds, calls, settings.warmup)
    per_call = {key: 1e6 / statistics.median(s.rates) for key, s in samples.items()}
    rows = []
    for c in contenders:
        raw = per_call[baseline_key(c.key)]
        rows.append(
            [
                c.label,
                f"{per_call[c.key]:.1f}",
                f"{per_call[c.key] - raw:+.1f}",
                ratio(raw, per_call[c.key]),
            ]
        )
    report.sections.append(
        "## Client-side CPU per call (httpx.MockTransport, no network)\n\n"
        "The same calls answered in-process by a MockTransport: what remains is each client's own work.\n\n"
        + table(["contender", "µs per call", "µs over raw httpx", "speed vs raw httpx"], rows)
    )
    return per_call


# ---------------------------------------------------------------------------------------------- async bulk


@dataclass
class BulkRun:
    rate: float
    rss_mb: float
    connections: int


def variant(key: str) -> str:
    """Bulk rows compare with raw httpx and AsyncGcore on the same pool set-up: "", "_limits" or "_aiohttp"."""
    return next((suffix for suffix in ("_limits", "_aiohttp") if key.endswith(suffix)), "")


def bulk_contenders(level: int) -> list[str]:
    """The core rows at every level (the worker-pool facade row from 10 up), the pool study at the top level."""
    keys = [k for k in BULK_CORE if k != "aitasks_pool" or level >= 10]
    keys += list(BULK_POOL_STUDY) if level == BULK_LEVELS[-1] else []
    return [
        k
        for k in keys
        if (not k.startswith("gcore_sdk") or has("gcore")) and (not k.endswith("aiohttp") or has("httpx_aiohttp"))
    ]


def run_bulk_once(key: str, concurrency: int, count: int, base: str) -> BulkRun:
    before = server_stats(base)["connections"]  # each stats call opens a connection of its own
    proc = subprocess.run(
        [PYTHON, str(HERE / "bench_bulk.py"), key, str(concurrency), str(count), base],
        capture_output=True,
        text=True,
        cwd=HERE,
        timeout=600,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bulk run {key} c={concurrency} failed:\n{proc.stdout}\n{proc.stderr}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    opened = int(server_stats(base)["connections"] - before) - 1
    return BulkRun(count / result["elapsed"], result["rss_peak_kb"] / 1024, opened)


def run_bulk(settings: Settings, base: str, report: Report) -> dict[tuple[str, int], BulkRun]:
    results: dict[tuple[str, int], BulkRun] = {}
    for n, level in enumerate(BULK_LEVELS):
        keys = bulk_contenders(level)
        keys = keys[n % len(keys) :] + keys[: n % len(keys)]  # rotate who goes first at each level
        for key in keys:
            count = settings.study_count if key in BULK_POOL_STUDY else settings.bulk_count
            log(f"async bulk: {key} x {count} at concurrency {level}")
            results[(key, level)] = run_bulk_once(key, level, count, base)
    rows = []
    for level in BULK_LEVELS:
        for key in bulk_contenders(level):
            r = results[(key, level)]
            suffix = variant(key)
            raw = results[("httpx" + suffix, level)]
            sdk = results.get(("gcore_sdk" + suffix, level))
            rows.append(
                [
                    str(level),
                    BULK_LABELS[key],
                    f"{r.rate:,.0f}",
                    ratio(r.rate, results[("httpx", level)].rate),
                    ratio(r.rate, raw.rate),
                    ratio(r.rate, sdk.rate) if sdk else "-",
                    f"{r.rss_mb:.1f}",
                    f"{r.rss_mb - raw.rss_mb:+.1f}",
                    f"{r.connections:,}",
                ]
            )
    report.sections.append(
        f"## Async bulk: {settings.bulk_count:,} cancels per run\n\n"
        f"The pool-study rows (`Limits(N, N)`, aiohttp) run {settings.study_count:,} cancels each, to keep "
        "`make bench` within its time budget. "
        "Each run is its own process (peak RSS is VmHWM of that process, imports included); the order of "
        "contenders rotates at each level. `Limits(N, N)` is keep-alive for all N connections (no churn); with "
        "httpx's default (20 kept alive) a run at concurrency 50 may fall into closing and reopening connections, "
        "which the last column shows. *Rows with `Limits(N, N)` or the aiohttp transport compare with the raw httpx "
        "and AsyncGcore rows set up the same way. The pool-study rows (highest level only) show whether pool "
        "limits or the aiohttp transport for httpx lift httpx's own pool.\n\n"
        + table(
            [
                "concurrency",
                "contender",
                "calls/s",
                "vs default raw httpx",
                "vs raw httpx*",
                "vs AsyncGcore*",
                "peak RSS MB",
                "RSS vs raw* MB",
                "connections opened",
            ],
            rows,
        )
    )
    return results


# ---------------------------------------------------------------------------------------------- TLS


def run_tls(settings: Settings, report: Report) -> dict[tuple[str, int, int], bench_tls.TLSRun]:
    results = bench_tls.ordered(
        bench_tls.run_section(
            settings.tls_grid,
            settings.tls_rounds_per_connection,
            settings.tls_rounds,
            settings.tls_contenders,
            settings.tls_study,
            log,
        )
    )
    points = ", ".join(f"c={c} at {rtt} ms" for c, rtt in settings.tls_grid)
    per_connection = settings.tls_rounds_per_connection
    report.sections.append(
        "## Bulk cancels over TLS with round trips (where users are)\n\n"
        "Each row is one run in its own process (at the points the targets name, the run with the median rate "
        f"of {settings.tls_rounds}, in rotated order): {settings.tls_rounds_per_connection} x concurrency cancels "
        "against `bench_server.py --cert` (TLS with a throwaway trustme CA that the clients trust through "
        "`SSL_CERT_FILE`; HTTP/1.1 or HTTP/2 by ALPN), which answers after one RTT and charges a new "
        "connection two RTTs more (TCP + TLS handshakes). % of ideal is (N x RTT / c) over the time taken; a "
        f"perfect client reaches {100 * per_connection / (per_connection + 2):.0f} % "
        "(its first call on each connection pays the handshakes). Connections opened are counted by the server; "
        "client CPU is the process's user + system time; server CPU is the server's busy share of the run "
        "(under 100 % means it was not the bottleneck). The CLI rows are the process's wall time less its "
        "start-up (measured with an empty ref file), client CPU includes the start-up. "
        f"Grid: {points}, pruned from 10/50/100 x 0/20/50 ms to keep `make bench` under 8 minutes: every "
        "concurrency at 20 ms and every RTT at concurrency 50, and off the headline the two contenders on httpx's "
        "default pool (raw httpx, aitasks without the extra) only at concurrency 10 (above 20 in flight they open a "
        "connection per call at any RTT, as the headline and the SDK's default rows show). The last rows of the "
        "headline are the transports aitasks could have picked instead, the transport alone, and the sync path.\n\n"
        + table(bench_tls.HEADER, bench_tls.table_rows(results))
        + "\n\n"
        + bench_tls.server_ceiling(results)
    )
    c, rtt = settings.tls_grid[0]
    headline = {key: run for key, run in results.items() if key[1:] == (c, rtt)}
    if headline:
        report.page.append(
            f"### Bulk over TLS, concurrency {c}, RTT {rtt} ms\n\n"
            + table(bench_tls.HEADER[2:], [row[2:] for row in bench_tls.table_rows(headline)])
        )
    return results


# ---------------------------------------------------------------------------------------------- imports


def time_snippet(setup: str, measured: str) -> float:
    if measured:
        code = f"{setup}\nimport time\nt = time.perf_counter()\n{measured}\nprint(time.perf_counter() - t)"
    else:
        code = f"import time\nt = time.perf_counter()\n{setup}\nprint(time.perf_counter() - t)"
    proc = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return float(proc.stdout.strip())


def run_imports(settings: Settings, report: Report) -> dict[str, float]:
    names = [name for name, (_, _, needs_gcore) in IMPORTS.items() if not needs_gcore or has("gcore")]
    log(f"imports: {len(names)} snippets x {settings.import_rounds} fresh interpreters each")
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(settings.import_rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            setup, measured, _ = IMPORTS[name]
            times[name].append(time_snippet(setup, measured))
    medians = {name: statistics.median(values) * 1000 for name, values in times.items()}
    rows = [
        [
            f"`{name}`" if name.startswith("import") else name,
            f"{ms:.1f}",
            ratio(ms, medians["import httpx"]),
            ratio(ms, medians["import httpx (no click/rich)"]),
        ]
        for name, ms in medians.items()
    ]
    report.sections.append(
        f"## Import and first construction\n\nMedian of {settings.import_rounds} fresh interpreters each, "
        "alternating; the time is measured inside the interpreter (startup excluded).\n\n"
        + table(["what", "median ms", "vs `import httpx`", "vs httpx without click/rich"], rows)
    )
    return medians


def run_generate(report: Report) -> float:
    log("make generate: scripts/generate.py --output <tmpdir>")
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        subprocess.run(
            [PYTHON, str(ROOT / "scripts" / "generate.py"), "--output", str(Path(tmp) / "generated")],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        elapsed = time.perf_counter() - started
    report.sections.append(
        "## `make generate`\n\n"
        + table(["what", "wall time s"], [["`scripts/generate.py --output <tmpdir>` (both clients)", f"{elapsed:.2f}"]])
    )
    return elapsed


# ---------------------------------------------------------------------------------------------- targets


def check_targets(
    report: Report,
    seq: dict[str, Samples],
    bulk: dict[tuple[str, int], BulkRun],
    imports: dict[str, float],
    tls: dict[tuple[str, int, int], bench_tls.TLSRun] | None = None,
) -> None:
    def seq_line(key: str, label: str, floor: float) -> None:
        value = paired(seq, key, baseline_key(key))
        report.target(f"sequential {label} >= {floor:.2f}x raw httpx", f"{value:.3f}x", value >= floor)

    if seq:
        seq_line("aitasks_gcore", "Gcore cancel", 0.90)
        seq_line("aitasks_ma_aksk", "ModelArts AK/SK cancel", 0.85)
    if "gcore_sdk" in seq:
        for key, label in (("aitasks_gcore", "Gcore cancel"), ("aitasks_ma_aksk", "ModelArts AK/SK cancel")):
            value = paired(seq, key, "gcore_sdk")
            report.target(f"sequential {label} >= 1.40x official gcore SDK", f"{value:.3f}x", value >= 1.4)
    if bulk:
        check_bulk_targets(report, bulk)
    if tls:
        bench_tls.check_targets(report.target, tls)
    if imports:
        # Judged against the faster of the two httpx rows (httpx without its optional CLI): the stricter baseline.
        httpx_ms = min(imports["import httpx"], imports["import httpx (no click/rich)"])
        report.target(
            "`import aitasks` <= 1.30x `import httpx` (the faster httpx row)",
            ratio(imports["import aitasks"], httpx_ms, 3),
            imports["import aitasks"] <= 1.3 * httpx_ms,
        )


def check_bulk_targets(report: Report, bulk: dict[tuple[str, int], BulkRun]) -> None:
    top = BULK_LEVELS[-1]
    ours, raw = bulk[("aitasks", top)], bulk[("httpx", top)]
    report.target(
        f"async bulk at concurrency {top} >= 0.95x raw httpx.AsyncClient",
        ratio(ours.rate, raw.rate, 3),
        ours.rate >= 0.95 * raw.rate,
    )
    sdk_run = bulk.get(("gcore_sdk", top))
    if sdk_run is not None:
        report.target(
            f"async bulk at concurrency {top} >= 1.20x AsyncGcore",
            ratio(ours.rate, sdk_run.rate, 3),
            ours.rate >= 1.2 * sdk_run.rate,
        )
    for suffix, setup in (("_limits", "all with Limits(N, N)"), ("_aiohttp", "all on the aiohttp transport")):
        mine, raw_same, sdk_same = (bulk.get((key + suffix, top)) for key in ("aitasks", "httpx", "gcore_sdk"))
        if mine is not None and raw_same is not None:
            report.target(
                f"({setup}) async bulk at concurrency {top} >= 0.95x raw httpx.AsyncClient",
                ratio(mine.rate, raw_same.rate, 3),
                mine.rate >= 0.95 * raw_same.rate,
            )
        if mine is not None and sdk_same is not None:
            report.target(
                f"({setup}) async bulk at concurrency {top} >= 1.20x AsyncGcore",
                ratio(mine.rate, sdk_same.rate, 3),
                mine.rate >= 1.2 * sdk_same.rate,
            )
    worst = max(bulk[("aitasks", level)].rss_mb - bulk[("httpx", level)].rss_mb for level in BULK_LEVELS)
    report.target("peak RSS for the bulk runs <= raw httpx + 15 MB (worst level)", f"{worst:+.1f} MB", worst <= 15)


def write(report: Report, settings: Settings, elapsed: float) -> None:
    machine_rows = [[key, value] for key, value in report.machine.items()]
    target_rows = [[line, measured, "PASS" if ok else "MISS"] for line, measured, ok in report.targets]
    mode = (
        "smoke run (a few calls each; numbers mean nothing)"
        if settings.smoke
        else "quick run (fewer calls; rough numbers)"
        if settings.quick
        else "full run"
    )
    text = (
        "# Benchmark results\n\n"
        f"Written by `make bench` (`benchmarks/run.py`), {mode}, in {elapsed:.0f} s. All traffic is loopback "
        "(127.0.0.1) to `benchmarks/bench_server.py`, a minimal asyncio keep-alive server in its own "
        'process answering 202 `{"result": ...}` (Gcore) and 204 (ModelArts): plain HTTP/1.1 with no delay for '
        "the loopback sections, TLS with round trips for the TLS section.\n\n"
        + table(["machine", ""], machine_rows)
        + "\n\n## Targets\n\n"
        + table(["target", "measured", "result"], target_rows)
        + "\n\n"
        + "\n\n".join(report.sections)
        + "\n"
    )
    settings.output.parent.mkdir(parents=True, exist_ok=True)
    settings.output.write_text(text, encoding="utf-8")


BLOCK_START, BLOCK_END = "<!-- bench:start -->", "<!-- bench:end -->"


def update_bench_page(report: Report, page: Path) -> bool:
    """Put this run's targets and sequential table into the page's bench block, so the docs never drift."""
    text = page.read_text(encoding="utf-8")
    if BLOCK_START not in text or BLOCK_END not in text:
        return False
    when, machine = report.machine.get("date", "?"), report.machine.get("CPU", "?")
    sequential = next((s for s in report.sections if s.startswith("## Sequential")), "")
    block = (
        f"{BLOCK_START}\nRecorded {when} on {machine}, Python {report.machine.get('Python', '?')}, "
        f"httpx {report.machine.get('httpx', '?')} (every table: `benchmarks/RESULTS.md` in the repository):\n\n"
        + table(["target", "measured", "result"], [[t, m, "PASS" if ok else "MISS"] for t, m, ok in report.targets])
        + ("\n\n" + sequential.replace("## ", "### ", 1) if sequential else "")
        + "".join("\n\n" + extra for extra in report.page)
        + f"\n{BLOCK_END}"
    )
    head, rest = text.split(BLOCK_START, 1)
    tail = rest.split(BLOCK_END, 1)[1]
    page.write_text(head + block + tail, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="a few calls of everything (for the test suite)")
    parser.add_argument("--quick", action="store_true", help="fewer calls everywhere, for development (rough numbers)")
    parser.add_argument(
        "--grid",
        default=None,
        help="TLS points as CONCURRENCYxRTT_MS, comma-separated (default: "
        + ",".join(f"{c}x{rtt}" for c, rtt in bench_tls.GRID)
        + ")",
    )
    parser.add_argument(
        "--contenders", default=None, help=f"TLS contenders, comma-separated, of {list(bench_tls.LABELS)}"
    )
    parser.add_argument(
        "--tls-rounds", type=int, default=None, help="runs per row at the TLS target points (the median is shown)"
    )
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--calls", type=int, default=None, help="calls per contender per round")
    parser.add_argument("--bulk-count", type=int, default=None)
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated sections to run (default: all of {SECTIONS})"
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    if not only <= set(SECTIONS):
        parser.error(f"--only takes sections among {', '.join(SECTIONS)}")
    smoke, quick = args.smoke, args.quick
    short = smoke or quick
    grid: tuple[tuple[int, int], ...] = bench_tls.GRID
    if args.grid:
        try:
            grid = tuple((int(c), int(rtt)) for c, rtt in (point.split("x") for point in args.grid.split(",")))
        except ValueError:
            parser.error("--grid takes points like 50x20,10x20")
    contenders, study = tuple(bench_tls.CONTENDERS), tuple(bench_tls.STUDY)
    if args.contenders:
        chosen = args.contenders.split(",")
        if not set(chosen) <= set(bench_tls.LABELS):
            parser.error(f"--contenders takes names among {', '.join(bench_tls.LABELS)}")
        contenders = tuple(k for k in chosen if k in bench_tls.CONTENDERS)
        study = tuple(k for k in chosen if k in bench_tls.STUDY)
    settings = Settings(
        smoke=smoke,
        quick=quick,
        rounds=args.rounds or (2 if smoke else 5 if quick else 15),
        calls=args.calls or (10 if smoke else 100 if quick else 200),
        warmup=5 if short else 100,
        bulk_count=args.bulk_count or (40 if smoke else 2_000 if quick else 5_000),
        study_count=args.bulk_count or (40 if smoke else 1_000 if quick else 3_000),
        import_rounds=1 if smoke else 3 if quick else 9,
        output=args.output,
        # Smoke: one small point, every contender. Quick: the whole grid with 10 calls per connection.
        tls_grid=((4, 5),) if smoke and not args.grid else grid,
        tls_rounds_per_connection=2 if smoke else 10 if quick else bench_tls.ROUNDS_PER_CONNECTION,
        tls_rounds=args.tls_rounds or (1 if short else 3),
        tls_contenders=contenders,
        tls_study=study,
    )
    started = time.perf_counter()
    report = Report(machine=machine())
    seq: dict[str, Samples] = {}
    bulk: dict[tuple[str, int], BulkRun] = {}
    imports: dict[str, float] = {}
    tls: dict[tuple[str, int, int], bench_tls.TLSRun] = {}
    with running() as base:
        if "sequential" in only:
            seq = run_sequential(settings, base, report)
        if "cpu" in only:
            run_cpu(settings, report)
        if "bulk" in only:
            bulk = run_bulk(settings, base, report)
    if "tls" in only:
        tls = run_tls(settings, report)
    if "imports" in only:
        imports = run_imports(settings, report)
    if "generate" in only:
        run_generate(report)
    check_targets(report, seq, bulk, imports, tls)
    elapsed = time.perf_counter() - started
    write(report, settings, elapsed)
    log(f"wrote {settings.output} in {elapsed:.0f} s")
    full = not short and only == set(SECTIONS) and settings.output == HERE / "RESULTS.md"
    if full and update_bench_page(report, ROOT / "docs" / "benchmarks.md"):
        log("updated the bench block of docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The TLS section of `make bench`: bulk cancels as users make them, over TLS with real round trips.

A throwaway CA and a certificate for 127.0.0.1 are made at run time (trustme). bench_server.py serves TLS in its
own process, HTTP/1.1 or HTTP/2 as ALPN decides, answers each request after one round trip (the RTT) and a new
connection's first request after two more (TCP and TLS handshakes), and counts connections. Every client trusts
the CA through SSL_CERT_FILE, as a deployment with a private CA would: certificate checks stay on everywhere.

Each run is its own process (bench_bulk.py, or the `aitasks cancel` CLI); a run makes ROUNDS_PER_CONNECTION x
concurrency calls, so a perfect client loses 2 of every ROUNDS_PER_CONNECTION + 2 round trips to handshakes.
"""

from __future__ import annotations

import json
import os
import resource
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench_server import running, server_stats

__all__ = [
    "CONTENDERS",
    "GRID",
    "HEADLINE",
    "STUDY",
    "TLSRun",
    "check_targets",
    "make_certs",
    "run_section",
]

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
GCORE_KEY = "bench-gcore-api-key-0123456789"
ROUNDS_PER_CONNECTION = 40

# (concurrency, RTT ms), pruned from the 3 x 3 grid to keep `make bench` under 8 minutes: every concurrency at
# 20 ms, every RTT at concurrency 50 (the points the targets name, and the two axes through them).
HEADLINE = (50, 20)
GRID = (HEADLINE, (10, 20), (100, 20), (50, 50), (50, 0))
TARGET_POINTS = (HEADLINE, (100, 20), (50, 50))  # where the targets are judged: these rows are medians of runs

CONTENDERS = {
    "aitasks": "`aitasks.AsyncClient.cancel_many`, defaults",
    "cli": "`aitasks cancel --from FILE --concurrency N`, defaults",
    "aitasks_noextra": "`cancel_many` without the `aiohttp` extra (httpx's own pool)",
    "gcore_sdk": "official `gcore.AsyncGcore`, defaults",
    "gcore_sdk_aiohttp": "official `gcore.AsyncGcore(http_client=DefaultAioHttpClient())`",
    "httpx": "raw `httpx.AsyncClient`, defaults",
    "httpx_http2": "raw `httpx.AsyncClient(http2=True)`",
}
# At the headline point only: the other transports aitasks could have picked, and the sync bulk path.
STUDY = {
    "aitasks_http2": "`cancel_many` on `httpx.AsyncClient(http2=True)`",
    "httpx_limits": "raw `httpx.AsyncClient(limits=Limits(N, N))`",
    "aitasks_sync": "`aitasks.Client.cancel_many` (threads), defaults",
    "httpx_aiohttp": "raw `httpx_aiohttp.HttpxAiohttpClient` (the transport alone)",
}
LABELS = {**CONTENDERS, **STUDY}
TRANSPORT = "httpx_aiohttp"  # what `cancel_many` sends through: its rate is the ceiling the machine allows
HTTPX_POOL = ("aitasks_noextra", "httpx")  # on httpx's default pool: 20 connections kept alive


@dataclass(frozen=True)
class TLSRun:
    """One run of one contender: its wall time and CPU, and what the server saw meanwhile."""

    calls: int
    concurrency: int
    rtt_ms: int
    elapsed: float
    cpu_s: float
    connections: int
    h2_connections: int
    server_cpu_s: float

    @property
    def rate(self) -> float:
        return self.calls / self.elapsed

    @property
    def ideal_pct(self) -> float:
        """Ideal time (N x RTT / c) over the time taken; at RTT 0 there is no ideal."""
        return 100 * self.calls * self.rtt_ms / 1000 / self.concurrency / self.elapsed

    @property
    def cpu_us_per_call(self) -> float:
        return 1e6 * self.cpu_s / self.calls

    @property
    def server_busy_pct(self) -> float:
        return 100 * self.server_cpu_s / self.elapsed


def make_certs(directory: Path) -> tuple[Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost: (CA PEM, server key + chain PEM)."""
    import trustme

    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    ca_file, server_file = directory / "ca.pem", directory / "server.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    server.private_key_and_cert_chain_pem.write_to_path(str(server_file))
    return ca_file, server_file


def _median_run(runs: Sequence[TLSRun]) -> TLSRun:
    """The run with the median rate (its own connections and CPU, so each row stays one real run)."""
    return sorted(runs, key=lambda r: r.rate)[len(runs) // 2]


class _Runner:
    """Runs contenders against one server, with the CA trusted through SSL_CERT_FILE."""

    def __init__(self, base: str, ca_file: Path, work: Path, rtt_ms: int) -> None:
        self.base, self.rtt_ms, self.work = base, rtt_ms, work
        self.verify = ssl.create_default_context(cafile=str(ca_file))
        self.env = {**os.environ, "SSL_CERT_FILE": str(ca_file), "GCORE_API_KEY": GCORE_KEY, "GCORE_BASE_URL": base}
        for name in ("SSL_CERT_DIR", "MODELARTS_ENDPOINT", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            self.env.pop(name, None)
        self.cli_startup: float | None = None

    def run(self, key: str, concurrency: int, calls: int) -> TLSRun:
        before = server_stats(self.base, self.verify)
        if key == "cli":
            elapsed, cpu = self._cli(concurrency, calls)
        else:
            elapsed, cpu = self._bulk(key, concurrency, calls)
        after = server_stats(self.base, self.verify)
        return TLSRun(
            calls=calls,
            concurrency=concurrency,
            rtt_ms=self.rtt_ms,
            elapsed=elapsed,
            cpu_s=cpu,
            connections=int(after["connections"] - before["connections"]) - 1,  # less the second stats call's
            h2_connections=int(after["h2_connections"] - before["h2_connections"]),
            server_cpu_s=after["cpu_s"] - before["cpu_s"],
        )

    def _bulk(self, key: str, concurrency: int, calls: int) -> tuple[float, float]:
        proc = subprocess.run(
            [PYTHON, str(HERE / "bench_bulk.py"), key, str(concurrency), str(calls), self.base],
            capture_output=True,
            text=True,
            cwd=HERE,
            env=self.env,
            timeout=600,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"TLS run {key} c={concurrency} failed:\n{proc.stdout}\n{proc.stderr}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        return result["elapsed"], result["cpu_s"]

    def _cli_once(self, refs: Path, concurrency: int) -> tuple[float, float]:
        """Wall and CPU seconds of one `aitasks cancel` process."""
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(
            [PYTHON, "-m", "aitasks", "cancel", "--from", str(refs), "--concurrency", str(concurrency)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            timeout=600,
        )
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise RuntimeError(f"aitasks cancel exited {proc.returncode}:\n{proc.stderr[-2000:]}")
        return elapsed, after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime

    def _cli(self, concurrency: int, calls: int) -> tuple[float, float]:
        """The CLI's run less its own start-up (interpreter, imports, configuration; measured with no refs)."""
        if self.cli_startup is None:
            empty = self.work / "no-refs.txt"
            empty.write_text("", encoding="ascii")
            self.cli_startup = statistics.median(self._cli_once(empty, concurrency)[0] for _ in range(3))
        refs = self.work / f"refs-{calls}.txt"
        if not refs.exists():
            refs.write_text("".join(f"gcore:task-{n:06d}\n" for n in range(calls)), encoding="ascii")
        elapsed, cpu = self._cli_once(refs, concurrency)
        return max(elapsed - self.cli_startup, 1e-3), cpu


def available(key: str) -> bool:
    """Whether this environment has what a contender needs (the bench extra has all of it)."""
    import importlib.util

    needs = {
        "gcore_sdk": "gcore",
        "gcore_sdk_aiohttp": "gcore",
        "httpx_http2": "h2",
        "aitasks_http2": "h2",
        "httpx_aiohttp": "httpx_aiohttp",
    }
    module = needs.get(key)
    ok = module is None or importlib.util.find_spec(module) is not None
    return ok and (key != "gcore_sdk_aiohttp" or importlib.util.find_spec("httpx_aiohttp") is not None)


@contextmanager
def _certs() -> Iterator[tuple[Path, Path, Path]]:
    with tempfile.TemporaryDirectory(prefix="aitasks-bench-") as tmp:
        work = Path(tmp)
        ca_file, server_file = make_certs(work)
        yield ca_file, server_file, work


def point_contenders(n: int, point: tuple[int, int], contenders: Sequence[str], study: Sequence[str]) -> list[str]:
    """Who runs at the n-th grid point: everyone at the first (the headline) with the study; elsewhere the two
    contenders on httpx's default pool (raw httpx, aitasks without the extra) only below 20 in flight, since above
    it they open a connection per call at every RTT (the headline shows it; the SDK's defaults row still does),
    and at every target point the transport alone, the ceiling of `cancel_many` on that machine."""
    keys = [k for k in contenders if available(k)]
    if n == 0:
        return keys + [k for k in study if available(k)]
    ceiling = [TRANSPORT] if point in TARGET_POINTS and TRANSPORT in study and available(TRANSPORT) else []
    return [k for k in keys if point[0] <= 20 or k not in HTTPX_POOL] + ceiling


def run_section(
    grid: Sequence[tuple[int, int]],
    rounds_per_connection: int,
    rounds: int,
    contenders: Sequence[str],
    study: Sequence[str],
    log: Callable[[str], None],
) -> dict[tuple[str, int, int], TLSRun]:
    """Every contender at every grid point, `rounds` times at the first point and the target points (once
    elsewhere), the order rotated each round; each row keeps the run with the median rate."""
    results: dict[tuple[str, int, int], TLSRun] = {}
    with _certs() as (ca_file, server_file, work):
        for n, (concurrency, rtt_ms) in enumerate(grid):
            keys = point_contenders(n, (concurrency, rtt_ms), contenders, study)
            calls = rounds_per_connection * concurrency
            with running(cert=server_file, delay=rtt_ms / 1000) as base:
                runner = _Runner(base, ca_file, work, rtt_ms)
                runs: dict[str, list[TLSRun]] = {k: [] for k in keys}
                for r in range(rounds if n == 0 or (concurrency, rtt_ms) in TARGET_POINTS else 1):
                    shift = (n + r) % len(keys)
                    for key in keys[shift:] + keys[:shift]:
                        log(f"TLS: {key} x {calls} at concurrency {concurrency}, RTT {rtt_ms} ms")
                        runs[key].append(runner.run(key, concurrency, calls))
            for key, done in runs.items():
                results[(key, concurrency, rtt_ms)] = _median_run(done)
    return results


def table_rows(results: dict[tuple[str, int, int], TLSRun]) -> list[list[str]]:
    rows = []
    for (key, concurrency, rtt_ms), r in results.items():
        rows.append(
            [
                str(concurrency),
                str(rtt_ms),
                LABELS[key],
                f"{r.rate:,.0f}",
                f"{r.ideal_pct:.1f} %" if rtt_ms else "-",
                f"{r.connections:,}" + (f" ({r.h2_connections} h2)" if r.h2_connections else ""),
                f"{r.cpu_s:.2f}",
                f"{r.cpu_us_per_call:.0f}",
                f"{r.server_busy_pct:.0f} %",
            ]
        )
    return rows


HEADER = [
    "concurrency",
    "RTT ms",
    "contender",
    "calls/s",
    "% of ideal",
    "connections opened",
    "client CPU s",
    "client CPU µs/call",
    "server CPU",
]


def ordered(results: dict[tuple[str, int, int], TLSRun]) -> dict[tuple[str, int, int], TLSRun]:
    """Rows grouped by grid point (in GRID order), contenders in table order."""
    order = list(LABELS)
    points = [p for p in GRID if any((k, *p) in results for k in order)]
    points += sorted({(c, rtt) for _, c, rtt in results} - set(points))
    return {(k, c, rtt): results[(k, c, rtt)] for c, rtt in points for k in order if (k, c, rtt) in results}


def server_ceiling(results: dict[tuple[str, int, int], TLSRun]) -> str:
    """What one core of the server can answer, from its CPU time per call in the runs above, by kind of run."""
    kinds: dict[str, list[float]] = {
        "HTTP/1.1 on kept-alive connections": [],
        "HTTP/2": [],
        "a new TLS connection per call": [],
    }
    for run in results.values():
        per_call = run.server_cpu_s / run.calls
        if run.h2_connections:
            kinds["HTTP/2"].append(per_call)
        elif run.connections >= run.calls * 0.9:
            kinds["a new TLS connection per call"].append(per_call)
        elif run.connections <= run.concurrency * 1.1:
            kinds["HTTP/1.1 on kept-alive connections"].append(per_call)
    parts = [
        f"{kind}: {1e6 * statistics.median(values):.0f} µs of server CPU per call, so about "
        f"{1 / statistics.median(values):,.0f} calls/s on its one core"
        for kind, values in kinds.items()
        if values
    ]
    return "Server ceiling (median over the rows of each kind): " + "; ".join(parts) + "." if parts else ""


Target = Callable[[str, str, bool], None]


def check_targets(target: Target, results: dict[tuple[str, int, int], TLSRun]) -> None:
    """The issue's TLS targets, each as a PASS or MISS line (only those whose runs were made)."""

    def get(key: str, concurrency: int, rtt_ms: int) -> TLSRun | None:
        return results.get((key, concurrency, rtt_ms))

    ours, sdk, sdk_aiohttp = (get(k, 50, 20) for k in ("aitasks", "gcore_sdk", "gcore_sdk_aiohttp"))
    if ours is not None:
        target("TLS c=50 RTT 20 ms: `cancel_many` >= 75 % of ideal", f"{ours.ideal_pct:.1f} %", ours.ideal_pct >= 75)
        target(
            "TLS c=50 RTT 20 ms: `cancel_many` connections opened <= concurrency + 10 %",
            f"{ours.connections}",
            ours.connections <= 55,
        )
        if sdk is not None:
            value = ours.rate / sdk.rate
            target("TLS c=50 RTT 20 ms: `cancel_many` >= 4x official AsyncGcore defaults", f"{value:.2f}x", value >= 4)
        if sdk_aiohttp is not None:
            value = ours.rate / sdk_aiohttp.rate
            target(
                "TLS c=50 RTT 20 ms: `cancel_many` >= 1.2x official AsyncGcore with DefaultAioHttpClient",
                f"{value:.2f}x",
                value >= 1.2,
            )
    ours, sdk = get("aitasks", 50, 50), get("gcore_sdk", 50, 50)
    if ours is not None:
        target("TLS c=50 RTT 50 ms: `cancel_many` >= 85 % of ideal", f"{ours.ideal_pct:.1f} %", ours.ideal_pct >= 85)
        if sdk is not None:
            value = ours.rate / sdk.rate
            target(
                "TLS c=50 RTT 50 ms: `cancel_many` >= 2.5x official AsyncGcore defaults", f"{value:.2f}x", value >= 2.5
            )
    ours = get("aitasks", 100, 20)
    if ours is not None:
        target("TLS c=100 RTT 20 ms: `cancel_many` >= 50 % of ideal", f"{ours.ideal_pct:.1f} %", ours.ideal_pct >= 50)
    # The % of ideal follows the machine (one core's speed sets the pace); this ratio, of runs made in the same
    # minutes in rotated order, does not: aitasks' own cost on top of the transport it sends through.
    for concurrency, rtt_ms in TARGET_POINTS:
        ours, alone = get("aitasks", concurrency, rtt_ms), get(TRANSPORT, concurrency, rtt_ms)
        if ours is not None and alone is not None:
            value = ours.rate / alone.rate
            line = f"TLS c={concurrency} RTT {rtt_ms} ms: `cancel_many` >= 0.95x the transport alone (same run)"
            target(line, f"{value:.2f}x", value >= 0.95)

"""cancel_many, sync and async: one record per ref, bounded concurrency, lazy input, constant memory."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator

import httpx
import pytest

import aitasks

GCORE_KEY = "gk-0123456789abcdef"
MA_TOKEN = "ma-token-0123456789abcdef"
MA_PROJECT = "0123456789abcdef0123456789abcdef"
GCORE_OK = b'{"result": "Task has been cancelled successfully."}'

Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]


def _answer(request: httpx.Request) -> httpx.Response:
    """What the providers say to a cancel of a running task; task ids starting with "missing" are 404."""
    path = request.url.path
    if "/missing" in path:
        return httpx.Response(404, json={"error": "Task not found"})
    if path.startswith("/streaming/"):
        return httpx.Response(202, content=GCORE_OK, headers={"content-type": "application/json"})
    return httpx.Response(204)


class Tracker:
    """An async MockTransport handler that counts calls and the most that were ever in flight at once."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls = 0
        self.in_flight = 0
        self.most_in_flight = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
            return _answer(request)
        finally:
            self.in_flight -= 1


def _async_client(handler: Handler, *, modelarts: bool = True) -> aitasks.AsyncClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    gcore = aitasks.AsyncGcore(GCORE_KEY, base_url="https://gcore.test", http_client=http)
    if not modelarts:
        return aitasks.AsyncClient(gcore=gcore)
    ma = aitasks.AsyncModelArts(endpoint="https://ma.test", project_id=MA_PROJECT, token=MA_TOKEN, http_client=http)
    return aitasks.AsyncClient(gcore=gcore, modelarts=ma)


def _refs(count: int) -> list[str]:
    return [f"gcore:g{i}" if i % 2 else f"modelarts:ds/m{i}" for i in range(count)]


def _collect(client: aitasks.AsyncClient, refs: object, **kwargs: object) -> list[aitasks.BulkResult]:
    async def run() -> list[aitasks.BulkResult]:
        async with client:
            return [item async for item in client.cancel_many(refs, **kwargs)]  # type: ignore[arg-type]

    return asyncio.run(run())


def test_async_one_record_per_ref_with_errors_in_place() -> None:
    """Bad refs, unknown tasks and an unconfigured provider each give an error record; the rest are cancelled."""
    refs = ["gcore:a", "gcore:..", "nope:1", "gcore:missing-1", "modelarts:ds/t", "gcore:b", 42]
    results = _collect(_async_client(Tracker(), modelarts=False), refs, concurrency=3)
    assert sorted(item.index for item in results) == list(range(len(refs)))
    by_ref = {item.ref: item for item in results}
    assert by_ref["gcore:a"].ok and by_ref["gcore:b"].ok
    assert isinstance(by_ref["gcore:.."].error, aitasks.InvalidTaskRef)
    assert isinstance(by_ref["nope:1"].error, aitasks.InvalidTaskRef)
    assert isinstance(by_ref["gcore:missing-1"].error, aitasks.TaskNotFound)
    assert isinstance(by_ref["modelarts:ds/t"].error, aitasks.ConfigurationError)
    assert isinstance(by_ref["42"].error, aitasks.InvalidTaskRef)


def test_async_never_more_than_concurrency_in_flight_and_reads_lazily() -> None:
    """At most `concurrency` calls run at once, and refs are read at most 2 x concurrency ahead of the results."""
    tracker = Tracker(delay=0.002)
    read = 0
    most_ahead = 0
    yielded = 0

    def source() -> Iterator[str]:
        nonlocal read, most_ahead
        for ref in _refs(300):
            read += 1
            most_ahead = max(most_ahead, read - yielded)
            yield ref

    async def run() -> None:
        nonlocal yielded
        async with _async_client(tracker) as client:
            async for _ in client.cancel_many(source(), concurrency=7):
                yielded += 1

    asyncio.run(run())
    assert yielded == read == 300
    assert tracker.most_in_flight == 7
    assert most_ahead <= 2 * 7


def test_async_results_are_not_held_back_by_a_slow_source() -> None:
    """A finished call is yielded while the source is still waiting for its next ref."""
    more = asyncio.Event()

    async def source() -> AsyncIterator[str]:
        yield "gcore:first"
        await more.wait()
        yield "gcore:second"

    async def run() -> list[str]:
        seen = []
        async with _async_client(Tracker()) as client:
            async for item in client.cancel_many(source(), concurrency=4):
                seen.append(item.ref)
                more.set()  # the second ref only exists once the first result arrived
        return seen

    assert asyncio.run(asyncio.wait_for(run(), timeout=10)) == ["gcore:first", "gcore:second"]


def test_async_stopping_the_source_still_yields_the_calls_in_flight() -> None:
    """A source that stops yielding (the CLI's Ctrl-C) ends the run after every started call is yielded."""
    tracker = Tracker(delay=0.01)
    stop = False
    handed_out = 0

    def source() -> Iterator[str]:
        nonlocal handed_out
        for ref in _refs(1000):
            if stop:
                return
            handed_out += 1
            yield ref

    async def run() -> list[aitasks.BulkResult]:
        nonlocal stop
        results = []
        async with _async_client(tracker) as client:
            async for item in client.cancel_many(source(), concurrency=8):
                results.append(item)
                if len(results) == 20:
                    stop = True
        return results

    results = asyncio.run(run())
    assert len(results) == handed_out == tracker.calls < 1000
    assert len({item.index for item in results}) == handed_out


def test_async_source_error_is_raised_after_the_calls_in_flight() -> None:
    """If reading refs fails, the calls already started are yielded first, then the error is raised."""
    seen: list[str] = []

    def source() -> Iterator[str]:
        yield from _refs(10)
        raise OSError("disk gone")

    async def run() -> None:
        async with _async_client(Tracker(delay=0.005)) as client:
            async for item in client.cancel_many(source(), concurrency=4):
                seen.append(item.ref)

    with pytest.raises(OSError, match="disk gone"):
        asyncio.run(run())
    assert sorted(seen) == sorted(_refs(10))


def test_async_breaking_out_cancels_the_calls_in_flight() -> None:
    """Leaving the loop early and closing the iterator cancels the rest; nothing keeps running."""
    tracker = Tracker(delay=0.05)

    async def run() -> None:
        async with _async_client(tracker) as client:
            results = client.cancel_many(_refs(100), concurrency=5)
            async for _ in results:
                break
            await results.aclose()  # type: ignore[attr-defined]
            assert tracker.in_flight == 0

    asyncio.run(asyncio.wait_for(run(), timeout=10))
    assert tracker.calls <= 10


def test_async_rejects_a_bad_concurrency() -> None:
    """concurrency must be a whole number >= 1."""
    client = _async_client(Tracker())
    with pytest.raises(ValueError, match="concurrency"):
        _collect(client, ["gcore:a"], concurrency=0)


def test_sync_one_record_per_ref_and_lazy_reading() -> None:
    """Client.cancel_many yields one record per ref and reads at most 2 x concurrency refs ahead."""
    calls = 0
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        with lock:
            calls += 1
        time.sleep(0.001)
        return _answer(request)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    gcore = aitasks.Gcore(GCORE_KEY, base_url="https://gcore.test", http_client=http)
    read = 0
    most_ahead = 0
    yielded = 0

    def source() -> Iterator[str]:
        nonlocal read, most_ahead
        for i in range(200):
            read += 1
            most_ahead = max(most_ahead, read - yielded)
            yield f"gcore:missing-{i}" if i % 50 == 0 else f"gcore:g{i}"
        yield "gcore:.."

    with aitasks.Client(gcore=gcore) as client:
        results = []
        for item in client.cancel_many(source(), concurrency=4):
            yielded += 1
            results.append(item)
    assert sorted(item.index for item in results) == list(range(201))
    assert sum(item.ok for item in results) == 196
    assert calls == 200
    assert most_ahead <= 2 * 4 + 1


def test_sync_source_error_is_raised_after_the_submitted_calls() -> None:
    """If reading refs fails, Client.cancel_many yields the calls already submitted, then raises the error."""
    http = httpx.Client(transport=httpx.MockTransport(_answer))
    seen: list[str] = []

    def source() -> Iterator[str]:
        yield from (f"gcore:g{i}" for i in range(6))
        raise OSError("disk gone")

    client = aitasks.Client(gcore=aitasks.Gcore(GCORE_KEY, base_url="https://gcore.test", http_client=http))
    with client, pytest.raises(OSError, match="disk gone"):
        for item in client.cancel_many(source(), concurrency=2):
            seen.append(item.ref)
    assert sorted(seen) == [f"gcore:g{i}" for i in range(6)]


MEMORY_SCRIPT = """
import asyncio, json, os, re, resource, sys, time
import httpx
import aitasks

COUNT = int(sys.argv[1])
OK = b'{"result": "Task has been cancelled successfully."}'


def answer(request):
    if request.url.path.startswith("/streaming/"):
        return httpx.Response(202, content=OK, headers={"content-type": "application/json"})
    return httpx.Response(204)


def refs(count, start=0):
    for i in range(start, start + count):
        yield f"gcore:task-{i:09d}" if i % 2 else f"modelarts:dataset-{i % 97}/task-{i:09d}"


def peak_mb(restart=False):
    # Linux: VmHWM, restarted from what is resident now (man 5 proc, clear_refs); ru_maxrss would never fall below
    # the RSS of the process that exec'd this one (pytest, ~75 MB), hiding the first ~40 MB of growth.
    if os.path.exists("/proc/self/clear_refs"):
        if restart:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
        with open("/proc/self/status") as status:
            return int(re.search(r"^VmHWM:\\s*(\\d+) kB", status.read(), re.M).group(1)) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1 << 20) if sys.platform == "darwin" else peak / 1024


async def main():
    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    gcore = aitasks.AsyncGcore("gk-0123456789abcdef", base_url="https://gcore.test", http_client=http)
    ma = aitasks.AsyncModelArts(
        endpoint="https://ma.test", project_id="p" * 32, token="ma-token-0123456789", http_client=http
    )
    async with aitasks.AsyncClient(gcore=gcore, modelarts=ma) as client:
        async for _ in client.cancel_many(refs(2000), concurrency=16):  # warm up imports, pools, caches
            pass
        before = peak_mb(restart=True)
        started = time.perf_counter()
        done = ok = 0
        async for item in client.cancel_many(refs(COUNT, 2000), concurrency=16):
            done += 1
            ok += item.ok
        elapsed = time.perf_counter() - started
    print(json.dumps({"done": done, "ok": ok, "before_mb": before, "after_mb": peak_mb(), "seconds": elapsed}))


asyncio.run(main())
"""


def test_memory_stays_constant_over_200_000_refs() -> None:
    """Refs from a generator through AsyncClient.cancel_many grow peak RSS by less than 200 bytes a ref.

    20,000 refs against 4 MB: the per-ref bound of the issue's 200,000 refs against 50 MB (250 bytes), tightened,
    in a tenth of the time (each ref holds ~2 KB while in flight, so keeping any per-ref object shows at once).
    """
    count = 20_000
    run = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(count)], capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr[-2000:]
    figures = json.loads(run.stdout)
    print(f"memory: {figures}")
    assert figures["done"] == figures["ok"] == count
    assert figures["after_mb"] - figures["before_mb"] < count * 200 / 1e6, figures


@pytest.mark.parametrize("io", ["sync", "async"])
def test_a_send_that_raises_gives_its_gate_slot_back(io: str) -> None:
    """A send failing with something other than an HTTP error (a bug, a cancellation) gives its gate slot back."""
    from aitasks._adaptive import AsyncGate, SyncGate
    from aitasks._clients import adrive, drive

    def boom(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("a bug below the request path")

    ref = aitasks.TaskRef.parse("gcore:t")
    if io == "sync":
        client = aitasks.Gcore("k-123456", http_client=httpx.Client(transport=httpx.MockTransport(boom)))
        gate = SyncGate(1)
        with pytest.raises(RuntimeError, match="a bug"):
            drive(client._core.call(client._core.provider.cancel(ref, False), gate))
        assert gate.limit.in_flight == 0
        return

    async def run() -> int:
        aclient = aitasks.AsyncGcore("k-123456", http_client=httpx.AsyncClient(transport=httpx.MockTransport(boom)))
        agate = AsyncGate(1)
        with pytest.raises(RuntimeError, match="a bug"):
            await adrive(aclient._core.call(aclient._core.provider.cancel(ref, False), agate))
        return agate.limit.in_flight

    assert asyncio.run(run()) == 0


QUEUE_LIMIT = b'{"error": "Queue limit reached (100), try later."}'  # Gcore's documented 400 (streaming_error)


@pytest.mark.parametrize("io", ["sync", "async"])
@pytest.mark.parametrize(
    ("status", "refusals", "max_retries", "others", "attempts", "ok"),
    [
        (400, 2, 1, 20, 3, True),  # the first two refusals met 20 calls in flight: neither is counted
        (429, 2, 1, 20, 3, True),
        (400, 3, 1, 20, 3, False),  # at most max_retries refusals go uncounted: 2 x max_retries + 1 attempts in all
        (400, 1, 0, 20, 1, False),  # max_retries=0 never retries
        (400, 2, 1, 0, 2, False),  # alone in the run: every refusal counts, as for a single call
        (503, 2, 1, 20, 2, False),  # unavailable may be the provider's own trouble: it counts
    ],
)
def test_bulk_rate_limit_beside_other_calls_is_not_counted_against_max_retries(
    io: str, status: int, refusals: int, max_retries: int, others: int, attempts: int, ok: bool
) -> None:
    """A bulk run's own concurrency may cause a provider's rate limit, so such a refusal does not use a ref's retries.

    Measured: 1 in about 8 runs of 1,000 refs at c=50 against 10 slots lost one ref, refused 3 times by the
    refusals each cut of the AIMD limit brings (tests/test_hostile.py's queue-limit rows).
    """
    seen: list[str] = []
    lock = threading.Lock()

    def answer(request: httpx.Request) -> httpx.Response | None:
        with lock:
            seen.append(request.url.path)
            if "/busy/" in request.url.path and seen.count(request.url.path) <= refusals:
                body = QUEUE_LIMIT if status == 400 else b'{"error": "try later"}'
                return httpx.Response(status, content=body, headers={"content-type": "application/json"})
        return None

    refs = [f"gcore:slow{i}" for i in range(others)] + ["gcore:busy"]  # the others are in flight when busy is sent
    if io == "sync":

        def handler(request: httpx.Request) -> httpx.Response:
            if (refused := answer(request)) is not None:
                return refused
            time.sleep(0.5)
            return _answer(request)

        http = httpx.Client(transport=httpx.MockTransport(handler))
        gcore = aitasks.Gcore(GCORE_KEY, base_url="https://gcore.test", http_client=http, max_retries=max_retries)
        with aitasks.Client(gcore=gcore) as client:
            results = list(client.cancel_many(refs, concurrency=others + 1))
    else:

        async def ahandler(request: httpx.Request) -> httpx.Response:
            if (refused := answer(request)) is not None:
                return refused
            await asyncio.sleep(0.5)
            return _answer(request)

        ahttp = httpx.AsyncClient(transport=httpx.MockTransport(ahandler))
        agcore = aitasks.AsyncGcore(
            GCORE_KEY, base_url="https://gcore.test", http_client=ahttp, max_retries=max_retries
        )
        results = _collect(aitasks.AsyncClient(gcore=agcore), refs, concurrency=others + 1)
    busy = next(item for item in results if item.ref == "gcore:busy")
    assert seen.count("/streaming/ai/tasks/busy/cancel") == attempts
    assert busy.ok is ok, busy.error
    if ok:
        assert busy.result is not None and busy.result.attempts == attempts
    else:
        expected = {400: aitasks.QueueLimitReached, 429: aitasks.RateLimited, 503: aitasks.ServerError}[status]
        assert type(busy.error) is expected and busy.error.attempts == attempts
    assert sum(item.ok for item in results) == others + ok

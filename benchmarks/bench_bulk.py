"""One async bulk run in a fresh process (so its peak RSS is its own): N cancels at a given concurrency.

`python benchmarks/bench_bulk.py CONTENDER CONCURRENCY COUNT BASE_URL` prints one JSON line:
{"elapsed": seconds, "ok": successful cancels, "rss_before_kb": ..., "rss_peak_kb": ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any

import httpx

__all__ = ["BULK_CONTENDERS", "main"]

GCORE_KEY = "bench-gcore-api-key-0123456789"


def _rss_kb() -> int:
    """Peak resident set of this process in kB: VmHWM, since ru_maxrss keeps the parent's peak across exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux, bytes on macOS


async def _pool(count: int, concurrency: int, cancel: Callable[[str], Awaitable[bool]]) -> int:
    """A plain worker pool: `concurrency` tasks pulling task ids from one shared iterator."""
    ids: Iterator[int] = iter(range(count))
    ok = 0

    async def worker() -> None:
        nonlocal ok
        for n in ids:
            if await cancel(f"task-{n:06d}"):
                ok += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok


def _aiohttp_client(**kwargs: Any) -> httpx.AsyncClient:
    """httpx's API over aiohttp's connection pool (the `httpx-aiohttp` package, also what gcore[aiohttp] uses)."""
    module = importlib.import_module("httpx_aiohttp")
    client: httpx.AsyncClient = module.HttpxAiohttpClient(**kwargs)
    return client


async def _raw(count: int, concurrency: int, base: str, client: httpx.AsyncClient) -> int:
    async with client:

        async def cancel(task: str) -> bool:
            response = await client.post(f"{base}/streaming/ai/tasks/{task}/cancel")
            return response.status_code == 202

        return await _pool(count, concurrency, cancel)


async def _raw_httpx(count: int, concurrency: int, base: str) -> int:
    client = httpx.AsyncClient(headers={"Authorization": f"apikey {GCORE_KEY}"})
    return await _raw(count, concurrency, base, client)


async def _raw_httpx_limits(count: int, concurrency: int, base: str) -> int:
    client = httpx.AsyncClient(headers={"Authorization": f"apikey {GCORE_KEY}"}, limits=_limits(concurrency))
    return await _raw(count, concurrency, base, client)


async def _raw_http2(count: int, concurrency: int, base: str) -> int:
    client = httpx.AsyncClient(headers={"Authorization": f"apikey {GCORE_KEY}"}, http2=True)
    return await _raw(count, concurrency, base, client)


async def _raw_aiohttp(count: int, concurrency: int, base: str) -> int:
    client = _aiohttp_client(headers={"Authorization": f"apikey {GCORE_KEY}"})
    return await _raw(count, concurrency, base, client)


async def _aitasks(count: int, concurrency: int, base: str, http_client: httpx.AsyncClient | None = None) -> int:
    import aitasks

    ok = 0
    refs = (f"gcore:task-{n:06d}" for n in range(count))
    async with aitasks.AsyncClient(gcore=aitasks.AsyncGcore(GCORE_KEY, base_url=base, http_client=http_client)) as c:
        async for item in c.cancel_many(refs, concurrency=concurrency):
            ok += item.ok
    if http_client is not None:
        await http_client.aclose()
    return ok


async def _aitasks_pool(count: int, concurrency: int, base: str) -> int:
    import aitasks

    async with aitasks.AsyncGcore(GCORE_KEY, base_url=base) as client:

        async def cancel(task: str) -> bool:
            return (await client.cancel(task)).status_code == 202

        return await _pool(count, concurrency, cancel)


async def _aitasks_sync(count: int, concurrency: int, base: str) -> int:
    """`Client.cancel_many` (threads), run from a worker thread so the event loop of main() stays idle."""
    import aitasks

    def run() -> int:
        refs = (f"gcore:task-{n:06d}" for n in range(count))
        with aitasks.Client(gcore=aitasks.Gcore(GCORE_KEY, base_url=base)) as client:
            return sum(item.ok for item in client.cancel_many(refs, concurrency=concurrency))

    return await asyncio.to_thread(run)


def _limits(concurrency: int) -> httpx.Limits:
    """Keep-alive for every connection the concurrency needs: no connection churn."""
    return httpx.Limits(max_connections=max(concurrency, 100), max_keepalive_connections=concurrency)


async def _aitasks_limits(count: int, concurrency: int, base: str) -> int:
    return await _aitasks(count, concurrency, base, httpx.AsyncClient(limits=_limits(concurrency)))


async def _aitasks_http2(count: int, concurrency: int, base: str) -> int:
    return await _aitasks(count, concurrency, base, httpx.AsyncClient(http2=True))


async def _aitasks_aiohttp(count: int, concurrency: int, base: str) -> int:
    return await _aitasks(count, concurrency, base, _aiohttp_client())


async def _gcore_sdk(count: int, concurrency: int, base: str, http_client: str = "") -> int:
    import gcore

    http: httpx.AsyncClient | None = None
    if http_client == "limits":
        http = gcore.DefaultAsyncHttpxClient(limits=_limits(concurrency))
    elif http_client == "aiohttp":
        http = gcore.DefaultAioHttpClient()  # the SDK's own aiohttp option (gcore[aiohttp])
    async with gcore.AsyncGcore(api_key=GCORE_KEY, base_url=base, http_client=http) as client:
        cancel_one = client.streaming.ai_tasks.cancel

        async def cancel(task: str) -> bool:
            await cancel_one(task)
            return True

        return await _pool(count, concurrency, cancel)


async def _gcore_sdk_limits(count: int, concurrency: int, base: str) -> int:
    return await _gcore_sdk(count, concurrency, base, "limits")


async def _gcore_sdk_aiohttp(count: int, concurrency: int, base: str) -> int:
    return await _gcore_sdk(count, concurrency, base, "aiohttp")


BULK_CONTENDERS: dict[str, Callable[[int, int, str], Coroutine[Any, Any, int]]] = {
    "httpx": _raw_httpx,
    "aitasks": _aitasks,
    "gcore_sdk": _gcore_sdk,
    "aitasks_pool": _aitasks_pool,
    "httpx_limits": _raw_httpx_limits,
    "aitasks_limits": _aitasks_limits,
    "gcore_sdk_limits": _gcore_sdk_limits,
    "httpx_aiohttp": _raw_aiohttp,
    "httpx_http2": _raw_http2,
    "aitasks_sync": _aitasks_sync,
    "aitasks_noextra": _aitasks,  # main() hides httpx_aiohttp first
    "aitasks_http2": _aitasks_http2,
    "aitasks_aiohttp": _aitasks_aiohttp,
    "gcore_sdk_aiohttp": _gcore_sdk_aiohttp,
}


def _preload(contender: str) -> None:
    """Import what the contender needs before the clock starts (import time is measured on its own)."""
    if contender.startswith("aitasks"):
        import aitasks

        getattr(aitasks, "AsyncClient")  # noqa: B009 - loads the lazily imported client modules
        getattr(aitasks, "AsyncGcore")  # noqa: B009
    if contender.startswith("gcore_sdk"):
        import gcore  # noqa: F401
    if contender.endswith("aiohttp") or contender in ("aitasks", "aitasks_pool"):
        # the transport the aitasks client picks when the extra is installed, as the SDK's aiohttp row has it
        with contextlib.suppress(ImportError):
            importlib.import_module("httpx_aiohttp")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("contender", choices=sorted(BULK_CONTENDERS))
    parser.add_argument("concurrency", type=int)
    parser.add_argument("count", type=int)
    parser.add_argument("base_url")
    args = parser.parse_args(argv)
    run = BULK_CONTENDERS[args.contender]
    if args.contender == "aitasks_noextra":
        sys.modules["httpx_aiohttp"] = None  # type: ignore[assignment]  # as if the aiohttp extra were not installed
    _preload(args.contender)
    before = _rss_kb()
    cpu = time.process_time()
    started = time.perf_counter()
    ok = asyncio.run(run(args.count, args.concurrency, args.base_url))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    print(json.dumps({"elapsed": elapsed, "cpu_s": cpu, "ok": ok, "rss_before_kb": before, "rss_peak_kb": _rss_kb()}))
    return 0 if ok == args.count else 1


if __name__ == "__main__":
    sys.exit(main())

"""Sequential contenders: the same cancel through raw httpx, the generated client, aitasks and the official SDK.

Each contender is built once (one pooled client) and then called in a tight loop; `run_rounds` alternates
between contenders round by round so that drift on the machine hits them all alike.
"""

from __future__ import annotations

import gc
import importlib.util
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx
from bench_server import GCORE_BODY

__all__ = [
    "CONTENDERS",
    "GCORE_KEY",
    "MA_PROJECT",
    "TASK_IDS",
    "Built",
    "Contender",
    "Samples",
    "gcore_sdk_available",
    "mock_transport",
    "run_rounds",
]

GCORE_KEY = "bench-gcore-api-key-0123456789"
MA_PROJECT = "0123456789abcdef0123456789abcdef"
MA_TOKEN = "bench-modelarts-token-0123456789"
MA_AK = "BENCHAK0123456789ABCD"
MA_SK = "bench-secret-key-0123456789abcdefghijklmn"
MA_DATASET = "dataset-0001"
TASK_IDS = [f"task-{n:06d}" for n in range(1024)]
_MASK = len(TASK_IDS) - 1

Call = Callable[[int], None]


@dataclass
class Built:
    """A ready contender: `call(i)` cancels task i once; `close()` releases its client."""

    call: Call
    close: Callable[[], None]


@dataclass(frozen=True)
class Contender:
    key: str
    label: str
    build: Callable[[str, httpx.BaseTransport | None], Built]
    needs_gcore: bool = False


def gcore_sdk_available() -> bool:
    return importlib.util.find_spec("gcore") is not None


def mock_transport() -> httpx.MockTransport:
    """Answers like the loopback server, without a socket: what is left is the client's own CPU time."""
    gcore_headers = [("Content-Type", "application/json"), ("X-Request-Id", "bench-0001")]
    ma_headers = [("X-Request-Id", "bench-0002")]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.raw_path.startswith(b"/streaming/"):
            return httpx.Response(202, headers=gcore_headers, content=GCORE_BODY)
        return httpx.Response(204, headers=ma_headers)

    return httpx.MockTransport(handler)


def _expect(status: int, wanted: int) -> None:
    if status != wanted:
        raise RuntimeError(f"unexpected status {status}, wanted {wanted}")


def _raw_gcore(base: str, transport: httpx.BaseTransport | None) -> Built:
    client = httpx.Client(headers={"Authorization": f"apikey {GCORE_KEY}"}, transport=transport)
    urls = [f"{base}/streaming/ai/tasks/{task}/cancel" for task in TASK_IDS]

    def call(i: int) -> None:
        _expect(client.post(urls[i & _MASK]).status_code, 202)

    return Built(call, client.close)


def _raw_modelarts(base: str, transport: httpx.BaseTransport | None) -> Built:
    client = httpx.Client(headers={"X-Auth-Token": MA_TOKEN}, transport=transport)
    urls = [f"{base}/v2/{MA_PROJECT}/datasets/{MA_DATASET}/tasks/{task}/stop" for task in TASK_IDS]

    def call(i: int) -> None:
        _expect(client.post(urls[i & _MASK]).status_code, 204)

    return Built(call, client.close)


def _generated(base: str, transport: httpx.BaseTransport | None) -> Built:
    from aitasks_gcore_api.api.ai import post_ai_tasks_cancel
    from aitasks_gcore_api.client import AuthenticatedClient

    args: dict[str, object] = {} if transport is None else {"transport": transport}
    client = AuthenticatedClient(
        base_url=base, token=GCORE_KEY, prefix="apikey", timeout=httpx.Timeout(30.0), httpx_args=args
    )

    def call(i: int) -> None:
        _expect(post_ai_tasks_cancel.sync_detailed(TASK_IDS[i & _MASK], client=client).status_code, 202)

    return Built(call, client.get_httpx_client().close)


def _http_client(transport: httpx.BaseTransport | None) -> httpx.Client | None:
    return None if transport is None else httpx.Client(transport=transport)


def _aitasks_gcore(base: str, transport: httpx.BaseTransport | None) -> Built:
    import aitasks

    client = aitasks.Gcore(GCORE_KEY, base_url=base, http_client=_http_client(transport))

    def call(i: int) -> None:
        _expect(client.cancel(TASK_IDS[i & _MASK]).status_code, 202)

    return Built(call, client.close)


def _modelarts(token: bool) -> Callable[[str, httpx.BaseTransport | None], Built]:
    def build(base: str, transport: httpx.BaseTransport | None) -> Built:
        import aitasks

        client = aitasks.ModelArts(
            endpoint=base,
            project_id=MA_PROJECT,
            token=MA_TOKEN if token else None,
            access_key=None if token else MA_AK,
            secret_key=None if token else MA_SK,
            http_client=_http_client(transport),
        )
        refs = [f"{MA_DATASET}/{task}" for task in TASK_IDS]

        def call(i: int) -> None:
            _expect(client.cancel(refs[i & _MASK]).status_code, 204)

        return Built(call, client.close)

    return build


def _gcore_sdk(base: str, transport: httpx.BaseTransport | None) -> Built:
    import gcore

    client = gcore.Gcore(api_key=GCORE_KEY, base_url=base, http_client=_http_client(transport))
    cancel = client.streaming.ai_tasks.cancel

    def call(i: int) -> None:
        cancel(TASK_IDS[i & _MASK])

    return Built(call, client.close)


CONTENDERS = (
    Contender("httpx", "raw `httpx.Client.post` (Gcore route)", _raw_gcore),
    Contender("httpx_ma", "raw `httpx.Client.post` (ModelArts route)", _raw_modelarts),
    Contender("generated", "generated `post_ai_tasks_cancel.sync_detailed`", _generated),
    Contender("aitasks_gcore", "`aitasks.Gcore.cancel`", _aitasks_gcore),
    Contender("aitasks_ma_token", "`aitasks.ModelArts.cancel` (token)", _modelarts(token=True)),
    Contender("aitasks_ma_aksk", "`aitasks.ModelArts.cancel` (AK/SK)", _modelarts(token=False)),
    Contender("gcore_sdk", "official `gcore` SDK `streaming.ai_tasks.cancel`", _gcore_sdk, needs_gcore=True),
)


@dataclass
class Samples:
    """Per-round throughput and every call's latency for one contender."""

    rates: list[float] = field(default_factory=list)
    latencies_ns: list[int] = field(default_factory=list)


def run_rounds(built: dict[str, Built], rounds: int, calls: int, warmup: int) -> dict[str, Samples]:
    """Round r runs `calls` calls of each contender in turn, the order rotated by r (ABC, BCA, CAB, ...)."""
    keys = list(built)
    samples = {key: Samples() for key in keys}
    for key in keys:
        for i in range(warmup):
            built[key].call(i)
    clock = time.perf_counter_ns
    for r in range(rounds):
        order = keys[r % len(keys) :] + keys[: r % len(keys)]
        for key in order:
            call = built[key].call
            lat = samples[key].latencies_ns
            gc.collect()
            started = clock()
            for i in range(calls):
                t0 = clock()
                call(i)
                lat.append(clock() - t0)
            samples[key].rates.append(calls / ((clock() - started) / 1e9))
    return samples


def build_all(
    contenders: Sequence[Contender], base: str, transport: Callable[[], httpx.BaseTransport] | None
) -> dict[str, Built]:
    return {c.key: c.build(base, transport() if transport else None) for c in contenders}

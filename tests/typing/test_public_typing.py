"""Type-checked only (by `make typecheck`): the public API keeps the types users rely on."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from typing_extensions import assert_type

import aitasks


def sync_usage() -> None:
    with aitasks.Gcore("key") as gcore:
        result = gcore.cancel("TASK_ID")
        assert_type(result, aitasks.CancelResult)
        assert_type(result.outcome, aitasks.Outcome)
        assert_type(result.ref, aitasks.TaskRef)
        assert_type(result.status_code, int)
        assert_type(result.message, str | None)
        assert_type(result.request_id, str | None)
        assert_type(result.attempts, int)
        assert_type(gcore.cancel(aitasks.TaskRef.parse("gcore:x"), strict=True), aitasks.CancelResult)
    with aitasks.ModelArts(endpoint="https://m", project_id="p", token="t") as modelarts:
        assert_type(modelarts.cancel("ds/task"), aitasks.CancelResult)
    with aitasks.Client.from_env() as client:
        assert_type(client.cancel("gcore:x"), aitasks.CancelResult)
        items = client.cancel_many(["gcore:x"], concurrency=4)
        assert_type(items, Iterator[aitasks.BulkResult])


async def async_usage() -> None:
    async with aitasks.AsyncGcore("key") as gcore:
        assert_type(await gcore.cancel("TASK_ID"), aitasks.CancelResult)
    async with aitasks.AsyncModelArts(endpoint="https://m", project_id="p", token="t") as modelarts:
        assert_type(await modelarts.cancel("ds/task"), aitasks.CancelResult)
    async with aitasks.AsyncClient.from_env() as client:
        items = client.cancel_many(["gcore:x"], concurrency=4)
        assert_type(items, AsyncIterator[aitasks.BulkResult])
        async for item in items:
            assert_type(item.result, aitasks.CancelResult | None)
            assert_type(item.error, aitasks.AITasksError | None)


def errors() -> None:
    try:
        aitasks.Gcore("key").cancel("x")
    except aitasks.APIError as exc:
        assert_type(exc.status_code, int)
        assert_type(exc.message, str | None)
        assert_type(exc.error_code, str | None)
        assert_type(exc.request_id, str | None)
        assert_type(exc.provider, str)
    ref = aitasks.TaskRef("modelarts", "t", dataset_id="d")
    assert_type(ref.dataset_id, str | None)
    bad: aitasks.TaskRef = aitasks.TaskRef("gcore")  # type: ignore[call-arg]
    assert bad

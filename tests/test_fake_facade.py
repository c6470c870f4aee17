"""The facade against FakeCloud: each provider, sync and async, ModelArts with token and AK/SK, over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, Literal

import pytest

import aitasks
from aitasks.testing import MODELARTS_STOPPING, FakeCloud, Malformation

Mode = Literal["sync", "async"]
Auth = Literal["token", "aksk"]
COMBOS: list[tuple[str, Mode, Auth]] = [
    ("gcore", "sync", "token"),
    ("gcore", "async", "token"),
    ("modelarts", "sync", "token"),
    ("modelarts", "sync", "aksk"),
    ("modelarts", "async", "token"),
    ("modelarts", "async", "aksk"),
]
IDS = [f"{p}-{m}" + (f"-{a}" if p == "modelarts" else "") for p, m, a in COMBOS]


class Driver:
    """One provider, one flavour (sync/async) and one ModelArts auth, driven through the public API."""

    def __init__(self, fake: FakeCloud, provider: str, mode: Mode, auth: Auth) -> None:
        self.fake, self.provider, self.mode, self.auth = fake, provider, mode, auth

    def seed(self, task_id: str, status: str | int | None = None) -> str:
        """Create a task (running unless a status is given) and return its native ref."""
        if self.provider == "gcore":
            assert status is None or isinstance(status, str)
            self.fake.add_gcore_task(task_id, status or "STARTED")
            return task_id
        assert status is None or isinstance(status, int)
        self.fake.add_modelarts_task("ds", task_id, 1 if status is None else status)
        return f"ds/{task_id}"

    def status(self, task_id: str) -> str | int:
        return (
            self.fake.task_status("gcore", task_id)
            if self.provider == "gcore"
            else self.fake.task_status("modelarts", task_id, "ds")
        )

    def count(self, task_id: str) -> int:
        dataset = None if self.provider == "gcore" else "ds"
        return self.fake.cancel_count("gcore" if self.provider == "gcore" else "modelarts", task_id, dataset)

    def cancel(self, ref: str, *, strict: bool = False, **kwargs: Any) -> aitasks.CancelResult:
        """Cancel through a fresh client of the right kind, closing it afterwards."""
        fake = self.fake
        if self.mode == "sync":
            if self.provider == "gcore":
                with fake.gcore_client(**kwargs) as gcore:
                    return gcore.cancel(ref, strict=strict)
            with fake.modelarts_client(self.auth, **kwargs) as modelarts:
                return modelarts.cancel(ref, strict=strict)

        async def run() -> aitasks.CancelResult:
            if self.provider == "gcore":
                async with fake.async_gcore_client(**kwargs) as gcore:
                    return await gcore.cancel(ref, strict=strict)
            async with fake.async_modelarts_client(self.auth, **kwargs) as modelarts:
                return await modelarts.cancel(ref, strict=strict)

        return asyncio.run(run())

    @property
    def success(self) -> int:
        return 202 if self.provider == "gcore" else 204


@pytest.fixture(params=COMBOS, ids=IDS)
def driver(request: pytest.FixtureRequest, fake_cloud: FakeCloud) -> Driver:
    """Each combination of provider, flavour and ModelArts auth."""
    provider, mode, auth = request.param
    return Driver(fake_cloud, provider, mode, auth)


def test_cancel_running_task(driver: Driver) -> None:
    """A running task is cancelled once; the result carries the status and the fake's request id."""
    ref = driver.seed("t")
    result = driver.cancel(ref)
    assert (result.outcome, result.status_code, result.attempts) == (aitasks.Outcome.CANCELLED, driver.success, 1)
    assert result.request_id == driver.fake.requests[-1].request_id
    assert driver.status("t") in ("REVOKED", MODELARTS_STOPPING)
    assert driver.count("t") == 1


def test_second_cancel(driver: Driver) -> None:
    """Gcore answers the repeat 412 (ALREADY_FINISHED, or TaskAlreadyFinished when strict); ModelArts 204 again."""
    ref = driver.seed("t")
    driver.cancel(ref)
    if driver.provider == "gcore":
        assert driver.cancel(ref).outcome is aitasks.Outcome.ALREADY_FINISHED
        with pytest.raises(aitasks.TaskAlreadyFinished):
            driver.cancel(ref, strict=True)
    else:
        assert driver.cancel(ref).outcome is aitasks.Outcome.CANCELLED
    assert driver.count("t") == 1


def test_unknown_task_raises_task_not_found(driver: Driver) -> None:
    """An unknown task raises TaskNotFound with status 404 and the request id."""
    ref = "nope" if driver.provider == "gcore" else "ds/nope"
    driver.seed("other")
    with pytest.raises(aitasks.TaskNotFound) as raised:
        driver.cancel(ref)
    assert raised.value.status_code == 404
    assert raised.value.request_id == driver.fake.requests[-1].request_id


def test_wrong_credentials_raise_authentication_error(driver: Driver) -> None:
    """A wrong API key, token or SK raises AuthenticationError and leaves the task running."""
    ref = driver.seed("t")
    wrong: dict[str, Any]
    if driver.provider == "gcore":
        wrong = {"api_key": "wrong"}
    else:
        wrong = {"token": "wrong"} if driver.auth == "token" else {"secret_key": "wrong"}
    with pytest.raises(aitasks.AuthenticationError):
        driver.cancel(ref, **wrong)
    assert driver.status("t") in ("STARTED", 1)


def test_provider_specific_refusals(driver: Driver) -> None:
    """Gcore's disabled feature raises FeatureDisabled; ModelArts' other project raises PermissionDenied."""
    ref = driver.seed("t")
    if driver.provider == "gcore":
        driver.fake.set_gcore_feature_disabled()
        with pytest.raises(aitasks.FeatureDisabled):
            driver.cancel(ref)
    else:
        with pytest.raises(aitasks.PermissionDenied):
            driver.cancel(ref, project_id="f" * 32)
    assert driver.count("t") == 0


def test_retries_on_503_with_retry_after_and_on_a_dropped_connection(driver: Driver) -> None:
    """A 503 with Retry-After and a dropped connection are retried; the task is cancelled exactly once."""
    ref = driver.seed("t")
    driver.fake.fail_next(503, retry_after=1)
    driver.fake.drop_next()
    result = driver.cancel(ref)
    assert (result.outcome, result.attempts) == (aitasks.Outcome.CANCELLED, 3)
    assert [r.status for r in driver.fake.requests] == [503, None, driver.success]
    assert driver.count("t") == 1


def test_retries_give_up_after_max_retries(driver: Driver) -> None:
    """Three 502s with max_retries=2 raise ServerError after exactly three calls, the task untouched."""
    ref = driver.seed("t")
    driver.fake.fail_next(502, times=5)
    with pytest.raises(aitasks.ServerError):
        driver.cancel(ref, max_retries=2)
    assert len(driver.fake.requests) == 3
    assert driver.count("t") == 0


def test_timeout_raises_timeout(driver: Driver) -> None:
    """A call slower than the client's timeout raises aitasks.Timeout (no retries here)."""
    ref = driver.seed("t")
    driver.fake.delay_next(2)
    with pytest.raises(aitasks.Timeout):
        driver.cancel(ref, timeout=0.2, max_retries=0)


@pytest.mark.parametrize("malformation", ["invalid_json", "html", "invalid_utf8", "truncated", "empty"])
def test_malformed_answers_give_a_result_or_a_library_error(driver: Driver, malformation: Malformation) -> None:
    """Whatever broken body arrives, the caller gets a CancelResult or an AITasksError, nothing else."""
    ref = driver.seed("t")
    driver.fake.malform_next(malformation)
    with contextlib.suppress(aitasks.AITasksError):
        driver.cancel(ref, max_retries=0)
    assert driver.count("t") == 0


def test_bulk_cancel_through_the_fake_cancels_each_task_exactly_once(fake_cloud: FakeCloud) -> None:
    """AsyncClient.cancel_many over 400 refs (16 at a time, with faults on the way) leaves every task cancelled once."""
    refs = []
    for i in range(200):
        fake_cloud.add_gcore_task(f"g{i}")
        fake_cloud.add_modelarts_task("ds", f"m{i}")
        refs += [f"gcore:g{i}", f"modelarts:ds/m{i}"]
    # One fault per task, so no ref meets more failures than its two retries can absorb.
    for i in range(5):
        fake_cloud.fail_next(503, task_id=f"g{i * 7}")
    for i in range(3):
        fake_cloud.drop_next(task_id=f"m{i * 11}")

    async def run() -> list[aitasks.BulkResult]:
        async with fake_cloud.async_client(auth="aksk") as client:
            return [item async for item in client.cancel_many(refs, concurrency=16)]

    results = asyncio.run(run())
    assert len(results) == len(refs)
    assert all(item.ok for item in results), [item.error for item in results if not item.ok][:3]
    for i in range(200):
        assert fake_cloud.cancel_count("gcore", f"g{i}") == 1
        assert fake_cloud.cancel_count("modelarts", f"m{i}", "ds") == 1
    assert fake_cloud.pending_faults == 0


def test_client_helper_routes_both_providers(fake_cloud: FakeCloud) -> None:
    """fake.client() builds an aitasks.Client that reaches both providers."""
    fake_cloud.add_gcore_task("g")
    fake_cloud.add_modelarts_task("d", "m")
    with fake_cloud.client(auth="aksk") as client:
        assert client.cancel("gcore:g").outcome is aitasks.Outcome.CANCELLED
        assert client.cancel("modelarts:d/m").outcome is aitasks.Outcome.CANCELLED
    assert [r.route for r in fake_cloud.requests] == ["gcore", "modelarts"]


def test_temporary_credentials_send_the_security_token() -> None:
    """With a security token configured, the AK/SK helper client sends it and the fake accepts the call."""
    with FakeCloud(security_token="sts-token") as fake:
        fake.add_modelarts_task("d", "m")
        with fake.modelarts_client("aksk") as modelarts:
            assert modelarts.cancel("d/m").status_code == 204
        assert fake.requests[-1].headers["x-security-token"] == "sts-token"

"""A third provider declared in one module (here, this test's `Toy`) and registered is served by FakeCloud whole:
routes, seeding, faults, control API and request log, with nothing else of the fake changed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import httpx
import pytest

from aitasks.testing import FakeCloud
from aitasks.testing._provider import (
    PROVIDERS,
    BadQuery,
    FakeProvider,
    FakeTask,
    Reply,
    Route,
    integer_param,
    json_reply,
    query_params,
    register,
)

if TYPE_CHECKING:
    from aitasks.testing._state import CloudState, Incoming

TOY_STATUSES = ("queued", "running", "done", "cancelled")


@attrs.define
class ToyTask(FakeTask):
    """A toy job: only a status."""


def _toy_error(status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    return json_reply(status, {"toy_error": message}, headers)


class Toy(FakeProvider):
    """A toy cloud: `X-Toy-Key` auth, cancel (200 / 409), get, and a list paged by `page` (from 1), 2 per page."""

    name = "toy"
    routes = (
        Route("POST", "/toy/jobs/{task_id}/cancel", "cancel"),
        Route("GET", "/toy/jobs/{task_id}", "get"),
        Route("GET", "/toy/jobs", "list"),
    )
    seed_fields = ("status",)

    def error(self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        return _toy_error(status, message, headers)

    def seed(self, store: CloudState, task_id: str, dataset_id: str | None, fields: Mapping[str, Any]) -> FakeTask:
        status = fields.get("status", "running")
        if status not in TOY_STATUSES:
            raise ValueError(f"undocumented toy status {status!r}")
        return ToyTask(task_id, status, store.now(), store.next_seq())

    def answer(self, store: CloudState, call: Incoming) -> tuple[Reply, bool]:
        if call.headers.get("x-toy-key") != "toy":
            return _toy_error(401, "no key"), False
        with store.lock:
            if call.operation == "list":
                try:
                    page = integer_param(query_params(call.target.query), "page", 1, lambda n: n >= 1)
                except BadQuery:
                    return _toy_error(400, "bad page"), False
                jobs: Sequence[FakeTask] = store.tasks_of(self.name)[(page - 1) * 2 : page * 2]
                return json_reply(200, {"jobs": [{"id": job.task_id, "status": job.status} for job in jobs]}), False
            task = store.task(self.name, None, call.target.task_id or "")
            if task is None:
                return _toy_error(404, "no such job"), False
            if call.operation == "get":
                return json_reply(200, {"id": task.task_id, "status": task.status}), False
            if task.status in ("done", "cancelled"):
                return _toy_error(409, f"job is {task.status}"), False
            task.status = "cancelled"
            task.cancels += 1
        return json_reply(200, {"id": task.task_id, "status": "cancelled"}), True


KEY = {"X-Toy-Key": "toy"}


@pytest.fixture
def toy() -> Iterator[FakeCloud]:
    """A FakeCloud created while Toy is registered (it leaves the registry afterwards)."""
    register(Toy())
    try:
        with FakeCloud() as fake:
            yield fake
    finally:
        PROVIDERS.pop("toy", None)


def test_a_registered_provider_is_served_list_get_cancel(toy: FakeCloud) -> None:
    """Seeded through FakeCloud, the toy's jobs list by page, read, cancel once, then answer 409."""
    for job in ("j1", "j/2", "J3"):
        toy.add_task("toy", job)
    toy.add_task("toy", "old", status="done")
    with httpx.Client(base_url=toy.base_url, headers=KEY) as http:
        pages = [http.get("/toy/jobs", params={"page": page}).json()["jobs"] for page in (1, 2, 3)]
        assert [[job["id"] for job in page] for page in pages] == [["j1", "j/2"], ["J3", "old"], []]
        assert http.get("/toy/jobs/j%2F2").json() == {"id": "j/2", "status": "running"}
        assert http.post("/toy/jobs/j%2F2/cancel").status_code == 200
        again = http.post("/toy/jobs/j%2F2/cancel")
        assert (again.status_code, again.json()) == (409, {"toy_error": "job is cancelled"})
        assert http.post("/toy/jobs/old/cancel").status_code == 409
        assert http.get("/toy/jobs/nope").status_code == 404
        assert http.get("/toy/jobs", params={"page": "0"}).status_code == 400
        assert http.get("/toy/jobs", headers={"X-Toy-Key": "x"}).status_code == 401
    assert (toy.task_status("toy", "j/2"), toy.cancel_count("toy", "j/2")) == ("cancelled", 1)
    logged = [(r.route, r.operation, r.task_id, r.status, r.changed_state) for r in toy.requests[3:6]]
    assert logged == [
        ("toy", "get", "j/2", 200, False),
        ("toy", "cancel", "j/2", 200, True),
        ("toy", "cancel", "j/2", 409, False),
    ]


def test_faults_control_and_errors_reach_a_registered_provider(toy: FakeCloud) -> None:
    """Faults target the toy by provider and operation; the control API seeds, lists and deletes its jobs; an
    unknown path or method under its routes gets its own error shape."""
    with httpx.Client(base_url=toy.base_url, headers=KEY) as http:
        seeded = http.post("/_fake/tasks", json={"provider": "toy", "task_id": "j1"})
        assert (seeded.status_code, seeded.json()["status"]) == (201, "running")
        toy.fail_next(503, provider="toy", operation="cancel")
        toy.malform_next("truncated", provider="toy", operation="get")
        first = http.post("/toy/jobs/j1/cancel")
        assert (first.status_code, first.json()) == (503, {"toy_error": "Service Unavailable"})
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/toy/jobs/j1")
        assert http.post("/toy/jobs/j1/cancel").status_code == 200
        assert http.get("/_fake/tasks").json()["tasks"] == [
            {"provider": "toy", "task_id": "j1", "dataset_id": None, "status": "cancelled", "cancels": 1}
        ]
        wrong = http.delete("/toy/jobs/j1")
        assert (wrong.status_code, wrong.headers["allow"], "toy_error" in wrong.json()) == (405, "GET", True)
        assert "toy_error" in http.get("/toy/nothing/here").json()
        assert http.post("/_fake/tasks", json={"provider": "toy", "task_id": "x", "status": "lost"}).status_code == 400
        assert http.post("/_fake/tasks", json={"provider": "toy", "task_id": "x", "type": "a"}).json() == {
            "error": "'type' is a modelarts field, not a toy one"
        }
        assert http.delete("/_fake/tasks/toy/j1").json()["status"] == "cancelled"
        assert http.get("/toy/jobs/j1").status_code == 404


def test_a_fake_serves_the_providers_registered_when_it_was_created(toy: FakeCloud) -> None:
    """A FakeCloud made before (or after) the toy left the registry does not serve it."""
    del PROVIDERS["toy"]
    with FakeCloud() as plain:
        with pytest.raises(ValueError, match="unknown provider 'toy'"):
            plain.add_task("toy", "j1")
        assert httpx.get(plain.base_url + "/toy/jobs", headers=KEY).json() == {"error": "Not found"}
    toy.add_task("toy", "j1")
    assert httpx.get(toy.base_url + "/toy/jobs", headers=KEY).json() == {"jobs": [{"id": "j1", "status": "running"}]}

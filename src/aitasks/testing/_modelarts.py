"""The fake's ModelArts auto labeling / auto grouping tasks: routes, statuses, bodies, lists, errors, auth, seeding.

Statuses: the integers of `status` in obtaining_details_about_an_auto_labeling_task.rst, Table 2 ("Task status.
Options:" -1 queuing, 0 initializing, 1 running, 2 failed, 3 succeeded, 4 stopping, 5 stopped). A stop takes a
running task (-1, 0, 1) to 4 (stopping); it reads as 5 (stopped) from the fake's `modelarts_stop_delay` seconds
later on (worked out when read, so no timer thread). A task seeded as 4 stops the same delay after seeding.
Stopping a task that is already stopping, stopped, failed or completed: the page documents only 204, 401, 403 and
404, and 404 means the dataset or task does not exist, which would be false; the fake answers 204 again without
changing anything (stop is idempotent), so the log shows `changed_state=False` and `cancel_count` does not grow.

Bodies (obtaining_details_about_an_auto_labeling_task.rst Table 2, obtaining_an_auto_labeling_task_list_by_page.rst
Tables 3-4): only fields whose value the fake can know; every field is optional there.
- create_time in the examples' format (`2020-11-23 11:08:20`, UTC on the fake's clock); elapsed_time in whole
  seconds from creation to now or to the end (the pages give no unit).
- progress: the seeded value, else 100.0 for succeeded (3), as in the list example, and 0.0 otherwise.
- type (list items only, an Integer with no options on the page): 0 for auto-label and 1 for pre-label, read off
  the list example (type 1 is "prelabel task execute successfully.", type 0 a training job); no value is
  documented for auto-grouping, so such items carry no type.
- exist_running_deploy_task: false, the example's value (the fake has no one-click model deployment).

The task list (obtaining_an_auto_labeling_task_list_by_page.rst, Table 2):
- limit 1..100 (default 10); offset "Start page for pagination display", default 0: a page index, so page n
  holds the tasks n*limit .. n*limit+limit-1;
- type: auto-label, pre-label or auto-grouping; "If this parameter is not delivered, the auto labeling (active
  learning or pre-labeling) task list is returned": no type lists auto-label and pre-label tasks only;
  an undocumented type matches no task;
- task_name: "Task name filtering" (the fake matches the whole name);
- newest first, as the page's example lists them; total_count counts every match.
- a limit outside 1..100 or an offset that is no integer >= 0 answers 400 ModelArts.0104 "Parameter error.",
  the vendor's error code for it (https://docs.otc.t-systems.com/modelarts/api-ref/common_parameters/
  error_codes.html); the page itself documents no 400.

The project's dataset list (querying_the_dataset_list.rst): a dataset exists once a task is seeded in it, or when
seeded alone (`add_modelarts_dataset`, `POST /_fake/datasets`); its dataset_name defaults to its id.
- limit 1..100 (default 10) and offset, "Start page of the paging list", default 0: a page index, as on the task
  list; total_number counts every match.
- sort_by create_time (default) or dataset_name; order desc (default) or asc.
- search_content ("Fuzzy search keyword"): a case-insensitive substring of dataset_name; dataset_type: one of
  Table 2's options, and every dataset of the fake is 0 (image classification, the example's); workspace_id: the
  fake's datasets are in "0", the page's value when no workspace is created.
- check_running_task=true fills exist_running_task and running_tasks_id with the tasks running (1) or
  initializing (0), of running_task_type when given (0 auto labeling, 1 pre-labeling, 7 auto grouping; the fake
  has no task of the other types); without it nothing is detected: false and [], as in the page's example.
- the other parameters (contain_versions, file_preview, support_export, with_labels, train_evaluate_ratio,
  version_format, dataset_version) change nothing in the fake, which has no versions, labels or sample files;
  each is checked against its type.
- each dataset: dataset_id, dataset_name, dataset_type 0, status 1 ("normal dataset", the example's), create_time
  and update_time in milliseconds since the epoch (the example's Long), description "" (the example's),
  workspace_id "0", exist_running_task, running_tasks_id.
- a value outside its parameter's type or options answers 400 ModelArts.0104, as on the task list.

Auth: `X-Auth-Token`, or an APIG `SDK-HMAC-SHA256` signature recomputed from the request as received (with
`X-Security-Token` when the fake has one); a project other than the fake's answers 403.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .._auth import ALGORITHM, DATE_FORMAT, canonical_request, signature
from ._provider import BadQuery, FakeProvider, FakeTask, Reply, Route, integer_param, json_reply, query_params, register

if TYPE_CHECKING:
    from ._records import RequestHeaders
    from ._state import CloudState, Incoming


MODELARTS_RUNNING = (-1, 0, 1)  # queuing, initializing, running: a stop moves these to 4
MODELARTS_STOPPING = 4
MODELARTS_STOPPED = 5
MODELARTS_FINISHED = (2, 3, 5)  # failed, succeeded, stopped
MODELARTS_STATUSES = (-1, 0, 1, 2, 3, 4, 5)
# The `type` query parameter's options (obtaining_an_auto_labeling_task_list_by_page.rst, Table 2).
MODELARTS_TYPES = ("auto-label", "pre-label", "auto-grouping")
_TYPE_CODES = {"auto-label": 0, "pre-label": 1}
_RUNNING_TYPES = {0: "auto-label", 1: "pre-label", 7: "auto-grouping"}  # running_task_type options the fake has
DATASET_TYPES = (0, 1, 3, 100, 101, 102, 200, 201, 202, 400, 600, 900)  # dataset_type options (Table 2)
_BOOLEANS = ("check_running_task", "contain_versions", "file_preview", "support_export", "with_labels")
_INTEGERS = {"dataset_type": DATASET_TYPES, "running_task_type": range(8), "version_format": (0, 1, 2)}
_CHOICES = {"sort_by": ("create_time", "dataset_name"), "order": ("desc", "asc")}
MAX_CLOCK_SKEW = dt.timedelta(minutes=15)  # APIG rejects an X-Sdk-Date further than this from its clock


@attrs.define
class ModelArtsTask(FakeTask):
    """One ModelArts auto labeling / auto grouping task."""

    task_type: str = "auto-label"
    task_name: str | None = None
    progress: float | None = None
    finished: dt.datetime | None = None
    stop_at: dt.datetime | None = None  # when a stopping (4) task becomes stopped (5)

    def settle(self, now: dt.datetime) -> None:
        if self.status == MODELARTS_STOPPING and self.stop_at is not None and now >= self.stop_at:
            self.status, self.finished, self.stop_at = MODELARTS_STOPPED, self.stop_at, None

    def fields(self) -> dict[str, Any]:
        return {"task_name": self.task_name, "progress": self.progress, "type": self.task_type}


@attrs.define
class Dataset:
    """One dataset of the project."""

    dataset_id: str
    dataset_name: str
    created: dt.datetime
    seq: int


def _error(status: int, code: str, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
    """ModelArts/APIG's error shape: {"error_code", "error_msg"}."""
    return json_reply(status, {"error_code": code, "error_msg": message}, headers)


def _task_body(task: ModelArtsTask, now: dt.datetime, *, item: bool) -> dict[str, Any]:
    """GET .../tasks/{task_id} (Table 2), or one RunningTask of GET .../tasks (Table 4)."""
    progress = task.progress if task.progress is not None else (100.0 if task.status == 3 else 0.0)
    end = task.finished if task.finished is not None else now
    body: dict[str, Any] = {"dataset_id": task.dataset_id} if item else {}
    body.update(
        task_id=task.task_id,
        status=task.status,
        progress=float(progress),
        create_time=f"{task.created.astimezone(dt.timezone.utc):%Y-%m-%d %H:%M:%S}",
        elapsed_time=max(0, int((end - task.created).total_seconds())),
    )
    if task.task_name is not None:
        body["task_name"] = task.task_name
    if item and task.task_type in _TYPE_CODES:
        body["type"] = _TYPE_CODES[task.task_type]
    return body


def _list_body(tasks: Sequence[Any], query: str, now: dt.datetime) -> dict[str, Any]:
    """The ListTasks body for one dataset's tasks; BadQuery for a bad limit or offset."""
    params = query_params(query)
    limit = integer_param(params, "limit", 10, lambda n: 1 <= n <= 100)
    offset = integer_param(params, "offset", 0, lambda n: n >= 0)
    wanted = params.get("type") or None
    types = {"auto-label", "pre-label"} if wanted is None else {wanted}
    name = params.get("task_name") or None
    matching = [t for t in tasks if t.task_type in types and (name is None or t.task_name == name)]
    matching.sort(key=lambda t: (t.created, t.seq), reverse=True)
    start = offset * limit
    return {
        "tasks": [_task_body(task, now, item=True) for task in matching[start : start + limit]],
        "total_count": len(matching),
        "exist_running_deploy_task": False,
    }


def _datasets_body(store: CloudState, name: str, query: str) -> dict[str, Any]:
    """The ListDatasets body for this query; BadQuery for an undocumented value."""
    params = query_params(query)
    limit = integer_param(params, "limit", 10, lambda n: 1 <= n <= 100)
    offset = integer_param(params, "offset", 0, lambda n: n >= 0)
    for key in _BOOLEANS:
        if params.get(key, "true") not in ("true", "false"):
            raise BadQuery(key, params[key])
    number = {key: integer_param(params, key, -1, options.__contains__) for key, options in _INTEGERS.items()}
    sort_by, order = (params.get(key, options[0]) for key, options in _CHOICES.items())
    for key, value in (("sort_by", sort_by), ("order", order)):
        if value not in _CHOICES[key]:
            raise BadQuery(key, value)
    search = params.get("search_content", "").casefold()
    listed = number["dataset_type"] in (-1, 0) and params.get("workspace_id", "0") == "0"
    found = [d for (p, _), d in store.datasets.items() if p == name and listed and search in d.dataset_name.casefold()]
    found.sort(
        key=lambda d: (d.dataset_name if sort_by == "dataset_name" else d.created, d.seq), reverse=order == "desc"
    )
    kind = number["running_task_type"]  # a type of export, version switch, ...: the fake has no such task
    kinds = set(_RUNNING_TYPES.values()) if kind == -1 else {_RUNNING_TYPES.get(kind)}
    detect = params.get("check_running_task") == "true"
    body = []
    for dataset in found[offset * limit : offset * limit + limit]:
        tasks = store.tasks_of(name, dataset.dataset_id) if detect else []
        running = [t.task_id for t in tasks if t.status in (0, 1) and getattr(t, "task_type", None) in kinds]
        millis = int(dataset.created.timestamp() * 1000)
        body.append(
            {"dataset_id": dataset.dataset_id, "dataset_name": dataset.dataset_name, "dataset_type": 0, "status": 1,
             "create_time": millis, "update_time": millis, "description": "", "workspace_id": "0",
             "exist_running_task": bool(running), "running_tasks_id": running}
        )  # fmt: skip
    return {"total_number": len(found), "datasets": body}


def verify_signature(call: Incoming, access_key: str, secret_key: str, now: dt.datetime) -> str | None:
    """None when the call is signed with this AK/SK within the allowed skew, else the reason it is not."""
    headers: RequestHeaders = call.headers
    parsed = parse_authorization(headers.get("authorization", ""))
    if parsed is None:
        return "Authorization is not an SDK-HMAC-SHA256 signature."
    access, signed, sig = parsed
    if not hmac.compare_digest(access.encode(), access_key.encode()):
        return "Unknown access key."
    if "x-sdk-date" not in signed:
        return "X-Sdk-Date is not a signed header."
    if signed != sorted(signed) or any(name != name.lower() or name not in headers for name in signed):
        return "SignedHeaders names a header that was not sent, or is not lowercase and sorted."
    try:
        sdk_date = dt.datetime.strptime(headers["x-sdk-date"], DATE_FORMAT).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        return "X-Sdk-Date is not in the format YYYYMMDDTHHMMSSZ."
    if abs(now - sdk_date) > MAX_CLOCK_SKEW:
        return "X-Sdk-Date is more than 15 minutes away from the server time."
    values = {name: headers[name] for name in signed}
    try:
        canonical = canonical_request(call.method, call.target.raw_path, call.target.query, values, signed, call.body)
    except (UnicodeError, ValueError):
        return "The request path cannot be canonicalised."
    if not hmac.compare_digest(signature(canonical, headers["x-sdk-date"], secret_key), sig):
        return "The signature does not match the request."
    return None


class ModelArts(FakeProvider):
    """ModelArts' auto labeling task API: token or AK/SK auth, stop (204), get, each dataset's paged task list, and
    the project's paged dataset list."""

    name = "modelarts"
    routes = (
        Route("POST", "/v2/{project_id}/datasets/{dataset_id}/tasks/{task_id}/stop", "cancel", body_status=404),
        Route("GET", "/v2/{project_id}/datasets/{dataset_id}/tasks/{task_id}", "get"),
        Route("GET", "/v2/{project_id}/datasets/{dataset_id}/tasks", "list"),
        Route("GET", "/v2/{project_id}/datasets", "datasets"),
    )
    seed_fields = ("status", "task_name", "progress", "type")
    has_datasets = True

    def error(self, status: int, message: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        code = "APIG.0101" if status in (404, 405) else f"FakeCloud.{status}"  # APIG's "no such API" code
        return _error(status, code, message, headers)

    def seed(self, store: CloudState, task_id: str, dataset_id: str | None, fields: Mapping[str, Any]) -> FakeTask:
        status, task_type = fields.get("status", 1), fields.get("type")
        task_name, progress = fields.get("task_name"), fields.get("progress")
        if isinstance(status, bool) or status not in MODELARTS_STATUSES or not isinstance(status, int):
            expected = ", ".join(map(str, MODELARTS_STATUSES))
            raise ValueError(f"undocumented modelarts status {status!r}; expected one of the integers {expected}")
        if task_type is not None and task_type not in MODELARTS_TYPES:
            types = ", ".join(MODELARTS_TYPES)
            raise ValueError(f"undocumented modelarts type {task_type!r}; expected one of {types}")
        if progress is not None and (type(progress) not in (int, float) or not 0 <= progress <= 100):
            raise ValueError(f"modelarts progress must be a percentage 0..100, not {progress!r}")
        if task_name is not None and (not isinstance(task_name, str) or not task_name):
            raise ValueError("modelarts task_name must be a non-empty string")
        now = store.now()
        stopping = status == MODELARTS_STOPPING
        return ModelArtsTask(
            task_id, status, now, store.next_seq(), dataset_id=dataset_id, task_type=task_type or "auto-label",
            task_name=task_name, progress=progress,
            finished=None if status in (*MODELARTS_RUNNING, MODELARTS_STOPPING) else now,
            stop_at=now + dt.timedelta(seconds=store.config.modelarts_stop_delay) if stopping else None,
        )  # fmt: skip

    def add_dataset(self, store: CloudState, dataset_id: str, fields: Mapping[str, Any]) -> object:
        name = fields.get("dataset_name", dataset_id)
        if not isinstance(name, str) or not name:
            raise ValueError("modelarts dataset_name must be a non-empty string")
        return Dataset(dataset_id, name, store.now(), store.next_seq())

    def answer(self, store: CloudState, call: Incoming) -> tuple[Reply, bool]:
        denied = self._auth(store, call)
        if denied is not None:
            return denied, False
        project = store.config.project_id
        if call.target.project_id != project or call.headers.get("x-project-id", project) != project:
            return _error(403, "ModelArts.0203", "No permission on this project."), False
        dataset_id, task_id, now = call.target.dataset_id, call.target.task_id, store.now()
        with store.lock:
            if call.operation == "datasets":
                try:
                    return json_reply(200, _datasets_body(store, self.name, call.target.query)), False
                except BadQuery:
                    return _error(400, "ModelArts.0104", "Parameter error."), False
            if (self.name, dataset_id) not in store.datasets:
                return _error(404, "ModelArts.4352", "Dataset not found."), False
            if call.operation == "list":
                try:
                    return json_reply(
                        200, _list_body(store.tasks_of(self.name, dataset_id), call.target.query, now)
                    ), False
                except BadQuery:  # the vendor's code for a bad parameter; see the module docstring
                    return _error(400, "ModelArts.0104", "Parameter error."), False
            task = store.task(self.name, dataset_id, task_id or "")
            if task is None:
                return _error(404, "ModelArts.4353", "Task not found."), False
            assert isinstance(task, ModelArtsTask)
            if call.operation == "get":
                return json_reply(200, _task_body(task, now, item=False)), False
            if task.status not in MODELARTS_RUNNING:
                return json_reply(204, None), False  # idempotent: see the module docstring
            task.status = MODELARTS_STOPPING
            task.stop_at = now + dt.timedelta(seconds=store.config.modelarts_stop_delay)
            task.cancels += 1
        return json_reply(204, None), True

    def _auth(self, store: CloudState, call: Incoming) -> Reply | None:
        config, headers = store.config, call.headers
        token = headers.get("x-auth-token")
        if token is not None:
            if hmac.compare_digest(token.encode(), config.token.encode()):
                return None
            return _error(401, "APIG.1002", "Incorrect token or token resolution failed")
        if "authorization" not in headers:
            return _error(401, "APIG.1000", "No X-Auth-Token and no AK/SK signature in the request.")
        problem = verify_signature(call, config.access_key, config.secret_key, store.now())
        if problem is None and config.security_token is not None:
            sent = headers.get("x-security-token", "")
            if not hmac.compare_digest(sent.encode(), config.security_token.encode()):
                problem = "X-Security-Token is missing or wrong."
        if problem is not None:
            return _error(401, "APIG.0301", f"Incorrect IAM authentication information: {problem}")
        return None


_AUTHORIZATION = re.compile(
    rf"^{ALGORITHM} Access=(?P<access>[^,\s]+), SignedHeaders=(?P<signed>[^,\s]+), Signature=(?P<sig>[0-9a-f]{{64}})$"
)


def parse_authorization(value: str) -> tuple[str, list[str], str] | None:
    """Split an Authorization value into (access key, signed header names, signature), or None."""
    match = _AUTHORIZATION.match(value)
    if match is None:
        return None
    return match["access"], match["signed"].split(";"), match["sig"]


register(ModelArts())

"""The generated models parse what the vendors publish: unlisted enum values, the spec's own examples, nulls."""

from __future__ import annotations

import datetime
import enum
import importlib
import inspect
import json
import pkgutil
import types
import typing
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import yaml

from aitasks_gcore_api.api.ai import get_ai_task, get_ai_tasks_list
from aitasks_gcore_api.client import Client
from aitasks_gcore_api.models import AiResults, AiResultsProcessingTime, AiTaskBaseStatus, AiTasksList
from aitasks_gcore_api.types import UNSET, Unset

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("aitasks_gcore_api", "aitasks_modelarts_api")
SLICE = yaml.safe_load((ROOT / "specs" / "gcore" / "openapi.yaml").read_bytes())
NEWER = ROOT / "tests" / "fixtures" / "gcore-history" / "mintlify-2ac03f04b.yaml"


def _status_enum(doc: dict[str, Any]) -> set[str]:
    return set(doc["components"]["schemas"]["ai_task_base"]["properties"]["status"]["enum"])


def _added_statuses() -> list[str]:
    """Task statuses the vendor's next version lists and the pinned one does not (RECEIVED, June 2026)."""
    newer = yaml.load(NEWER.read_bytes(), Loader=yaml.CSafeLoader)
    return sorted(_status_enum(newer) - _status_enum(SLICE))


def _serve(body: Any) -> Client:
    """A generated client whose every request is answered 200 with body."""
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=body))
    return Client(base_url="https://api.gcore.test", httpx_args={"transport": transport})


def test_received_is_the_status_the_vendor_added() -> None:
    """The pinned spec does not list RECEIVED; the vendor's June 2026 version does."""
    assert _added_statuses() == ["RECEIVED"]


@pytest.mark.parametrize("status", _added_statuses())
def test_unlisted_task_status_parses_through_get_and_list(status: str) -> None:
    """RECEIVED comes back as the plain string from get_ai_task and get_ai_tasks_list; a listed one is the member."""
    example = SLICE["components"]["schemas"]["ai_results"]["example"]
    task = get_ai_task.sync(task_id="t", client=_serve({**example, "status": status}))
    assert isinstance(task, AiResults)
    assert task.status == status and type(task.status) is str
    listing = SLICE["components"]["schemas"]["ai_tasks_list"]["example"]
    listing = {**listing, "results": [{**listing["results"][0], "status": status}, *listing["results"][1:]]}
    page = get_ai_tasks_list.sync(client=_serve(listing))
    assert isinstance(page, AiTasksList) and not isinstance(page.results, Unset)
    assert [t.status for t in page.results] == [status, AiTaskBaseStatus.STARTED]
    assert page.results[1].status is AiTaskBaseStatus.STARTED
    assert page.to_dict() == listing


def test_get_ai_task_example_gives_result_and_processing_time() -> None:
    """The spec's own 200 example for get_ai_task parses: result, processing_time and the rest, and round-trips."""
    example = SLICE["components"]["schemas"]["ai_results"]["example"]
    response = get_ai_task.sync_detailed(task_id="aafe70c6", client=_serve(example))
    task = response.parsed
    assert isinstance(task, AiResults)
    assert isinstance(task.processing_time, AiResultsProcessingTime)
    assert task.processing_time.started_at == example["processing_time"]["started_at"]
    assert task.processing_time.total_time_sec == example["processing_time"]["total_time_sec"] == 62.901
    assert task.result is not UNSET and not isinstance(task.result, dict)  # {} is a result branch, empty
    assert task.task_data == {}  # the vendor's example matches none of task_data's branches: kept as received
    assert task.status is AiTaskBaseStatus.SUCCESS and task.progress == 100
    assert task.to_dict() == example


def test_nulls_the_vendor_defaults_to_parse() -> None:
    """`default: null` fields (progress, result, completed_at, next, previous) accept the null the API sends."""
    task = AiResults.from_dict({"progress": None, "result": None, "processing_time": {"completed_at": None}})
    assert task.progress is None and task.result is None
    assert isinstance(task.processing_time, AiResultsProcessingTime) and task.processing_time.completed_at is None
    page = AiTasksList.from_dict(SLICE["components"]["schemas"]["ai_tasks_list"]["example"])
    assert page.previous is None and page.next_ == "page=2"


def test_each_result_example_is_filed_under_its_own_model() -> None:
    """A result is parsed as the branch that knows all its keys, not the first branch that accepts an object.

    The vendor's nsfw example says `porn_detected` where its schema says `nsfw_detected`, so it is left out.
    """
    schemas = SLICE["components"]["schemas"]
    names = [
        name
        for name, schema in schemas.items()
        if name.startswith("ai_results_") and set(schema["example"]) <= set(schema["properties"])
    ]
    assert len(names) == 5
    for name in names:
        task = AiResults.from_dict({"result": schemas[name]["example"]})
        assert type(task.result).__name__ == "".join(part.capitalize() for part in name.split("_")), name
        assert task.to_dict() == {"result": schemas[name]["example"]}


# --- every enum of both packages is open ----------------------------------------------------------------------


def _models(package: str) -> dict[str, Any]:
    return dict(vars(importlib.import_module(f"{package}.models")))


def _hints(cls: type, package: str) -> dict[str, Any]:
    module = inspect.getmodule(cls)
    namespace = {**vars(module), **_models(package), **vars(importlib.import_module(f"{package}.types"))}
    return typing.get_type_hints(cls, globalns=namespace)


def _args(tp: Any) -> tuple[Any, ...]:
    return typing.get_args(tp) if typing.get_origin(tp) in (typing.Union, types.UnionType, list, dict) else ()


def _mentions(tp: Any, target: type) -> bool:
    return tp is target or any(_mentions(arg, target) for arg in _args(tp))


def _sample(tp: Any, package: str, depth: int = 0) -> Any:
    """A Python value of type tp, as the generated code would build it (models built from their required fields)."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        usable = [arg for arg in typing.get_args(tp) if arg is not type(None) and not _is_unset(arg)]
        return _sample(usable[0], package, depth)
    if origin is list:
        return [_sample(typing.get_args(tp)[0], package, depth)]
    if origin is dict:
        return {"key": _sample(typing.get_args(tp)[1], package, depth)}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return next(iter(tp))
    if isinstance(tp, type) and attrs.has(tp):
        assert depth < 8, tp
        return _build(tp, package, depth + 1)
    simple = {
        bool: True,
        int: 7,
        float: 1.5,
        str: "text",
        uuid.UUID: uuid.UUID(int=1),
        datetime.datetime: datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone.utc),
        datetime.date: datetime.date(2026, 1, 2),
    }
    return simple.get(tp, "text")


def _build(cls: type, package: str, depth: int = 0) -> Any:
    hints = _hints(cls, package)
    required = {
        f.name: _sample(hints[f.name], package, depth)
        for f in attrs.fields(cls)
        if f.init and f.default is attrs.NOTHING
    }
    return cls(**required)


def _enum_uses(package: str) -> Iterator[tuple[type, type, str]]:
    """(enum class, model class, attribute) for every model attribute whose type holds an enum of the package."""
    models = _models(package)
    enums = [obj for obj in models.values() if isinstance(obj, type) and issubclass(obj, enum.Enum)]
    for model in (obj for obj in models.values() if isinstance(obj, type) and attrs.has(obj)):
        for name, hint in _hints(model, package).items():
            for enum_class in enums:
                if _mentions(hint, enum_class):
                    yield enum_class, model, name


def _unlisted(enum_class: type[enum.Enum]) -> str | int:
    values = [member.value for member in enum_class]
    return max(values) + 100 if isinstance(values[0], int) else "AITASKS_UNLISTED_VALUE"


def _request_only(package: str, enum_class: type) -> bool:
    """Whether an enum is used only by an endpoint's parameters (what the client sends, not what it parses)."""
    api = importlib.import_module(f"{package}.api")
    for info in pkgutil.walk_packages(api.__path__, f"{api.__name__}."):
        if (
            not info.ispkg
            and enum_class.__name__ in Path(importlib.import_module(info.name).__file__ or "").read_text()
        ):
            return True
    return False


USES = [use for package in PACKAGES for use in _enum_uses(package)]


@pytest.mark.parametrize(("enum_class", "model", "attribute"), USES, ids=[f"{m.__name__}.{a}" for _, m, a in USES])
def test_every_enum_accepts_an_unlisted_value_through_its_models_from_dict(
    enum_class: type[enum.Enum], model: Any, attribute: str
) -> None:
    """An unlisted value in the attribute's JSON comes back as the plain value; a listed one as the member."""
    package = model.__module__.split(".")[0]
    member = next(iter(enum_class))
    hint = _hints(model, package)[attribute]
    listed = [member] if typing.get_origin(_strip(hint)) is list else member
    instance = attrs.evolve(_build(model, package), **{attribute: listed})
    body = instance.to_dict()
    keys = [key for key, value in body.items() if value in (member.value, [member.value])]
    assert keys, body
    unknown = _unlisted(enum_class)
    outcomes = []
    for key in keys:
        wire = json.loads(json.dumps({**body, key: [unknown] if isinstance(body[key], list) else unknown}))
        parsed = getattr(model.from_dict(wire), attribute)
        outcomes.append(parsed in (unknown, [unknown]))
        if parsed in (unknown, [unknown]):
            value = parsed[0] if isinstance(parsed, list) else parsed
            assert type(value) is type(unknown)  # the value as received, not a member
            assert model.from_dict(wire).to_dict() == wire
    assert any(outcomes)
    again = getattr(model.from_dict(body), attribute)
    assert (again[0] if isinstance(again, list) else again) is member


def _is_unset(tp: Any) -> bool:
    """Whether a type is either package's Unset (each generated package has its own class)."""
    return isinstance(tp, type) and tp.__name__ == "Unset" and tp.__module__.endswith(".types")


def _strip(hint: Any) -> Any:
    """The hint without Unset and None."""
    args = [arg for arg in typing.get_args(hint) if arg is not type(None) and not _is_unset(arg)]
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return hint


@pytest.mark.parametrize("package", PACKAGES)
def test_every_enum_is_parsed_by_a_model_or_only_sent(package: str) -> None:
    """Each enum class is covered above, or appears only in an endpoint's parameters (which nothing parses)."""
    covered = {enum_class for enum_class, _, _ in USES}
    models = _models(package)
    for obj in models.values():
        if isinstance(obj, type) and issubclass(obj, enum.Enum) and obj not in covered:
            assert _request_only(package, obj), obj

"""spec_diff reports constraint changes (ranges, lengths, patterns, defaults, request enums) with oasdiff's ids and
levels, each found by mutating a real spec of this repository."""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from spec_diff import OASDIFF_RELEASE, diff_specs, load_spec, main

ROOT = Path(__file__).resolve().parent.parent
SPECS = {name: yaml.safe_load((ROOT / "specs" / name / "openapi.yaml").read_bytes()) for name in ("gcore", "modelarts")}
TASKS = "/v2/{project_id}/datasets/{dataset_id}/tasks"
DATASETS = "/v2/{project_id}/datasets"
GCORE_LIST = "/streaming/ai/tasks"
Spec = dict[str, Any]
Mutation = Callable[[Spec], object]


def param(spec: Spec, path: str, name: str) -> dict[str, Any]:
    """The schema of a GET operation's parameter, to edit in place."""
    (found,) = [p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == name]
    schema: dict[str, Any] = found["schema"]
    return schema


def edit(path: str, name: str, change: Mutation) -> Mutation:
    """An edit of one parameter's schema."""
    return lambda spec: change(param(spec, path, name))


def transcribe(prop: str) -> Callable[[Mutation], Mutation]:
    """An edit of a property of Gcore's ai_transcribe, which only responses carry."""
    return lambda change: lambda spec: change(spec["components"]["schemas"]["ai_transcribe"]["properties"][prop])


# (spec, what, mutation of the new spec, expected {(kind, level)}, where it is reported)
CASES: list[tuple[str, str, Mutation, set[tuple[str, str]], str]] = [
    ("modelarts", "limit maximum lowered to 50", edit(TASKS, "limit", lambda s: s.update(maximum=50)),
     {("request-parameter-max-decreased", "ERR")}, f"GET {TASKS} query parameter limit"),
    ("modelarts", "limit maximum raised", edit(TASKS, "limit", lambda s: s.update(maximum=500)),
     {("request-parameter-max-increased", "INFO")}, f"GET {TASKS} query parameter limit"),
    ("modelarts", "limit minimum raised to 5", edit(TASKS, "limit", lambda s: s.update(minimum=5)),
     {("request-parameter-min-increased", "ERR")}, f"GET {TASKS} query parameter limit"),
    ("modelarts", "limit minimum lowered", edit(TASKS, "limit", lambda s: s.update(minimum=0)),
     {("request-parameter-min-decreased", "INFO")}, f"GET {TASKS} query parameter limit"),
    ("modelarts", "offset minimum set", edit(TASKS, "offset", lambda s: s.update(minimum=0)),
     {("request-parameter-min-set", "WARN")}, f"GET {TASKS} query parameter offset"),
    ("modelarts", "offset maximum set", edit(DATASETS, "offset", lambda s: s.update(maximum=1000)),
     {("request-parameter-max-set", "WARN")}, f"GET {DATASETS} query parameter offset"),
    ("modelarts", "limit bounds removed (loosened: nothing to report)",
     edit(DATASETS, "limit", lambda s: [s.pop("minimum"), s.pop("maximum")]), set(), ""),
    ("modelarts", "limit default changed to 20", edit(TASKS, "limit", lambda s: s.update(default=20)),
     {("request-parameter-default-value-changed", "ERR")}, f"GET {TASKS} query parameter limit"),
    ("modelarts", "offset default removed", edit(DATASETS, "offset", lambda s: s.pop("default")),
     {("request-parameter-default-value-removed", "ERR")}, f"GET {DATASETS} query parameter offset"),
    ("modelarts", "sort_by default added", edit(DATASETS, "sort_by", lambda s: s.update(default="create_time")),
     {("request-parameter-default-value-added", "ERR")}, f"GET {DATASETS} query parameter sort_by"),
    ("modelarts", "pattern added to task_name", edit(TASKS, "task_name", lambda s: s.update(pattern="^[a-z]+$")),
     {("request-parameter-pattern-added", "ERR")}, f"GET {TASKS} query parameter task_name"),
    ("modelarts", "dataset_type enum value removed", edit(DATASETS, "dataset_type", lambda s: s["enum"].remove(900)),
     {("request-parameter-enum-value-removed", "ERR")}, f"GET {DATASETS} query parameter dataset_type"),
    ("modelarts", "dataset_type enum value added", edit(DATASETS, "dataset_type", lambda s: s["enum"].append(901)),
     {("request-parameter-enum-value-added", "INFO")}, f"GET {DATASETS} query parameter dataset_type"),
    ("gcore", "maxLength set on search", edit(GCORE_LIST, "search", lambda s: s.update(maxLength=64)),
     {("request-parameter-max-length-set", "WARN")}, f"GET {GCORE_LIST} query parameter search"),
    ("gcore", "minLength set on search", edit(GCORE_LIST, "search", lambda s: s.update(minLength=3)),
     {("request-min-length-set", "WARN")}, f"GET {GCORE_LIST} query parameter search"),
    ("gcore", "pattern added to task_name", edit(GCORE_LIST, "task_name", lambda s: s.update(pattern="^[a-z]+$")),
     {("request-parameter-pattern-added", "ERR")}, f"GET {GCORE_LIST} query parameter task_name"),
    ("gcore", "page default changed", edit(GCORE_LIST, "page", lambda s: s.update(default=0)),
     {("request-parameter-default-value-changed", "ERR")}, f"GET {GCORE_LIST} query parameter page"),
    ("gcore", "status enum value removed", edit(GCORE_LIST, "status", lambda s: s["enum"].remove("RECEIVED")),
     {("request-parameter-enum-value-removed", "ERR")}, f"GET {GCORE_LIST} query parameter status"),
    ("gcore", "ordering enum value added", edit(GCORE_LIST, "ordering", lambda s: s["enum"].append("finished_at")),
     {("request-parameter-enum-value-added", "INFO")}, f"GET {GCORE_LIST} query parameter ordering"),
    ("gcore", "response maxLength removed", transcribe("client_user_id")(lambda s: s.pop("maxLength")),
     {("response-property-max-length-unset", "ERR")}, "task_data<oneOf ai_transcribe>.client_user_id"),
    ("gcore", "response maxLength raised", transcribe("client_entity_data")(lambda s: s.update(maxLength=8192)),
     {("response-property-max-length-increased", "ERR")}, "task_data<oneOf ai_transcribe>.client_entity_data"),
    ("gcore", "response maxLength lowered (narrowed: nothing to report)",
     transcribe("client_entity_data")(lambda s: s.update(maxLength=100)), set(), ""),
    ("gcore", "response minLength set (narrowed: nothing to report)",
     transcribe("client_user_id")(lambda s: s.update(minLength=2)), set(), ""),
    ("gcore", "response pattern added", transcribe("client_user_id")(lambda s: s.update(pattern="^u")),
     {("response-property-pattern-added", "INFO")}, "task_data<oneOf ai_transcribe>.client_user_id"),
    ("gcore", "response default set (was null)", transcribe("client_user_id")(lambda s: s.update(default="anon")),
     {("response-property-default-value-added", "INFO")}, "task_data<oneOf ai_transcribe>.client_user_id"),
]  # fmt: skip


def _changes(spec: str, mutation: Mutation, old: Spec | None = None) -> list[Any]:
    before = copy.deepcopy(old if old is not None else SPECS[spec])
    after = copy.deepcopy(before)
    mutation(after)
    return diff_specs(
        load_spec(yaml.safe_dump(before).encode(), "old"), load_spec(yaml.safe_dump(after).encode(), "new")
    )


@pytest.mark.parametrize(
    ("spec", "mutation", "expected", "where"),
    [case[0:1] + case[2:] for case in CASES],
    ids=[f"{case[0]}: {case[1]}" for case in CASES],
)
def test_constraint_change_is_reported_with_oasdiff_id_and_level(
    spec: str, mutation: Mutation, expected: set[tuple[str, str]], where: str
) -> None:
    """Each mutation gives exactly the expected kinds and levels, at the parameter or property it touched."""
    changes = _changes(spec, mutation)
    assert {(c.kind, c.level) for c in changes} == expected
    assert all(c.location.endswith(where) for c in changes)
    assert all(c.oasdiff == (c.kind != "request-min-length-set") for c in changes)


def test_response_minimum_lowered_and_length_lowered_are_errors() -> None:
    """A response bound that widens (minimum, minLength lowered) lets values through the client never saw."""
    with_bounds = copy.deepcopy(SPECS["gcore"])
    prop = with_bounds["components"]["schemas"]["ai_transcribe"]["properties"]["client_user_id"]
    prop.update(minLength=4, minimum=1)

    def widen(spec: Spec) -> None:
        spec["components"]["schemas"]["ai_transcribe"]["properties"]["client_user_id"].update(minLength=2, minimum=0)

    found = {(c.kind, c.level) for c in _changes("gcore", widen, with_bounds)}
    assert found == {("response-property-min-length-decreased", "ERR"), ("response-property-min-decreased", "ERR")}


def test_a_parameter_made_required_reports_no_default_change() -> None:
    """oasdiff grades a default change only while the parameter stays optional: required, the default is moot."""

    def required(spec: Spec) -> None:
        (limit,) = [p for p in spec["paths"][TASKS]["get"]["parameters"] if p["name"] == "limit"]
        limit["required"] = True
        limit["schema"]["default"] = 20

    assert {(c.kind, c.level) for c in _changes("modelarts", required)} == {
        ("request-parameter-became-required", "ERR")
    }


@pytest.mark.parametrize(
    ("fail_on", "mutation", "code"),
    [
        ("ERR", edit(TASKS, "offset", lambda s: s.update(minimum=0)), 0),
        ("WARN", edit(TASKS, "offset", lambda s: s.update(minimum=0)), 1),
        ("WARN", edit(TASKS, "limit", lambda s: s.update(maximum=500)), 0),
        ("ERR", edit(TASKS, "limit", lambda s: s.update(maximum=50)), 1),
        (None, edit(TASKS, "offset", lambda s: s.update(minimum=0)), 0),
        (None, edit(TASKS, "limit", lambda s: s.update(maximum=50)), 1),
    ],
    ids=["WARN-only/ERR", "WARN-only/WARN", "INFO-only/WARN", "ERR/ERR", "WARN-only/default", "ERR/default"],
)
def test_fail_on_sets_the_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_on: str | None, mutation: Mutation, code: int
) -> None:
    """--fail-on ERR (the default) fails on breaking changes only; --fail-on WARN on changes to review as well."""
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    spec = copy.deepcopy(SPECS["modelarts"])
    old.write_text(yaml.safe_dump(spec), encoding="utf-8")
    mutation(spec)
    new.write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert main([str(old), str(new), *(["--fail-on", fail_on] if fail_on else [])]) == code
    assert f"(levels as oasdiff {OASDIFF_RELEASE})" in capsys.readouterr().out


def test_fail_on_refuses_other_levels(capsys: pytest.CaptureFixture[str]) -> None:
    """INFO is not a level to fail on: nothing would pass."""
    with pytest.raises(SystemExit) as exc:
        main(["a.yaml", "b.yaml", "--fail-on", "INFO"])
    assert exc.value.code == 2
    assert "--fail-on: invalid choice: 'INFO'" in capsys.readouterr().err

"""spec_diff classes each kind of spec change right for a client, prints it for humans and machines, exits 1/0/2."""

from __future__ import annotations

import contextlib
import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from spec_diff import OASDIFF, OASDIFF_RELEASE, OWN, SpecError, diff_specs, main
from spec_diff import Spec as SpecDoc

ROOT = Path(__file__).resolve().parent.parent
Spec = dict[str, Any]
Mutation = Callable[[Spec], None]
OP = "POST /tasks/{task_id}/cancel"

BASE: Spec = {
    "openapi": "3.1.0",
    "info": {"title": "Tasks", "version": "1"},
    "servers": [{"url": "https://api.example.com"}],
    "security": [{"key": []}],
    "paths": {
        "/tasks/{task_id}/cancel": {
            "parameters": [{"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "post": {
                "operationId": "cancel_task",
                "parameters": [
                    {"name": "reason", "in": "query", "schema": {"type": "string"}},
                    {"name": "mode", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"$ref": "#/components/parameters/trace"},
                ],
                "requestBody": {
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CancelRequest"}}}
                },
                "responses": {
                    "202": {
                        "description": "Accepted",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Result"}}},
                    },
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            },
        }
    },
    "components": {
        "parameters": {"trace": {"name": "X-Trace", "in": "header", "schema": {"type": "string"}}},
        "schemas": {
            "CancelRequest": {"type": "object", "properties": {"force": {"type": "boolean"}}},
            "Result": {
                "type": "object",
                "required": ["result"],
                "properties": {
                    "result": {"type": "string"},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "state": {"type": "string", "enum": ["done", "revoked"]},
                    "node": {"$ref": "#/components/schemas/Node"},
                },
            },
            "Node": {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Node"}}},
            "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
            "Error404": {"allOf": [{"$ref": "#/components/schemas/Error"}], "example": {"error": "nope"}},
        },
        "responses": {
            "NotFound": {
                "description": "Not found",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error404"}}},
            }
        },
        "securitySchemes": {
            "key": {"type": "apiKey", "in": "header", "name": "Authorization"},
            "token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
        },
    },
}


def _post(spec: Spec) -> Spec:
    post: Spec = spec["paths"]["/tasks/{task_id}/cancel"]["post"]
    return post


def _query(spec: Spec, name: str) -> Spec:
    param: Spec = next(p for p in _post(spec)["parameters"] if p.get("name") == name)
    return param


def _write(path: Path, spec: Spec) -> Path:
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def _run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], new: Mutation, old: Mutation | None = None
) -> tuple[int, list[dict[str, Any]]]:
    """Diff BASE (changed by old) against BASE changed by old then new; return the exit code and the JSON changes."""
    before, after = copy.deepcopy(BASE), copy.deepcopy(BASE)
    if old is not None:
        old(before)
        old(after)
    new(after)
    old_path, new_path = _write(tmp_path / "old.yaml", before), _write(tmp_path / "new.yaml", after)
    code = main([str(old_path), str(new_path), "--json"])
    changes: list[dict[str, Any]] = json.loads(capsys.readouterr().out)
    return code, changes


def _kinds(changes: list[dict[str, Any]]) -> set[tuple[str, bool]]:
    return {(c["kind"], c["breaking"]) for c in changes}


def test_every_kind_has_one_level_and_oasdiff_ids_are_oasdiffs() -> None:
    """Every level is ERR, WARN or INFO, and this script's own kinds never reuse an oasdiff check id."""
    assert set(OASDIFF.values()) | set(OWN.values()) <= {"ERR", "WARN", "INFO"}
    assert not OASDIFF.keys() & OWN.keys()
    assert OASDIFF["response-property-enum-value-added"] == "WARN"
    assert OASDIFF["request-parameter-removed"] == "WARN"


# Each case: (mutation of the new spec, the set of (kind, breaking) expected).
def _drop_post(s: Spec) -> None:
    del s["paths"]["/tasks/{task_id}/cancel"]["post"]
    s["paths"]["/tasks/{task_id}/cancel"]["get"] = {"responses": {"200": {"description": "ok"}}}


def _post_to_put(s: Spec) -> None:
    item = s["paths"]["/tasks/{task_id}/cancel"]
    item["put"] = item.pop("post")


def _move_path(s: Spec) -> None:
    s["paths"]["/tasks/{task_id}/stop"] = s["paths"].pop("/tasks/{task_id}/cancel")


def _rename_path_param(s: Spec) -> None:
    item = s["paths"].pop("/tasks/{task_id}/cancel")
    item["parameters"][0]["name"] = "id"
    s["paths"]["/tasks/{id}/cancel"] = item


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets one value, addressed by a dotted path of keys (integers index lists)."""

    def mutate(s: Spec) -> None:
        *parents, last = path.split(".")
        node: Any = s
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return mutate


def _all(*mutations: Mutation) -> Mutation:
    """One mutation applying several in turn."""

    def mutate(s: Spec) -> None:
        for mutation in mutations:
            mutation(s)

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(s: Spec) -> None:
        *parents, last = path.split(".")
        node: Any = s
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        del node[int(last) if isinstance(node, list) else last]

    return mutate


POST = "paths./tasks/{task_id}/cancel.post"
RESULT = "components.schemas.Result.properties"
BODY = "components.schemas.CancelRequest"

CASES: list[tuple[str, Mutation, set[tuple[str, bool]]]] = [
    ("operation removed", _drop_post, {("api-removed-without-deprecation", True), ("endpoint-added", False)}),
    ("method changed", _post_to_put, {("api-removed-without-deprecation", True), ("endpoint-added", False)}),
    ("path changed", _move_path, {("api-removed-without-deprecation", True), ("endpoint-added", False)}),
    ("path parameter renamed (the wire is the same)", _rename_path_param, {("path-parameter-renamed", False)}),
    ("operationId changed", _set(f"{POST}.operationId", "stop"), {("api-operation-id-removed", False)}),
    ("operation deprecated", _set(f"{POST}.deprecated", True), {("endpoint-deprecated", False)}),
    ("query parameter renamed", _set(f"{POST}.parameters.0.name", "why"), {("parameter-renamed", True)}),
    (
        "header parameter renamed via $ref",
        _set("components.parameters.trace.name", "X-Id"),
        {("parameter-renamed", True)},
    ),
    ("query parameter removed", _delete(f"{POST}.parameters.0"), {("request-parameter-removed", False)}),
    (
        "required parameter added",
        lambda s: _post(s)["parameters"].append({"name": "n", "in": "query", "required": True}),
        {("new-required-request-parameter", True)},
    ),
    (
        "optional header parameter added",
        lambda s: _post(s)["parameters"].append({"name": "X-N", "in": "header"}),
        {("new-optional-request-parameter", False)},
    ),
    (
        "optional -> required parameter",
        lambda s: _query(s, "reason").update(required=True),
        {("request-parameter-became-required", True)},
    ),
    (
        "required -> optional parameter",
        lambda s: _query(s, "mode").pop("required"),
        {("request-parameter-became-optional", False)},
    ),
    (
        "parameter type changed",
        _set(f"{POST}.parameters.1.schema.type", "integer"),
        {("request-parameter-type-changed", True)},
    ),
    (
        "parameter type widened",
        _set(f"{POST}.parameters.1.schema.type", ["string", "integer"]),
        {("request-parameter-type-generalized", False)},
    ),
    ("request body removed", _delete(f"{POST}.requestBody"), {("request-body-removed", True)}),
    ("optional -> required body", _set(f"{POST}.requestBody.required", True), {("request-body-became-required", True)}),
    ("body property made required", _set(f"{BODY}.required", ["force"]), {("request-property-became-required", True)}),
    (
        "optional body property added",
        _set(f"{BODY}.properties.why", {"type": "string"}),
        {("new-optional-request-property", False)},
    ),
    (
        "required body property added",
        _all(_set(f"{BODY}.properties.why", {"type": "string"}), _set(f"{BODY}.required", ["why"])),
        {("new-required-request-property", True)},
    ),
    ("body property removed", _delete(f"{BODY}.properties.force"), {("request-property-removed", False)}),
    (
        "body property type widened",
        _set(f"{BODY}.properties.force.type", ["boolean", "string"]),
        {("request-property-type-generalized", False)},
    ),
    (
        "body media type removed",
        _set(f"{POST}.requestBody.content", {"text/plain": {}}),
        {("request-body-media-type-removed", True), ("request-body-media-type-added", False)},
    ),
    (
        "success status added",
        _set(f"{POST}.responses.200", {"description": "OK"}),
        {("response-success-status-added", False)},
    ),
    (
        "error status added",
        _set(f"{POST}.responses.429", {"description": "Slow down"}),
        {("response-non-success-status-added", False)},
    ),
    ("success status removed", _delete(f"{POST}.responses.202"), {("response-success-status-removed", True)}),
    ("error status removed", _delete(f"{POST}.responses.404"), {("response-non-success-status-removed", False)}),
    ("response property removed", _delete(f"{RESULT}.result"), {("response-required-property-removed", True)}),
    (
        "response property added",
        _set(f"{RESULT}.extra", {"type": "integer"}),
        {("response-optional-property-added", False)},
    ),
    ("response property retyped", _set(f"{RESULT}.result.type", "integer"), {("response-property-type-changed", True)}),
    (
        "response property made nullable",
        _set(f"{RESULT}.result.type", ["string", "null"]),
        {("response-property-became-nullable", True)},
    ),
    (
        "response property narrowed",
        _set(f"{RESULT}.result.format", "uuid"),
        {("response-property-type-specialized", False)},
    ),
    (
        "response required -> optional",
        _set("components.schemas.Result.required", []),
        {("response-property-became-optional", True)},
    ),
    (
        "response array items retyped",
        _set(f"{RESULT}.tags.items.type", "integer"),
        {("response-property-type-changed", True)},
    ),
    (
        "response enum value added (WARN: shown, not breaking for open enums)",
        _set(f"{RESULT}.state.enum", ["done", "revoked", "lost"]),
        {("response-property-enum-value-added", False)},
    ),
    (
        "response enum value removed",
        _set(f"{RESULT}.state.enum", ["done"]),
        {("response-property-enum-value-removed", False)},
    ),
    (
        "recursive schema property removed",
        _delete("components.schemas.Node.properties.child"),
        {("response-optional-property-removed", False)},
    ),
    (
        "property removed behind allOf $ref",
        _delete("components.schemas.Error.properties.error"),
        {("response-optional-property-removed", False)},
    ),
    (
        "security header renamed",
        _set("components.securitySchemes.key.name", "X-Key"),
        {("security-scheme-changed", True)},
    ),
    (
        "security scheme removed",
        _delete("components.securitySchemes.token"),
        {("api-security-component-removed", False)},
    ),
    (
        "security scheme added but not required",
        _set("components.securitySchemes.oauth", {"type": "http", "scheme": "bearer"}),
        {("api-security-component-added", False)},
    ),
    (
        "new required scheme",
        _set("security", [{"key": [], "token": []}]),
        {("security-alternative-removed", True), ("api-global-security-added", False)},
    ),
    (
        "alternative scheme allowed",
        _set("security", [{"key": []}, {"token": []}]),
        {("api-global-security-added", False)},
    ),
    (
        "operation requires another scheme",
        _set(f"{POST}.security", [{"token": []}]),
        {("security-alternative-removed", True), ("api-security-added", False)},
    ),
    (
        "server URL changed",
        _set("servers.0.url", "https://api2.example.com"),
        {("server-removed", True), ("server-added", False)},
    ),
    ("server added", lambda s: s["servers"].append({"url": "https://eu.example.com"}), {("server-added", False)}),
    ("info version changed", _set("info.version", "2"), {("info-version-changed", False)}),
]


@pytest.mark.parametrize(("new", "expected"), [(m, e) for _, m, e in CASES], ids=[c[0] for c in CASES])
def test_crafted_change_is_classed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], new: Mutation, expected: set[tuple[str, bool]]
) -> None:
    """Each crafted change yields exactly the expected kinds, classed right, and the matching exit code."""
    code, changes = _run(tmp_path, capsys, new)
    assert _kinds(changes) == expected
    assert code == (1 if any(breaking for _, breaking in expected) else 0)


def test_required_to_optional_body_and_relaxed_security_are_not_breaking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Relaxations (a required body made optional) are reported and exit 0; dropping auth is anonymous access added."""
    code, changes = _run(
        tmp_path,
        capsys,
        _all(_delete(f"{POST}.requestBody.required"), _delete("security")),
        old=_set(f"{POST}.requestBody.required", True),
    )
    assert _kinds(changes) == {("request-body-became-optional", False)}
    assert code == 0


def test_anonymous_access_removed_is_breaking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A spec that required no credentials and now requires a key breaks anonymous callers (the vendor did so)."""
    code, changes = _run(tmp_path, capsys, lambda s: None, old=_delete("security"))
    assert (code, changes) == (0, [])
    code, changes = _run(tmp_path, capsys, _set("security", [{"key": []}]), old=_delete("security"))
    assert code == 1
    assert _kinds(changes) == {("security-anonymous-access-removed", True), ("api-global-security-added", False)}
    assert changes[0]["oasdiff"] is False and changes[0]["detail"] == "security none -> key"


def test_request_body_added_is_breaking_only_when_required(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A new optional body is not breaking; a new required one is."""
    code, changes = _run(tmp_path, capsys, lambda s: None, old=_delete(f"{POST}.requestBody"))
    assert (code, changes) == (0, [])
    add_optional = _set(f"{POST}.requestBody", {"content": {"application/json": {}}})
    code, changes = _run(tmp_path, capsys, add_optional, old=_delete(f"{POST}.requestBody"))
    assert (code, _kinds(changes)) == (0, {("request-body-added-optional", False)})
    add_required = _set(f"{POST}.requestBody", {"required": True, "content": {"application/json": {}}})
    code, changes = _run(tmp_path, capsys, add_required, old=_delete(f"{POST}.requestBody"))
    assert (code, _kinds(changes)) == (1, {("request-body-added-required", True)})


def test_openapi_30_nullable_in_response_is_breaking(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In a 3.0 spec, `nullable: true` on a response property makes it nullable: oasdiff's ERR check."""
    code, changes = _run(tmp_path, capsys, _set(f"{RESULT}.result.nullable", True), old=_set("openapi", "3.0.3"))
    assert code == 1
    assert changes == [
        {
            "kind": "response-property-became-nullable",
            "location": f"{OP} response 202 application/json: result",
            "detail": "type string -> null | string",
            "level": "ERR",
            "breaking": True,
            "oasdiff": True,
        }
    ]


def test_json_output_names_kind_location_detail_level(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--json prints {kind, location, detail, level, breaking, oasdiff}, with locations down to the property."""
    code, changes = _run(tmp_path, capsys, _all(_delete(f"{RESULT}.result"), _set(f"{POST}.parameters.0.name", "why")))
    assert code == 1
    assert changes == [
        {
            "kind": "parameter-renamed",
            "location": f"{OP} query parameter reason",
            "detail": "renamed to why",
            "level": "ERR",
            "breaking": True,
            "oasdiff": False,
        },
        {
            "kind": "response-required-property-removed",
            "location": f"{OP} response 202 application/json: result",
            "detail": "property removed",
            "level": "ERR",
            "breaking": True,
            "oasdiff": True,
        },
    ]


def test_human_output_prefixes_each_line_and_summarises(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --json: one line per change, ERR first, then WARN, then INFO, then a summary line."""
    old, new = copy.deepcopy(BASE), copy.deepcopy(BASE)
    new["info"]["version"] = "2"
    del _post(new)["responses"]["202"]
    _post(new)["parameters"].pop(0)
    code = main([str(_write(tmp_path / "a.yaml", old)), str(_write(tmp_path / "b.yaml", new))])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert lines == [
        f"BREAKING (ERR): {OP} response 202: status no longer documented [oasdiff:response-success-status-removed]",
        f"WARNING (WARN): {OP} query parameter reason: parameter removed [oasdiff:request-parameter-removed]",
        "non-breaking (INFO): info: info.version 1 -> 2 [aitasks:info-version-changed]",
        f"3 change(s) between {tmp_path / 'a.yaml'} and {tmp_path / 'b.yaml'} (levels as oasdiff {OASDIFF_RELEASE}):"
        " 1 breaking (ERR), 1 to review (WARN), 1 non-breaking (INFO)",
    ]


def _composed(s: Spec) -> None:
    """Result gains a `detail` property that is a oneOf of two named schemas, and Extra is an allOf part."""
    schemas = s["components"]["schemas"]
    schemas["Text"] = {"type": "object", "properties": {"text": {"type": "string"}}}
    schemas["Score"] = {"type": "object", "properties": {"score": {"type": "number"}}}
    schemas["Extra"] = {"type": "object", "properties": {"extra": {"type": "string"}}}
    schemas["Result"]["properties"]["detail"] = {
        "oneOf": [{"$ref": "#/components/schemas/Text"}, {"$ref": "#/components/schemas/Score"}]
    }
    schemas["Result"]["allOf"] = [{"$ref": "#/components/schemas/Extra"}]


DETAIL = "components.schemas.Result.properties.detail"
COMPOSITIONS: list[tuple[str, Mutation, set[tuple[str, bool]]]] = [
    (
        "oneOf branch added to a response property",
        lambda s: s["components"]["schemas"]["Result"]["properties"]["detail"]["oneOf"].append({"type": "string"}),
        {("response-property-one-of-added", True), ("response-property-type-generalized", True)},
    ),
    ("oneOf branch removed", _delete(f"{DETAIL}.oneOf.1"), {("response-property-one-of-removed", False)}),
    (
        "oneOf became anyOf over the same branches",
        lambda s: s["components"]["schemas"]["Result"]["properties"]["detail"].update(
            anyOf=s["components"]["schemas"]["Result"]["properties"]["detail"].pop("oneOf")
        ),
        {("one-of-became-any-of", False)},
    ),
    (
        "a property inside a branch removed is named through the branch",
        _delete("components.schemas.Score.properties.score"),
        {("response-optional-property-removed", False)},
    ),
    (
        "allOf part inlined: its properties stay, nothing to report",
        _all(
            _delete("components.schemas.Result.allOf"),
            _set(f"{RESULT}.extra", {"type": "string"}),
        ),
        set(),
    ),
    (
        "allOf part removed with what it documented",
        _delete("components.schemas.Result.allOf"),
        {("response-all-of-removed", True)},
    ),
    (
        "response properties moved into oneOf branches are not removed",
        lambda s: s["components"]["schemas"].update(
            Result={
                "oneOf": [
                    {
                        "type": "object",
                        "required": ["result"],
                        "properties": {"result": {"type": "string"}, "tags": {"type": "array"}},
                    },
                    {
                        "allOf": [{"$ref": "#/components/schemas/Extra"}],
                        "properties": {
                            "state": {"type": "string", "enum": ["done", "revoked"]},
                            "node": {"$ref": "#/components/schemas/Node"},
                            "detail": {"type": "object"},
                        },
                    },
                ]
            }
        ),
        {("response-body-wrapped-in-one-of", True)},
    ),
]


@pytest.mark.parametrize(("new", "expected"), [(m, e) for _, m, e in COMPOSITIONS], ids=[c[0] for c in COMPOSITIONS])
def test_compositions_are_compared_as_compositions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], new: Mutation, expected: set[tuple[str, bool]]
) -> None:
    """oneOf/anyOf branches and named allOf parts are matched by name, never flattened into "property removed"."""
    code, changes = _run(tmp_path, capsys, new, old=_composed)
    assert _kinds(changes) == expected
    assert code == (1 if any(breaking for _, breaking in expected) else 0)
    if new is COMPOSITIONS[3][1]:
        assert changes[0]["location"] == f"{OP} response 202 application/json: detail<oneOf Score>.score"


@pytest.mark.parametrize("provider", ["gcore", "modelarts"])
def test_real_spec_against_itself_has_no_change(provider: str) -> None:
    """Each committed spec compared with itself, through the command line, reports nothing and exits 0."""
    spec = ROOT / "specs" / provider / "openapi.yaml"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "spec_diff.py"), str(spec), str(spec), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, json.loads(result.stdout), result.stderr) == (0, [], "")


def test_real_specs_against_each_other_are_breaking(capsys: pytest.CaptureFixture[str]) -> None:
    """Swapping one provider's spec for the other's is reported as breaking (removed operation and scheme)."""
    code = main([str(ROOT / "specs/gcore/openapi.yaml"), str(ROOT / "specs/modelarts/openapi.yaml")])
    out = capsys.readouterr().out
    assert code == 1
    cancel = "POST /streaming/ai/tasks/{task_id}/cancel"
    assert f"BREAKING (ERR): {cancel}: operation removed [oasdiff:api-removed-without-deprecation]" in out
    assert "non-breaking (INFO): security scheme APIKey: scheme removed [oasdiff:api-security-component-removed]" in out


MALFORMED: list[tuple[str, str, str]] = [
    ("missing file", "", "cannot read"),
    ("invalid YAML", "openapi: 3.1.0\npaths: [unclosed\n", "not valid YAML at line"),
    ("not a mapping", "- just\n- a list\n", "top level is not a mapping"),
    ("not OpenAPI 3", "swagger: '2.0'\npaths: {}\n", "not an OpenAPI 3.x document"),
    ("paths is a list", "openapi: 3.0.3\npaths: []\n", "paths must be a mapping"),
    ("dangling $ref", "openapi: 3.0.3\npaths:\n  /a:\n    $ref: '#/nowhere'\n", "$ref '#/nowhere' does not resolve"),
    ("external $ref", "openapi: 3.0.3\npaths:\n  /a:\n    $ref: 'other.yaml#/x'\n", "only local $refs"),
    ("parameters not a list", "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      parameters: 3\n", "must be a list"),
]


@pytest.mark.parametrize(("text", "message"), [(t, m) for _, t, m in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    """Unreadable or malformed input exits 2 with one line on stderr naming the file and the problem."""
    bad = tmp_path / "bad.yaml"
    if text:
        bad.write_text(text, encoding="utf-8")
    good = _write(tmp_path / "good.yaml", BASE)
    assert main([str(good), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"spec_diff: {bad}") and message in err


def test_malformed_input_gives_no_traceback_from_the_command_line(tmp_path: Path) -> None:
    """Run as a script, a malformed spec exits 2 with a single line and no traceback."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("openapi: 3.1.0\npaths: {a: [\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "spec_diff.py"), str(bad), str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) == 1


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key path into a spec dict, for the fuzz test below."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    return [p for key, value in children for p in [(*prefix, key), *_paths(value, (*prefix, key))]]


JUNK: list[Any] = [
    None,
    1,
    "x",
    True,
    [],
    {},
    [1],
    [[]],
    [{}],
    {"a": 1},
    {"$ref": "#/nowhere"},
    {"$ref": "#/components"},
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_paths(BASE)), st.sampled_from(JUNK)), min_size=1, max_size=4))
def test_any_damaged_spec_is_compared_or_refused_never_crashes(damage: list[tuple[tuple[Any, ...], Any]]) -> None:
    """Replacing any part of a spec with junk gives changes or a SpecError, never another exception."""
    doc = copy.deepcopy(BASE)
    for path, value in damage:
        with contextlib.suppress(LookupError, TypeError, ValueError):  # an earlier replacement removed this path
            _set(".".join(map(str, path)), copy.deepcopy(value))(doc)
    for old, new in ((BASE, doc), (doc, BASE)):
        with contextlib.suppress(SpecError):
            diff_specs(SpecDoc(old, "old"), SpecDoc(new, "new"))

"""The template overrides make every generated enum open: a value the spec does not list is kept, typed as such."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from generate import run_generator

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# One model with an enum in each place the generator puts one: a required and an optional property, list items, a
# nullable enum (a union with None), a union with another type, and the values of a map.
SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "open enums", "version": "1"},
    "paths": {
        "/things/{id}": {
            "get": {
                "operationId": "get_thing",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {
                        "description": "a thing",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}},
                    }
                },
            }
        }
    },
    "components": {
        "schemas": {
            "thing": {
                "type": "object",
                "required": ["state"],
                "properties": {
                    "state": {"type": "string", "enum": ["PENDING", "SUCCESS"]},
                    "level": {"type": "integer", "enum": [-1, 0, 1]},
                    "labels": {"type": "array", "items": {"type": "string", "enum": ["cat", "dog"]}},
                    "maybe": {"type": "string", "enum": ["yes", "no", None]},
                    "either": {"oneOf": [{"type": "integer", "enum": [1, 2]}, {"$ref": "#/components/schemas/box"}]},
                    "scores": {"type": "object", "additionalProperties": {"type": "integer", "enum": [7, 8]}},
                    "packed": {"oneOf": [{"$ref": "#/components/schemas/box"}, {"$ref": "#/components/schemas/crate"}]},
                },
            },
            "box": {
                "type": "object",
                "required": ["size"],
                "properties": {"size": {"type": "integer"}, "kind": {"type": "string", "enum": ["box"]}},
            },
            "crate": {
                "type": "object",
                "required": ["lid"],
                "properties": {"lid": {"type": "boolean"}, "kind": {"type": "string", "enum": ["crate"]}},
            },
        }
    },
}
CHECK = textwrap.dedent(
    """
    import json, sys
    from enum import Enum
    from open_enums_client.models.thing import Thing
    from open_enums_client.models.thing_state import ThingState
    from open_enums_client.models.thing_level import ThingLevel
    from open_enums_client.models.thing_labels_item import ThingLabelsItem

    body = json.loads(sys.argv[1])
    thing = Thing.from_dict(body)
    known = Thing.from_dict({"state": "SUCCESS", "level": -1, "labels": ["cat"], "either": 2, "scores": {"a": 7}})
    print(json.dumps({
        "unknown": [repr(thing.state), repr(thing.level), [repr(v) for v in thing.labels], repr(thing.maybe),
                    repr(thing.either), repr(thing.scores["a"])],
        "unknown_types": [type(v).__name__ for v in (thing.state, thing.level, thing.labels[0], thing.maybe,
                                                    thing.either, thing.scores["a"])],
        "known": [known.state is ThingState.SUCCESS, known.level is ThingLevel.VALUE_NEGATIVE_1,
                  known.labels[0] is ThingLabelsItem.CAT, isinstance(known.either, Enum),
                  isinstance(known.scores["a"], Enum)],
        "round_trip": thing.to_dict() == body and known.to_dict()["state"] == "SUCCESS",
        "bases": [ThingState.__mro__[1].__name__, ThingLevel.__mro__[1].__name__],
        "str": [str(ThingState.SUCCESS), str(ThingLevel.VALUE_1)],
    }))
    try:
        ThingState.parse(5)
    except TypeError as exc:
        print(exc)
    packed = [
        Thing.from_dict({"state": "SUCCESS", "packed": value}).packed
        for value in ({"size": 1}, {"lid": True}, {"size": 1, "lid": True, "kind": "crate"}, {"colour": "red"})
    ]
    print(json.dumps([type(value).__name__ for value in packed] + [packed[-1]]))
    """
)
TYPED = textwrap.dedent(
    """
    from typing import Any
    from typing_extensions import assert_type
    from open_enums_client.models.box import Box
    from open_enums_client.models.crate import Crate
    from open_enums_client.models.thing import Thing
    from open_enums_client.models.thing_state import ThingState
    from open_enums_client.models.thing_level import ThingLevel
    from open_enums_client.types import Unset

    thing = Thing.from_dict({"state": "NEW"})
    assert_type(thing.state, ThingState | str)
    assert_type(thing.level, ThingLevel | int | Unset)
    assert_type(thing.packed, Box | Crate | dict[str, Any] | Unset)
    """
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A client generated from SPEC with the repository's template overrides."""
    base = tmp_path_factory.mktemp("open-enums")
    (base / "spec.json").write_text(json.dumps(SPEC))
    (base / "config.yaml").write_text("package_name_override: open_enums_client\npost_hooks: []\n")
    run_generator(base / "spec.json", base / "config.yaml", base / "open_enums_client")
    return base


def test_unknown_values_are_kept_as_received_and_known_ones_are_members(client: Path) -> None:
    """Unlisted values stay plain str/int in every position; listed ones are members; to_dict gives the JSON back."""
    body = {"state": "RECEIVED", "level": 6, "labels": ["fox"], "maybe": "perhaps", "either": 3, "scores": {"a": 9}}
    run = subprocess.run(
        [sys.executable, "-c", CHECK, json.dumps(body)], cwd=client, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[0])
    assert result["unknown"] == ["'RECEIVED'", "6", ["'fox'"], "'perhaps'", "3", "9"]
    assert result["unknown_types"] == ["str", "int", "str", "str", "int", "int"]
    assert result["known"] == [True, True, True, True, True]
    assert result["round_trip"] is True
    assert result["bases"] == ["str", "IntEnum"]  # no StrEnum: it is Python 3.11+
    assert result["str"] == ["SUCCESS", "1"]
    assert run.stdout.splitlines()[1] == "ThingState expects a string, got int"
    # A union of objects: the branch that knows every key wins; an object no branch takes is kept as received.
    assert json.loads(run.stdout.splitlines()[2]) == ["Box", "Crate", "Crate", "dict", {"colour": "red"}]


def test_open_enum_types_pass_mypy_strict(client: Path) -> None:
    """The generated package and a use of it type-check: a field holding an enum is typed `Enum | str`."""
    (client / "use.py").write_text(TYPED)
    run = subprocess.run(
        [str(BIN / "mypy"), "--strict", "--python-version", "3.10", "--no-incremental", "open_enums_client", "use.py"],
        cwd=client,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stdout + run.stderr

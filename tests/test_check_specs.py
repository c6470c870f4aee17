"""check-specs fails, naming the difference in one line, whenever a spec drifts from its source or is broken."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import check_specs
import yaml
from spec_check import REAL_YAML_LOAD, memo_yaml_load, run_check

ROOT = Path(__file__).resolve().parent.parent

PREFIX = "check-specs: "
STOP_PAGE = "specs/modelarts/stopping_an_intelligent_task.rst"


def edit(root: Path, spec: str, file: str, old: str, new: str) -> None:
    """Replace one exact piece of a file (it must occur once); the files edited here are not pinned."""
    path = root / "specs" / spec / file
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_repository_specs_pass(capsys: pytest.CaptureFixture[str]) -> None:
    """The committed specs pass and the summary names what was compared."""
    code = check_specs.main(["--root", str(ROOT)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.startswith("check-specs: ok: ")
    assert "specs/modelarts/openapi.yaml transcribes 4 pages (" in out
    assert "(OpenAPI 3.1.0, 21 examples)" in out and "(OpenAPI 3.0.3, 4 examples)" in out
    assert "the slice of post_ai_tasks_cancel from streaming_api.yaml equals the seed page's YAML" in out


def test_the_yaml_memo_answers_what_a_fresh_load_does() -> None:
    """tests/spec_check.py keeps YAML loads: a text loaded again equals a fresh load, as a copy no caller shares."""
    memo = memo_yaml_load(REAL_YAML_LOAD)  # as the fixture's, which replaced yaml.load
    raw = (ROOT / "specs" / "modelarts" / "openapi.yaml").read_bytes()
    first = memo(raw, Loader=check_specs._SpecLoader)
    first["paths"].clear()  # a caller changing its result
    again = memo(raw, Loader=check_specs._SpecLoader)
    assert again == REAL_YAML_LOAD(raw, Loader=check_specs._SpecLoader) and again["paths"]
    assert again is not memo(raw, Loader=check_specs._SpecLoader)
    assert memo(raw.decode(), yaml.SafeLoader) == REAL_YAML_LOAD(raw.decode(), yaml.SafeLoader)  # safe_load's
    with pytest.raises(yaml.YAMLError):  # an error is raised each time, never kept
        memo(b"a: [", yaml.SafeLoader)
    with pytest.raises(yaml.YAMLError):
        memo(b"a: [", yaml.SafeLoader)


@pytest.mark.parametrize(
    ("spec", "old", "new", "message"),
    [
        (
            "gcore",
            "error: Task not found",
            "error: 404",
            "specs/gcore/openapi.yaml: example at /components/schemas/ai_post_response_error404/example does not"
            " match its schema /components/schemas/ai_post_response_error404: 404 is not of type 'string' (at /error)",
        ),
        (
            "modelarts",
            "          description: Error code.\n",
            "          description: Error code.\n          example: 404\n",
            "specs/modelarts/openapi.yaml: example at /components/schemas/Error/properties/error_code/example does not"
            " match its schema /components/schemas/Error/properties/error_code: 404 is not of type 'string'",
        ),
    ],
)
def test_example_not_matching_schema(
    root: Path, capsys: pytest.CaptureFixture[str], spec: str, old: str, new: str, message: str
) -> None:
    """An example its schema rejects is named by pointer, with the schema and the reason (through $ref and allOf)."""
    edit(root, spec, "openapi.yaml", old, new)
    assert run_check(root, capsys)[:2] == (1, [PREFIX + message.replace("specs/", f"{root}/specs/")])


def test_named_examples_and_nullable_in_30(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`examples[*].value` (also through $ref) is checked, and 3.0 `nullable` admits null but only where set."""
    edit(
        root,
        "modelarts",
        "openapi.yaml",
        "                $ref: '#/components/schemas/Error'\ncomponents:\n",
        "                $ref: '#/components/schemas/Error'\n"
        "              examples:\n                direct:\n                  value: {error_code: null}\n"
        "                shared:\n                  $ref: '#/components/examples/bad'\ncomponents:\n",
    )
    edit(root, "modelarts", "openapi.yaml", "          description: Error code.\n", "          nullable: true\n")
    spec = root / "specs" / "modelarts" / "openapi.yaml"
    spec.write_text(spec.read_text() + "  examples:\n    bad:\n      value: {error_msg: null}\n")
    (line,) = run_check(root, capsys)[1]
    media = "/paths/~1v2~1{project_id}~1datasets~1{dataset_id}~1tasks~1{task_id}~1stop/post/responses/404/content/"
    assert line == (
        f"{PREFIX}{root}/specs/modelarts/openapi.yaml: example at {media}application~1json/examples/shared/value"
        f" does not match its schema {media}application~1json/schema: None is not of type 'string' (at /error_msg)"
    )


def test_invalid_openapi_is_named(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A document the OpenAPI schema rejects fails with the reason and where."""
    edit(root, "modelarts", "openapi.yaml", "  title: ModelArts \u2013 Intelligent Tasks\n", "")
    assert run_check(root, capsys)[1] == [
        f"{PREFIX}{root}/specs/modelarts/openapi.yaml: not valid OpenAPI 3.0.3:"
        ' "title" is a required property (at /info)'
    ]


def test_gcore_vendor_yaml_with_one_byte_changed(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One changed byte in the vendor's aggregated spec breaks its sha256 pin; the message names both hashes."""
    path = root / "specs" / "gcore" / "streaming_api.yaml"
    data = bytearray(path.read_bytes())
    data[data.index(b"Create broadcast") + 7] = ord("B")  # outside the operations sliced
    path.write_bytes(bytes(data))
    recorded = json.loads((root / "specs" / "gcore" / "provenance.json").read_text())["streaming_api.yaml"]["sha256"]
    assert run_check(root, capsys)[:2] == (
        1,
        [
            f"{PREFIX}{path}: sha256 is {hashlib.sha256(data).hexdigest()} but {root}/specs/gcore/provenance.json"
            f" records {recorded}; the vendor file must stay byte-for-byte as retrieved (restore it, or take the"
            " new one in with `make update-specs`)"
        ],
    )


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        ("specs/gcore/openapi.yaml", "specs/gcore/openapi.yaml: file not found"),
        ("specs/gcore/streaming_api.yaml", "specs/gcore/streaming_api.yaml: file not found"),
        ("specs/gcore/seed/cancel-ai-task.yaml", "specs/gcore/seed/cancel-ai-task.yaml: file not found"),
        ("specs/modelarts/openapi.yaml", "specs/modelarts/openapi.yaml: file not found"),
        (STOP_PAGE, f"{STOP_PAGE}: file not found"),
        ("specs/gcore/provenance.json", "specs/gcore/provenance.json: file not found"),
        ("specs/modelarts/provenance.json", "specs/modelarts/provenance.json: file not found"),
    ],
)
def test_missing_file_is_one_line(root: Path, capsys: pytest.CaptureFixture[str], remove: str, message: str) -> None:
    """A missing file fails with exactly one line naming it, however many checks need it."""
    (root / remove).unlink()
    assert run_check(root, capsys)[:2] == (1, [f"{PREFIX}{root}/{message}"])


def test_malformed_yaml_is_one_line(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Malformed YAML fails with one line giving the file, the problem and its position."""
    edit(root, "modelarts", "openapi.yaml", "  - token: []\n", "  - token: [\n")
    (line,) = run_check(root, capsys)[1]
    assert line.startswith(f"{PREFIX}{root}/specs/modelarts/openapi.yaml: malformed YAML: ")
    assert "(line 28, column" in line


def test_duplicate_yaml_key_is_one_line(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A key written twice (which PyYAML would silently collapse) fails with one line."""
    edit(
        root,
        "modelarts",
        "openapi.yaml",
        "        '204':\n",
        "        '404':\n          description: x\n        '204':\n",
    )
    spec = (root / "specs" / "modelarts" / "openapi.yaml").read_text(encoding="utf-8")
    second = spec.index("        '404':\n", spec.index("description: x") + 1)
    line = spec[:second].count("\n") + 1
    assert run_check(root, capsys)[1] == [
        f"{PREFIX}{root}/specs/modelarts/openapi.yaml: malformed YAML: duplicate key '404' (line {line}, column 9)"
    ]


def test_bad_provenance_is_one_line(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A provenance record that is not JSON, or has no sha256, fails with one line naming it."""
    (root / "specs" / "gcore" / "provenance.json").write_text("{")
    (root / "specs" / "modelarts" / "provenance.json").write_text('{"title": "x"}')
    assert run_check(root, capsys)[1] == [
        f"{PREFIX}{root}/specs/gcore/provenance.json: malformed JSON: Expecting property name enclosed in double"
        " quotes: line 1 column 2 (char 1)",
        f'{PREFIX}{root}/specs/modelarts/provenance.json: no "pages" object naming the kept pages',
    ]


def test_command_line_exit_code_and_no_traceback(root: Path) -> None:
    """Run as `make check-specs` does: a missing file exits 1 with one stderr line and no traceback."""
    (root / STOP_PAGE).unlink()
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_specs.py"), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"{PREFIX}{root}/{STOP_PAGE}: file not found\n"


def test_control_characters_in_spec_text_are_named(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A NUL left in a description (an RST escape carried over) fails, naming where; newlines and tabs do not."""
    edit(
        root,
        "modelarts",
        "openapi.yaml",
        "          description: Error code.\n",
        '          description: "Error\\0 code.\\t"\n',
    )
    assert run_check(root, capsys) == (
        1,
        [
            f"{PREFIX}{root}/specs/modelarts/openapi.yaml: the text at"
            " /components/schemas/Error/properties/error_code/description holds control characters (U+0000)"
        ],
    )

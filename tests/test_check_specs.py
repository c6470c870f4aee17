"""check-specs fails, naming the difference in one line, whenever a spec drifts from its source or is broken."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import check_specs

ROOT = Path(__file__).resolve().parent.parent

PREFIX = "check-specs: "
TRANSCRIPTION = PREFIX + "modelarts transcription: "
URI = "/v2/{project_id}/datasets/{dataset_id}/tasks/{task_id}/stop"
TASK_ROW = "| task_id    | Yes       | String | Task ID."


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A copy of the repository's specs/ to edit."""
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    return tmp_path


def run_check(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    """Run check-specs in-process on root; return the exit code, the stderr lines and stdout."""
    code = check_specs.main(["--root", str(root)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, err.splitlines(), out


def repin(root: Path, spec: str, file: str) -> None:
    """Record a file's new sha256 in its provenance, so a test sees only the difference it is about."""
    provenance = root / "specs" / spec / "provenance.json"
    record = json.loads(provenance.read_text())
    record["sha256"] = hashlib.sha256((root / "specs" / spec / file).read_bytes()).hexdigest()
    provenance.write_text(json.dumps(record))


def edit(root: Path, spec: str, file: str, old: str, new: str, *, pin: bool = True) -> None:
    """Replace one exact piece of a file (it must occur once) and, unless told not to, re-record its sha256."""
    path = root / "specs" / spec / file
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))
    if pin and (spec, file) == ("modelarts", "source.rst"):
        repin(root, spec, file)


def edit_rst(root: Path, old: str, new: str) -> None:
    """Edit the ModelArts RST page, keeping its pin in step."""
    edit(root, "modelarts", "source.rst", old, new)


def test_repository_specs_pass(capsys: pytest.CaptureFixture[str]) -> None:
    """The committed specs pass and the summary names what was compared."""
    code, errors, out = run_check(ROOT, capsys)
    assert (code, errors) == (0, [])
    assert out.startswith("check-specs: ok: ")
    assert f"POST {URI}, 3 path parameters, status codes 204, 401, 403, 404" in out
    assert "(OpenAPI 3.1.0, 21 examples)" in out and "(OpenAPI 3.0.3, 4 examples)" in out
    assert "the slice of post_ai_tasks_cancel from streaming_api.yaml equals the seed page's YAML" in out


def test_status_code_removed_from_rst(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A status code the page no longer lists is named as present only in openapi.yaml."""
    edit_rst(root, "401         Unauthorized\n", "")
    assert run_check(root, capsys)[:2] == (
        1,
        [TRANSCRIPTION + "status code 401 is in openapi.yaml but not in source.rst"],
    )


def test_status_code_added_to_rst(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A status code added to the page is named as missing from openapi.yaml."""
    edit_rst(root, "404         Not Found\n", "404         Not Found\n500         Server Error\n")
    assert run_check(root, capsys)[:2] == (
        1,
        [TRANSCRIPTION + "status code 500 is in source.rst but not in openapi.yaml"],
    )


def test_status_code_added_to_spec(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A response the page does not document is named as present only in openapi.yaml."""
    edit(
        root,
        "modelarts",
        "openapi.yaml",
        "        '204':\n",
        "        '202':\n          description: x\n        '204':\n",
    )
    assert run_check(root, capsys)[:2] == (
        1,
        [TRANSCRIPTION + "status code 202 is in openapi.yaml but not in source.rst"],
    )


def test_parameter_renamed_in_rst(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A renamed row is named on both sides: new name only in the page, old name only in the spec."""
    edit_rst(root, "| task_id    |", "| taskid     |")
    assert run_check(root, capsys)[:2] == (
        1,
        [
            TRANSCRIPTION + "path parameter 'taskid' is in source.rst but not in openapi.yaml",
            TRANSCRIPTION + "path parameter 'task_id' is in openapi.yaml but not in source.rst",
        ],
    )


def test_mandatory_flag_flipped(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Mandatory flag that disagrees with `required` names the row and both values."""
    edit_rst(root, TASK_ROW, TASK_ROW.replace("Yes", "No "))
    assert run_check(root, capsys)[:2] == (
        1,
        [
            TRANSCRIPTION
            + "path parameter 'task_id': Mandatory is 'No' in source.rst but required: true in openapi.yaml"
        ],
    )


def test_type_changed(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Type that maps to another schema type names the row and both types."""
    edit_rst(root, TASK_ROW, TASK_ROW.replace("String ", "Integer"))
    assert run_check(root, capsys)[:2] == (
        1,
        [
            TRANSCRIPTION
            + "path parameter 'task_id': Type is 'Integer' in source.rst but schema type: string in openapi.yaml"
        ],
    )


def test_unknown_type_and_mandatory_values(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A Type or Mandatory value with no OpenAPI meaning is named rather than guessed."""
    edit_rst(root, TASK_ROW, TASK_ROW.replace("Yes", "Opt").replace("String ", "Strnig "))
    assert run_check(root, capsys)[1] == [
        TRANSCRIPTION + "path parameter 'task_id': Mandatory is 'Opt' in source.rst, expected Yes or No",
        TRANSCRIPTION + "path parameter 'task_id': Type is 'Strnig' in source.rst, which names no OpenAPI type",
    ]


def test_description_differs(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A description edit is caught, while the markdown link spelling of the page's RST link is not a difference."""
    edit(root, "modelarts", "openapi.yaml", "description: Task ID.", "description: The task ID.")
    assert run_check(root, capsys)[:2] == (
        1,
        [
            TRANSCRIPTION
            + "path parameter 'task_id': Description is 'Task ID.' in source.rst but 'The task ID.' in openapi.yaml"
        ],
    )


def test_link_text_differs(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The text of a link in a description is compared, not only the text around it."""
    edit(root, "modelarts", "openapi.yaml", "[Obtaining a Project ID]", "[Getting a Project ID]")
    (line,) = run_check(root, capsys)[1]
    assert line.startswith(TRANSCRIPTION + "path parameter 'project_id': Description is ")
    assert "see Getting a Project ID.' in openapi.yaml" in line


def test_uri_changed(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A different URI template on the page names both templates."""
    edit_rst(root, f"POST {URI}\n\n.. table::", f"POST {URI.replace('/stop', '/cancel')}\n\n.. table::")
    assert run_check(root, capsys)[:2] == (
        1,
        [TRANSCRIPTION + f"URI is '{URI.replace('/stop', '/cancel')}' in source.rst but '{URI}' in openapi.yaml"],
    )


def test_method_changed(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A different method on the page names both methods."""
    edit_rst(root, f"POST {URI}\n\n.. table::", f"PUT {URI}\n\n.. table::")
    assert run_check(root, capsys)[1] == [TRANSCRIPTION + "method is 'PUT' in source.rst but 'POST' in openapi.yaml"]


def test_broken_grid_table(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A grid table with a misaligned border fails on the docutils ERROR, one line each, with file and line."""
    edit_rst(root, "| task_id    | Yes       |", "| task_id    | Yes      |")
    code, errors, _ = run_check(root, capsys)
    assert code == 1
    assert errors[0] == PREFIX + (
        "specs/modelarts/source.rst:23: docutils ERROR: Malformed table. Right border not aligned or missing."
    ).replace("specs/", f"{root}/specs/")
    assert all(line.startswith(f"{PREFIX}{root}/specs/modelarts/source.rst:") for line in errors)
    assert not any("transcription" in line for line in errors)


def test_sphinx_roles_and_directives_are_not_errors(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Sphinx-only roles and directives parse; an unknown role is still a docutils ERROR."""
    edit_rst(
        root,
        "See `Error Codes",
        ".. note:: See :ref:`codes <StopAutoAnnotationstatuscode>` and :doc:`x`.\n\n"
        ".. code-block:: json\n   :emphasize-lines: 1\n\n   {}\n\n.. versionadded:: 2.0\n\nSee `Error Codes",
    )
    assert run_check(root, capsys)[:2] == (0, [])
    edit_rst(root, "See `Error Codes", "See :bogus:`x` and `Error Codes")
    (line,) = run_check(root, capsys)[1]
    assert line.endswith('docutils ERROR: Unknown interpreted text role "bogus".')


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
            "error_msg: Invalid token.",
            "error_msg: [Invalid token.]",
            "specs/modelarts/openapi.yaml: example at /paths/~1v2~1{project_id}~1datasets~1{dataset_id}~1tasks~1"
            "{task_id}~1stop/post/responses/403/content/application~1json/example does not match its schema"
            " /paths/~1v2~1{project_id}~1datasets~1{dataset_id}~1tasks~1{task_id}~1stop/post/responses/403/content/"
            "application~1json/schema: ['Invalid token.'] is not of type 'string' (at /error_msg)",
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
        "              example:\n                error_code: ModelArts.4352\n"
        "                error_msg: Dataset not found.\n",
        "              examples:\n                direct:\n                  value: {error_code: null}\n"
        "                shared:\n                  $ref: '#/components/examples/bad'\n",
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
    edit(root, "modelarts", "openapi.yaml", "  title: ModelArts \u2013 Stopping an Intelligent Task\n", "")
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


def test_rst_edit_without_repin_breaks_its_pin(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The RST page is pinned too: an edit not recorded in its provenance is reported."""
    edit(root, "modelarts", "source.rst", "Dataset ID. ", "Dataset ID, ", pin=False)
    errors = run_check(root, capsys)[1]
    assert [line.split(": sha256 is")[0] for line in errors if ": sha256 is" in line] == [
        f"{PREFIX}{root}/specs/modelarts/source.rst"
    ]


@pytest.mark.parametrize(
    ("remove", "message"),
    [
        ("specs/gcore/openapi.yaml", "specs/gcore/openapi.yaml: file not found"),
        ("specs/gcore/streaming_api.yaml", "specs/gcore/streaming_api.yaml: file not found"),
        ("specs/gcore/seed/cancel-ai-task.yaml", "specs/gcore/seed/cancel-ai-task.yaml: file not found"),
        ("specs/modelarts/openapi.yaml", "specs/modelarts/openapi.yaml: file not found"),
        ("specs/modelarts/source.rst", "specs/modelarts/source.rst: file not found"),
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
    assert "(line 22, column" in line


def test_duplicate_yaml_key_is_one_line(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A key written twice (which PyYAML would silently collapse) fails with one line."""
    edit(
        root,
        "modelarts",
        "openapi.yaml",
        "        '204':\n",
        "        '404':\n          description: x\n        '204':\n",
    )
    assert run_check(root, capsys)[1] == [
        f"{PREFIX}{root}/specs/modelarts/openapi.yaml: malformed YAML: duplicate key '404' (line 79, column 9)"
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Status Codes\n------------\n", "Codes\n-----\n", 'no "Status Codes" section'),
        ("URI\n---\n", "Where\n-----\n", 'no "URI" section'),
        (f"POST {URI}\n", "See below.\n", 'the "URI" section has no "METHOD /path" line'),
        ("**Table 1** Path parameters", "**Table 1** Parameters", 'no table titled "Path parameters" found'),
        ("| Mandatory |", "| Required  |", 'the Path parameters table has no "Mandatory" column'),
        ("=========== ============\n204", "=========== ============\nabc", "'abc' in the Status Codes table is not"),
    ],
)
def test_rst_without_expected_parts_is_one_line(
    root: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, message: str
) -> None:
    """A page missing a section, table, column or line the check needs fails with one line saying which, where."""
    edit_rst(root, old, new)
    (line,) = run_check(root, capsys)[1]
    assert line.startswith(f"{PREFIX}{root}/specs/modelarts/source.rst")
    assert message in line


def test_bad_provenance_is_one_line(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A provenance record that is not JSON, or has no sha256, fails with one line naming it."""
    (root / "specs" / "gcore" / "provenance.json").write_text("{")
    (root / "specs" / "modelarts" / "provenance.json").write_text('{"title": "x"}')
    assert run_check(root, capsys)[1] == [
        f"{PREFIX}{root}/specs/gcore/provenance.json: malformed JSON: Expecting property name enclosed in double"
        " quotes: line 1 column 2 (char 1)",
        f'{PREFIX}{root}/specs/modelarts/provenance.json: no "sha256" field holding 64 lowercase hex digits',
    ]


def test_spec_with_two_operations(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The transcription needs the page's one operation: a second one is reported, not guessed between."""
    edit(root, "modelarts", "openapi.yaml", "components:\n", "  /extra:\n    get:\n      responses:\n"
         "        '200':\n          description: OK\ncomponents:\n")  # fmt: skip
    assert run_check(root, capsys)[1] == [
        f"{PREFIX}{root}/specs/modelarts/openapi.yaml: 2 operations under paths, expected the page's one operation"
    ]


def test_command_line_exit_code_and_no_traceback(root: Path) -> None:
    """Run as `make check-specs` does: a missing file exits 1 with one stderr line and no traceback."""
    (root / "specs" / "modelarts" / "source.rst").unlink()
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_specs.py"), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"{PREFIX}{root}/specs/modelarts/source.rst: file not found\n"

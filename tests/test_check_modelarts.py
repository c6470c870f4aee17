"""check-specs compares every table of every kept ModelArts page with the hand-written spec, and names the row."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import check_specs
import rst_tables
import transcription
from rst_tables import read_page
from spec_check import memo_parse_rst, real_parse_rst, run_check
from spec_diff import Spec, diff_specs
from transcription import stated_constraints

ROOT = Path(__file__).resolve().parent.parent
HISTORY = Path(__file__).resolve().parent / "fixtures" / "modelarts"
PREFIX = "check-specs: modelarts transcription: "
STOP = "stopping_an_intelligent_task.rst"
DETAILS = "obtaining_details_about_an_auto_labeling_task.rst"
LIST = "obtaining_an_auto_labeling_task_list_by_page.rst"
DATASETS = "querying_the_dataset_list.rst"
ERRORS = "calling_apis_response.rst"
STOP_URI = "/v2/{project_id}/datasets/{dataset_id}/tasks/{task_id}/stop"


def page_path(root: Path, page: str) -> Path:
    return root / "specs" / "modelarts" / page


def repin(root: Path, page: str) -> None:
    """Record a page's new sha256, as a maintainer taking in a new vendor page does."""
    provenance = root / "specs" / "modelarts" / "provenance.json"
    record = json.loads(provenance.read_text(encoding="utf-8"))
    record["pages"][page]["sha256"] = hashlib.sha256(page_path(root, page).read_bytes()).hexdigest()
    provenance.write_text(json.dumps(record), encoding="utf-8")


def edit_page(root: Path, page: str, old: str, new: str) -> None:
    """Replace one exact piece of a page (it must occur once) and re-record its sha256."""
    path = page_path(root, page)
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    repin(root, page)


def edit_spec(root: Path, old: str, new: str, count: int = 1) -> None:
    """Replace a piece of the hand-written spec that occurs `count` times."""
    path = root / "specs" / "modelarts" / "openapi.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, old
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- Editing a grid table so it still parses --------------------------------------------------------------------


def _table_lines(lines: list[str], title: str) -> range:
    """The line numbers of the grid table under `.. table:: **Table N** <title>`."""
    start = next(i for i, line in enumerate(lines) if re.fullmatch(rf"\.\. table:: \*\*Table \d+\*\* {title}", line))
    first = next(i for i in range(start + 1, len(lines)) if lines[i].startswith("   +"))
    last = first
    while last + 1 < len(lines) and lines[last + 1].startswith(("   +", "   |")):
        last += 1
    return range(first, last + 1)


def _edges(border: str) -> list[int]:
    return [i for i, char in enumerate(border) if char == "+"]


def _row_lines(lines: list[str], table: range, name: str) -> range:
    """The content lines of the row whose first cell is `name`."""
    for i in table:
        if lines[i].startswith("   |") and lines[i].split("|")[1].strip() == name:
            end = i
            while not lines[end + 1].startswith("   +"):
                end += 1
            return range(i, end + 1)
    raise AssertionError(f"no row {name!r}")


def set_cell(text: str, title: str, row: str, column: int, value: str | list[str]) -> str:
    """Write a cell's lines (a string is one line), adding row lines or widening the column as needed."""
    values = [value] if isinstance(value, str) else value
    lines = text.split("\n")
    table = _table_lines(lines, title)
    edges = _edges(lines[table[0]])
    left, right = edges[column], edges[column + 1]
    grow = max(0, max(len(v) for v in values) + 2 - (right - left - 1))
    if grow:
        for i in table:
            fill = {"-": "-", "=": "="}.get(lines[i][right - 1], " ")
            lines[i] = lines[i][:right] + fill * grow + lines[i][right:]
        right += grow
    rows = _row_lines(lines, table, row)
    edges = _edges(lines[table[0]])
    blank = lines[table[0]][: edges[0]] + "".join("|" + " " * (b - a - 1) for a, b in itertools.pairwise(edges)) + "|"
    lines[rows.stop : rows.stop] = [blank] * max(0, len(values) - len(rows))
    for i, line_number in enumerate(range(rows.start, max(rows.stop, rows.start + len(values)))):
        cell = f" {values[i]}" if i < len(values) else ""
        line = lines[line_number]
        lines[line_number] = line[: left + 1] + cell.ljust(right - left - 1) + line[right:]
    return "\n".join(lines)


def remove_row(text: str, title: str, row: str) -> str:
    """Delete a row and the border below it."""
    lines = text.split("\n")
    rows = _row_lines(lines, _table_lines(lines, title), row)
    del lines[rows.start : rows.stop + 1]
    return "\n".join(lines)


def add_row(text: str, title: str, cells: list[str]) -> str:
    """Append a one-line row to a table."""
    lines = text.split("\n")
    table = _table_lines(lines, title)
    border = lines[table[-1]]
    edges = _edges(border)
    row = border[: edges[0]] + "".join(
        "|" + f" {cell}".ljust(b - a - 1) for cell, (a, b) in zip(cells, itertools.pairwise(edges), strict=True)
    )
    lines[table[-1] + 1 : table[-1] + 1] = [row + "|", border]
    return "\n".join(lines)


QUERY_TABLE = """.. table:: **Table 9** Query parameters

   +-----------+-----------+--------+---------------+
   | Parameter | Mandatory | Type   | Description   |
   +===========+===========+========+===============+
   | marker    | No        | String | Page marker.  |
   +-----------+-----------+--------+---------------+

Request Parameters
------------------
"""


def mutate(root: Path, page: str, change: str, *args: str | int | list[str]) -> None:
    """Apply one grid-table edit to a kept page and re-record its sha256."""
    path = page_path(root, page)
    edits = {"set_cell": set_cell, "remove_row": remove_row, "add_row": add_row}
    path.write_text(edits[change](path.read_text(encoding="utf-8"), *args), encoding="utf-8")  # type: ignore[operator]
    repin(root, page)


# --- The committed specs --------------------------------------------------------------------------------------


def test_repository_pages_and_spec_agree(capsys: pytest.CaptureFixture[str]) -> None:
    """The kept pages and the spec agree, and the summary says how much of each page was compared."""
    code = check_specs.main(["--root", str(ROOT)])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert f"POST {STOP_URI}: 1 tables, 3 rows, status codes 204, 401, 403, 404" in out
    assert "GET /v2/{project_id}/datasets/{dataset_id}/tasks/{task_id}: 18 tables, 176 rows" in out
    assert "GET /v2/{project_id}/datasets/{dataset_id}/tasks: 20 tables, 188 rows" in out
    assert "GET /v2/{project_id}/datasets: 17 tables, 196 rows, status codes 200, 401, 403, 404" in out


def test_the_parse_memo_reads_every_page_as_a_fresh_parse_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/spec_check.py hands a page's tree to the next read of the same text: from another path, the page read
    is equal to a fresh parse's (path and lines included), and reading leaves the tree as docutils built it."""
    real = real_parse_rst()
    for page in (STOP, DETAILS, LIST, DATASETS):
        original, copy = page_path(ROOT, page), tmp_path / page
        shutil.copyfile(original, copy)
        memo = memo_parse_rst(real)
        monkeypatch.setattr(rst_tables, "parse_rst", memo)
        read_page(original)
        tree = memo(original)
        built = real(original).pformat()
        assert memo(copy) is tree  # the copy is answered from the memo
        from_memo = read_page(copy)
        assert tree.pformat() == built, page  # two reads changed nothing in the tree
        monkeypatch.setattr(rst_tables, "parse_rst", real)
        assert from_memo == read_page(copy), page


# --- One mutation of each kind, on each page ----------------------------------------------------------------------

DETAILS_CONFIG = ":ref:`SmartTaskConfig <en-us_topic_0000002374856553__response_smarttaskconfig>`"
LIST_TASKS = ":ref:`RunningTask <en-us_topic_0000002341058586__response_runningtask>`"
MUTATIONS = [
    # (page, kind, edit, expected line after the prefix)
    (
        DATASETS,
        "nested row removed",
        ("remove_row", "DatasetAndFilePreview", "dataset_name"),
        f"{DATASETS}: Table 4 DatasetAndFilePreview: property 'dataset_name' is in openapi.yaml"
        " (/components/schemas/DatasetAndFilePreview/properties/dataset_name) but the table has no row for it",
    ),
    (
        DATASETS,
        "Integer to String",
        ("set_cell", "Query Parameters", "limit", 2, "String"),
        f"{DATASETS}: Table 2 Query Parameters, row 'limit': Type is 'String' in {DATASETS} but 'Integer' in"
        " openapi.yaml (/paths/~1v2~1{project_id}~1datasets/get/parameters/5/schema)",
    ),
    (
        DATASETS,
        "Options value changed",
        ("text", "**8**: importing dataset", "**9**: importing dataset"),
        f"{DATASETS}: Table 4 DatasetAndFilePreview, row 'status': Options are ['0', '1', '2', '3', '4', '5', '6',"
        f" '7', '9'] in {DATASETS} but enum is ['0', '1', '2', '3', '4', '5', '6', '7', '8'] in openapi.yaml"
        " (/components/schemas/DatasetAndFilePreview/properties/status)",
    ),
    (
        DATASETS,
        "Mandatory flipped",
        ("set_cell", "Query Parameters", "offset", 1, "Yes"),
        f"{DATASETS}: Table 2 Query Parameters, row 'offset': Mandatory is 'Yes' in {DATASETS} but required: false"
        " in openapi.yaml (/paths/~1v2~1{project_id}~1datasets/get/parameters/6)",
    ),
    (
        DETAILS,
        "nested row removed",
        ("remove_row", "Event", "level"),
        f"{DETAILS}: Table 13 Event: property 'level' is in openapi.yaml (/components/schemas/Event/properties/level)"
        " but the table has no row for it",
    ),
    (
        LIST,
        "nested row removed",
        ("remove_row", "RunningTask", "model_id"),
        f"{LIST}: Table 4 RunningTask: property 'model_id' is in openapi.yaml"
        " (/components/schemas/RunningTask/properties/model_id) but the table has no row for it",
    ),
    (
        STOP,
        "row removed (the page has no nested table)",
        ("remove_row", "Path Parameters", "dataset_id"),
        f"{STOP}: parameter 'dataset_id' (in: path) is in openapi.yaml"
        f" (/paths/{STOP_URI.replace('/', '~1')}/post/parameters/0) but in no parameter table of {STOP}",
    ),
    (
        DETAILS,
        "String to Integer",
        ("set_cell", "SmartTaskConfig", "model_id", 1, "Integer"),
        f"{DETAILS}: Table 3 SmartTaskConfig, row 'model_id': Type is 'Integer' in {DETAILS} but 'String' in"
        " openapi.yaml (/components/schemas/SmartTaskConfig/properties/model_id)",
    ),
    (
        LIST,
        "String to Integer",
        ("set_cell", "Query parameters", "task_name", 2, "Integer"),
        f"{LIST}: Table 2 Query parameters, row 'task_name': Type is 'Integer' in {LIST} but 'String' in"
        " openapi.yaml (/paths/~1v2~1{project_id}~1datasets~1{dataset_id}~1tasks/get/parameters/4/schema)",
    ),
    (
        STOP,
        "String to Integer",
        ("set_cell", "Path Parameters", "task_id", 2, "Integer"),
        f"{STOP}: Table 1 Path Parameters, row 'task_id': Type is 'Integer' in {STOP} but 'String' in openapi.yaml"
        f" (/paths/{STOP_URI.replace('/', '~1')}/post/parameters/2/schema)",
    ),
    (
        DETAILS,
        "X object to Array of X objects",
        ("set_cell", "Response body parameters", "config", 1, f"Array of {DETAILS_CONFIG} objects"),
        f"{DETAILS}: Table 2 Response body parameters, row 'config': Type is 'Array of SmartTaskConfig objects' in"
        f" {DETAILS} but 'SmartTaskConfig object' in openapi.yaml"
        " (/components/schemas/AutoAnnotationProgressResponse/properties/config)",
    ),
    (
        LIST,
        "Array of X objects to X object",
        ("set_cell", "Response body parameters", "tasks", 1, f"{LIST_TASKS} object"),
        f"{LIST}: Table 3 Response body parameters, row 'tasks': Type is 'RunningTask object' in {LIST} but"
        " 'Array of RunningTask objects' in openapi.yaml (/components/schemas/ListTasksResponse/properties/tasks)",
    ),
    (
        STOP,
        "String to Array of strings (the page has no object type)",
        ("set_cell", "Path Parameters", "task_id", 2, "Array of strings"),
        f"{STOP}: Table 1 Path Parameters, row 'task_id': Type is 'Array of strings' in {STOP} but 'String' in"
        f" openapi.yaml (/paths/{STOP_URI.replace('/', '~1')}/post/parameters/2/schema)",
    ),
    (
        DETAILS,
        "query parameter added",
        ("query", QUERY_TABLE),
        f"{DETAILS}: Table 9 Query parameters, row 'marker': an in: query parameter in {DETAILS} but not in"
        " openapi.yaml",
    ),
    (
        LIST,
        "query parameter added",
        ("add_row", "Query parameters", ["marker", "No", "String", "Page marker."]),
        f"{LIST}: Table 2 Query parameters, row 'marker': an in: query parameter in {LIST} but not in openapi.yaml",
    ),
    (
        STOP,
        "query parameter added",
        ("query", QUERY_TABLE),
        f"{STOP}: Table 9 Query parameters, row 'marker': an in: query parameter in {STOP} but not in openapi.yaml",
    ),
    (
        DETAILS,
        "Options value changed",
        ("text", "**5**: stopped", "**6**: stopped"),
        f"{DETAILS}: Table 2 Response body parameters, row 'status': Options are ['-1', '0', '1', '2', '3', '4', '6']"
        f" in {DETAILS} but enum is ['-1', '0', '1', '2', '3', '4', '5'] in openapi.yaml"
        " (/components/schemas/AutoAnnotationProgressResponse/properties/status)",
    ),
    (
        LIST,
        "Options value changed",
        ("text", "**fast**", "**slow**"),
        f"{LIST}: Table 5 SmartTaskConfig, row 'algorithm_type': Options are ['slow', 'accurate'] in {LIST} but the"
        " options its description lists is ['fast', 'accurate'] in openapi.yaml"
        " (/components/schemas/SmartTaskConfig/properties/algorithm_type)",
    ),
    (
        STOP,
        "Options added (the page lists none to change)",
        ("set_cell", "Path Parameters", "task_id", 3, ["Task ID. Options:", "", "-  **a**: first"]),
        [
            f"{STOP}: Table 1 Path Parameters, row 'task_id': Options are ['a'] in {STOP} but the options its"
            f" description lists is [] in openapi.yaml (/paths/{STOP_URI.replace('/', '~1')}/post/parameters/2)",
            f"{STOP}: Table 1 Path Parameters, row 'task_id': Description is 'Task ID. Options: a: first' in {STOP}"
            f" but 'Task ID.' in openapi.yaml (/paths/{STOP_URI.replace('/', '~1')}/post/parameters/2)",
        ],
    ),
    (
        DETAILS,
        "Mandatory flipped",
        ("set_cell", "URI parameters", "task_id", 1, "No"),
        f"{DETAILS}: Table 1 URI parameters, row 'task_id': Mandatory is 'No' in {DETAILS} but required: true in"
        " openapi.yaml (/paths/~1v2~1{project_id}~1datasets~1{dataset_id}~1tasks~1{task_id}/get/parameters/2)",
    ),
    (
        LIST,
        "Mandatory flipped",
        ("set_cell", "Query parameters", "limit", 1, "Yes"),
        f"{LIST}: Table 2 Query parameters, row 'limit': Mandatory is 'Yes' in {LIST} but required: false in"
        " openapi.yaml (/paths/~1v2~1{project_id}~1datasets~1{dataset_id}~1tasks/get/parameters/2)",
    ),
    (
        STOP,
        "Mandatory flipped",
        ("set_cell", "Path Parameters", "project_id", 1, "No"),
        f"{STOP}: Table 1 Path Parameters, row 'project_id': Mandatory is 'No' in {STOP} but required: true in"
        f" openapi.yaml (/paths/{STOP_URI.replace('/', '~1')}/post/parameters/1)",
    ),
]


@pytest.mark.parametrize(
    ("page", "edit", "expected"),
    [(page, edit, expected) for page, _, edit, expected in MUTATIONS],
    ids=[f"{page.split('_')[0]}-{kind}" for page, kind, _, _ in MUTATIONS],
)
def test_page_mutation_names_the_row(
    root: Path, capsys: pytest.CaptureFixture[str], page: str, edit: tuple[object, ...], expected: str | list[str]
) -> None:
    """One edit to a vendor page fails check-specs naming the page, table, row and change, and nothing else."""
    kind, *args = edit
    if kind == "text":
        edit_page(root, page, str(args[0]), str(args[1]))
    elif kind == "query":
        edit_page(root, page, "Request Parameters\n------------------\n", str(args[0]))
    else:
        mutate(root, page, str(kind), *args)  # type: ignore[arg-type]
    lines = [expected] if isinstance(expected, str) else expected
    assert run_check(root, capsys) == (1, [PREFIX + line for line in lines])


# --- Differences made on the spec's side ------------------------------------------------------------------------

DETAILS_PATH = "/paths/~1v2~1{project_id}~1datasets~1{dataset_id}~1tasks~1{task_id}/get"
STOP_PATH = f"/paths/{STOP_URI.replace('/', '~1')}/post"
PROGRESS = (
    "      description: Response body of AutoAnnotationProgress (obtaining_details_about_an_auto_labeling_task.rst"
)
SPEC_EDITS = [
    (
        "Long spelt as Integer, in an object two pages share",
        "          format: int64\n          description: Time when an event is executed\n",
        "          description: Time when an event is executed\n",
        [
            f"{DETAILS}: Table 13 Event, row 'elapsed_time': Type is 'Long' in {DETAILS} but 'Integer' in openapi.yaml"
            " (/components/schemas/Event/properties/elapsed_time)",
            f"{LIST}: Table 15 Event, row 'elapsed_time': Type is 'Long' in {LIST} but 'Integer' in openapi.yaml"
            " (/components/schemas/Event/properties/elapsed_time)",
        ],
    ),
    (
        "enum value changed",
        "            - 4\n            - 5\n        task_id:\n",
        "            - 4\n            - 6\n        task_id:\n",
        [
            f"{DETAILS}: Table 2 Response body parameters, row 'status': Options are ['-1', '0', '1', '2', '3', '4',"
            f" '5'] in {DETAILS} but enum is ['-1', '0', '1', '2', '3', '4', '6'] in openapi.yaml"
            " (/components/schemas/AutoAnnotationProgressResponse/properties/status)",
        ],
    ),
    (
        "a response field required that the page does not flag",
        PROGRESS + ", Table 2).\n      properties:\n",
        PROGRESS + ", Table 2).\n      required:\n        - progress\n      properties:\n",
        [
            f"{DETAILS}: Table 2 Response body parameters, row 'progress': the table has no Mandatory column but"
            " openapi.yaml requires it (/components/schemas/AutoAnnotationProgressResponse/properties/progress)",
        ],
    ),
    (
        "a property no page documents",
        "          description: Attribute code of a resource specification, which is used for task creating\n",
        "          description: Attribute code of a resource specification, which is used for task creating\n"
        "        gpu:\n          type: string\n",
        [
            f"{DETAILS}: Table 9 Flavor: property 'gpu' is in openapi.yaml (/components/schemas/Flavor/properties/gpu)"
            " but the table has no row for it",
            f"{LIST}: Table 11 Flavor: property 'gpu' is in openapi.yaml (/components/schemas/Flavor/properties/gpu)"
            " but the table has no row for it",
        ],
    ),
    (
        "example value changed",
        "                progress: 10.0\n",
        "                progress: 11.0\n",
        [
            f"{DETAILS}: Example Responses: the example for status 200 differs from openapi.yaml's"
            f" ({DETAILS_PATH}/responses/200/content/application~1json/example) at /progress",
        ],
    ),
    (
        "status code the page does not list",
        "        '204':\n",
        "        '202':\n          description: Accepted\n        '204':\n",
        [f"{STOP}: Status Codes: status code 202 is in openapi.yaml but not in {STOP}"],
    ),
    (
        "parameter description",
        "          description: Task ID.\n",
        "          description: The task ID.\n",
        [
            f"{STOP}: Table 1 Path Parameters, row 'task_id': Description is 'Task ID.' in {STOP} but 'The task ID.'"
            f" in openapi.yaml ({STOP_PATH}/parameters/2)"
        ],
    ),
    (
        "an operation no page documents",
        "components:\n",
        "  /v2/jobs:\n    get:\n      responses:\n        '200':\n          description: OK\ncomponents:\n",
        ["openapi.yaml: operation GET /v2/jobs is documented by no page in provenance.json"],
    ),
    (
        "a schema no table documents",
        "  securitySchemes:\n",
        "    Orphan:\n      type: object\n  securitySchemes:\n",
        ["openapi.yaml: schema 'Orphan' (/components/schemas/Orphan) transcribes no table of any page"],
    ),
    (
        "an error response that is not the documented error body",
        "        '401':\n          description: Unauthorized\n          content:\n            application/json:\n"
        "              schema:\n                $ref: '#/components/schemas/Error'\n        '403':\n"
        "          description: Forbidden\n          content:\n            application/json:\n"
        "              schema:\n                $ref: '#/components/schemas/Error'\n        '404':\n"
        "          description: Not Found\n          content:\n            application/json:\n"
        "              schema:\n                $ref: '#/components/schemas/Error'\ncomponents:\n",
        "        '401':\n          description: Unauthorized\n          content:\n            application/json:\n"
        "              schema:\n                type: object\n        '403':\n"
        "          description: Forbidden\n          content:\n            application/json:\n"
        "              schema:\n                $ref: '#/components/schemas/Error'\n        '404':\n"
        "          description: Not Found\n          content:\n            application/json:\n"
        "              schema:\n                $ref: '#/components/schemas/Error'\ncomponents:\n",
        [
            f"{ERRORS}: response 401 of POST {STOP_URI} ({STOP_PATH}/responses/401) is not the documented error body"
            " ($ref #/components/schemas/Error)"
        ],
    ),
    (
        "the error example is not the page's",
        "        error_code: AS.0001\n",
        "        error_code: AS.0002\n",
        [f"{ERRORS}: the error body differs from openapi.yaml's Error example (/components/schemas/Error/example) at"
         " /error_code"],
    ),
    (
        "the error body's field missing",
        "        error_msg:\n          type: string\n          description: Error message.\n",
        "",
        [f"{ERRORS}: the error body's 'error_msg' is not a property of openapi.yaml's Error"
         " (/components/schemas/Error)"],
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "expected"), [edit[1:] for edit in SPEC_EDITS], ids=[edit[0] for edit in SPEC_EDITS]
)
def test_spec_edit_names_the_row(
    root: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: list[str]
) -> None:
    """An edit to openapi.yaml that the pages do not support names every page, table and row it breaks."""
    edit_spec(root, old, new)
    assert run_check(root, capsys) == (1, [PREFIX + line for line in expected])


# --- Other page edits, unreadable pages, and the provenance -------------------------------------------------------


def test_page_operation_moved(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A page documenting another URI is named, and so is the spec's operation nobody documents any more."""
    edit_page(root, STOP, f"POST {STOP_URI}\n\n", f"PUT {STOP_URI}\n\n")
    assert run_check(root, capsys) == (
        1,
        [
            f"{PREFIX}{STOP}: openapi.yaml has no operation PUT {STOP_URI}",
            f"{PREFIX}openapi.yaml: operation POST {STOP_URI} is documented by no page in provenance.json",
        ],
    )


def test_status_code_added_to_a_page(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A status code the page adds is named as missing from openapi.yaml."""
    edit_page(root, LIST, "404         Not Found\n", "404         Not Found\n429         Too Many Requests\n")
    assert run_check(root, capsys) == (
        1,
        [f"{PREFIX}{LIST}: Status Codes: status code 429 is in {LIST} but not in openapi.yaml"],
    )


def test_unreadable_page_is_one_line(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A page whose grid table no longer parses is one line naming the table, and nothing else follows from it."""
    edit_page(root, DETAILS, "   | task_id    | Yes       |", "   | task_id    | Yes      |")
    code, lines = run_check(root, capsys)
    assert code == 1
    assert lines == [
        f"check-specs: {page_path(root, DETAILS)}:32: Table 1 URI parameters: docutils ERROR: Malformed table."
        " Right border not aligned or missing."
    ]


def test_unknown_sphinx_role_is_an_error_known_ones_are_not(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Sphinx-only roles and directives parse; a role nobody defines is a docutils ERROR naming the line."""
    edit_page(
        root,
        STOP,
        "See :ref:`Error Codes",
        ".. note:: See :doc:`x` and :ref:`y <z>`.\n\n.. code-block:: json\n   :emphasize-lines: 1\n\n   {}\n\n"
        "See :ref:`Error Codes",
    )
    assert run_check(root, capsys) == (0, [])
    edit_page(root, STOP, "See :ref:`Error Codes", "See :bogus:`x` and :ref:`Error Codes")
    (line,) = run_check(root, capsys)[1]
    assert line.endswith('docutils ERROR: Unknown interpreted text role "bogus".')


def test_a_page_edited_without_a_new_pin(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every kept page is pinned: an edit its provenance does not record is named with both hashes."""
    path = page_path(root, ERRORS)
    path.write_bytes(path.read_bytes().replace(b"AS.0001", b"AS.0002"))
    (pin, transcription) = run_check(root, capsys)[1]
    assert pin.startswith(f"check-specs: {path}: sha256 is {hashlib.sha256(path.read_bytes()).hexdigest()} but ")
    assert transcription.startswith(f"{PREFIX}{ERRORS}: the error body differs")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"commit": "main"}, '"commit" is neither the vendor commit (7 to 40 hex digits) nor null (unknown)'),
        ({"sha256": "ABC"}, '"sha256" is not 64 lowercase hex digits'),
        ({"documents": "errors"}, "\"documents\" is 'errors', expected one of ('operation', 'error body')"),
        ({"path": None}, "no 'path' (each page records ('title', 'documents', 'path', 'sha256', 'retrieved'))"),
    ],
)
def test_incomplete_provenance_is_one_line(
    root: Path, capsys: pytest.CaptureFixture[str], change: dict[str, object], message: str
) -> None:
    """Each page's record holds where it came from (repository path, commit, date) and its sha256."""
    provenance = root / "specs" / "modelarts" / "provenance.json"
    record = json.loads(provenance.read_text(encoding="utf-8"))
    record["pages"][STOP].update(change)
    provenance.write_text(json.dumps(record), encoding="utf-8")
    assert run_check(root, capsys) == (1, [f"check-specs: {provenance}: pages.{STOP}: {message}"])


def test_unknown_commit_is_accepted_as_null(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A page taken in without MODELARTS_COMMIT records "commit": null, which is not a problem."""
    provenance = root / "specs" / "modelarts" / "provenance.json"
    record = json.loads(provenance.read_text(encoding="utf-8"))
    record["pages"][STOP]["commit"] = None
    provenance.write_text(json.dumps(record), encoding="utf-8")
    assert run_check(root, capsys) == (0, [])


def test_a_page_without_a_record(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A page beside the spec that provenance.json does not name is reported."""
    stray = root / "specs" / "modelarts" / "extra.rst"
    stray.write_text("Extra\n=====\n", encoding="utf-8")
    assert run_check(root, capsys) == (
        1,
        [
            f"check-specs: {stray}: a page with no record in {root}/specs/modelarts/provenance.json; record where it"
            " came from or remove it"
        ],
    )


@pytest.mark.parametrize("version", sorted(HISTORY.glob("stopping_an_intelligent_task@*.rst")), ids=lambda p: p.name)
def test_older_stop_pages_differ_in_one_row(root: Path, capsys: pytest.CaptureFixture[str], version: Path) -> None:
    """Each earlier version of the stop page, checked against today's spec, differs in the project_id row only."""
    shutil.copy(version, page_path(root, STOP))
    repin(root, STOP)
    table = "Path parameters" if "10a5d88" in version.name or "seed" in version.name else "Path Parameters"
    assert run_check(root, capsys) == (
        1,
        [
            f"{PREFIX}{STOP}: Table 1 {table}, row 'project_id': Description is 'Project ID. For details about how to"
            f" obtain the project ID, see Obtaining a Project ID.' in {STOP} but 'Project ID. For details about how"
            " to obtain a project ID, see Obtaining a Project ID and Name.' in openapi.yaml"
            f" ({STOP_PATH}/parameters/1)"
        ],
    )


def test_dataset_list_example_matches_the_spec() -> None:
    """The dataset page's own 200 example validates against the spec; a schema that rejects it is named."""
    spec = check_specs.load_spec(ROOT / "specs" / "modelarts" / "openapi.yaml")
    example = read_page(page_path(ROOT, DATASETS)).examples[200]
    media = spec["paths"]["/v2/{project_id}/datasets"]["get"]["responses"]["200"]["content"]["application/json"]
    media["example"] = example
    assert check_specs.check_examples(spec, Path("openapi.yaml"))[1] == []
    spec["components"]["schemas"]["DatasetAndFilePreview"]["properties"]["dataset_id"]["type"] = "integer"
    (problem,) = check_specs.check_examples(spec, Path("openapi.yaml"))[1]
    assert "/datasets/0/dataset_id" in problem and "is not of type 'integer'" in problem


# --- Ranges and defaults against the pages' own words ---------------------------------------------------------

LIMIT = "            minimum: 1\n            maximum: 100\n            default: 10\n"
TASKS_LIMIT = "/paths/~1v2~1{project_id}~1datasets~1{dataset_id}~1tasks/get/parameters/2/schema"
DATASETS_LIMIT = "/paths/~1v2~1{project_id}~1datasets/get/parameters/5/schema"
STATUS = "/components/schemas/AutoAnnotationProgressResponse/properties/status"
CONSTRAINT_EDITS = [
    (
        "limit minimum 5",
        LIMIT,
        LIMIT.replace("minimum: 1", "minimum: 5"),
        [
            f"{page}: Table 2 Query {table}, row 'limit': {page} states minimum 1 but openapi.yaml has minimum: 5"
            f" ({at})"
            for page, table, at in ((DATASETS, "Parameters", DATASETS_LIMIT), (LIST, "parameters", TASKS_LIMIT))
        ],
    ),
    (
        "limit maximum 50",
        LIMIT,
        LIMIT.replace("maximum: 100", "maximum: 50"),
        [
            f"{page}: Table 2 Query {table}, row 'limit': {page} states maximum 100 but openapi.yaml has maximum: 50"
            f" ({at})"
            for page, table, at in ((DATASETS, "Parameters", DATASETS_LIMIT), (LIST, "parameters", TASKS_LIMIT))
        ],
    ),
    (
        "limit default 20",
        LIMIT,
        LIMIT.replace("default: 10", "default: 20"),
        [
            f"{page}: Table 2 Query {table}, row 'limit': {page} states default value 10 but openapi.yaml has"
            f" default: 20 ({at})"
            for page, table, at in ((DATASETS, "Parameters", DATASETS_LIMIT), (LIST, "parameters", TASKS_LIMIT))
        ],
    ),
    (
        "limit without its range and default",
        LIMIT,
        "",
        [
            f"{page}: Table 2 Query {table}, row 'limit': {page} states {what} but openapi.yaml has no {key} ({at})"
            for page, table, at in ((DATASETS, "Parameters", DATASETS_LIMIT), (LIST, "parameters", TASKS_LIMIT))
            for what, key in (("minimum 1", "minimum"), ("maximum 100", "maximum"), ("default value 10", "default"))
        ],
    ),
    (
        "minimum 0 on the task status, which documents -1",
        "          enum:\n            - -1\n",
        "          minimum: 0\n          enum:\n            - -1\n",
        [
            f"{DETAILS}: Table 2 Response body parameters, row 'status': openapi.yaml sets minimum: 0 ({STATUS}) but"
            f" {DETAILS} states no minimum for it"
        ],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [edit[1:] for edit in CONSTRAINT_EDITS],
    ids=[edit[0] for edit in CONSTRAINT_EDITS],
)
def test_constraint_the_page_does_not_state_names_the_row(
    root: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: list[str]
) -> None:
    """A range or default in openapi.yaml that differs from the page's words, or is missing, fails on its row."""
    path = root / "specs" / "modelarts" / "openapi.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == (2 if old == LIMIT else 1), old
    path.write_text(text.replace(old, new), encoding="utf-8")
    code, lines = run_check(root, capsys)
    assert (code, sorted(lines)) == (1 if expected else 0, sorted(PREFIX + line for line in expected))


def test_a_length_or_pattern_no_page_states_fails(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """maxLength and pattern are constraints too: set on task_name, which the page bounds in no way, they fail."""
    old = "          description: Task name filtering.\n"
    edit_spec(root, "            type: string\n" + old, "            type: string\n            maxLength: 64\n"
              "            pattern: ^[a-z]+$\n" + old)  # fmt: skip
    at = "/paths/~1v2~1{project_id}~1datasets~1{dataset_id}~1tasks/get/parameters/4/schema"
    assert run_check(root, capsys) == (
        1,
        [
            f"{PREFIX}{LIST}: Table 2 Query parameters, row 'task_name': openapi.yaml sets {key} ({at}) but {LIST}"
            f" states no {what} for it"
            for key, what in (("maxLength: 64", "maximum length"), ("pattern: ^[a-z]+$", "pattern"))
        ],
    )


def test_a_page_that_changes_its_range_fails_on_the_row(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The vendor lowering the documented maximum to 50 is named against the spec's 100 (and the words differ)."""
    edit_page(root, DATASETS, "The value ranges from 1 to 100.", "The value ranges from 1 to 50. ")
    code, lines = run_check(root, capsys)
    assert code == 1 and len(lines) == 2
    assert lines[0] == (
        f"{PREFIX}{DATASETS}: Table 2 Query Parameters, row 'limit': {DATASETS} states maximum 50 but openapi.yaml"
        f" has maximum: 100 ({DATASETS_LIMIT})"
    )
    assert lines[1].startswith(f"{PREFIX}{DATASETS}: Table 2 Query Parameters, row 'limit': Description is")


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("Maximum number of records. The value ranges from 1 to 100. The default value is 10.",
         {"minimum": 1, "maximum": 100, "default": 10}),
        ("The value ranges from 0 to 1. Note: the range is fixed.", {"minimum": 0, "maximum": 1}),
        ("Ratios. The numbers before and after the comma indicate the minimum and maximum split ratios.", {}),
        ("Workspace ID. If no workspace is created, the default value is 0.", {}),
        ("Score. The value ranges from 0 to 1.", {"minimum": 0, "maximum": 1}),
        ("Sorting. The default value is desc.", {"default": "desc"}),
        ("Ratio. The default value is 1.", {"default": 1}),
        ("Stop time. The default value is 15 minutes.", {"default": 15}),
        ("Persons per sample. The minimum value is 1.", {"minimum": 1}),
        ("Whether to preview. The default value is false.", {"default": False}),
    ],
)  # fmt: skip
def test_stated_constraints_read_sentences_not_clauses(text: str, stated: dict[str, object]) -> None:
    """A range or default counts as its own sentence only, not as a clause of another."""
    assert stated_constraints(text) == stated


@pytest.mark.parametrize("version", sorted(HISTORY.glob(f"{STOP[:-4]}@*.rst")), ids=lambda p: p.name)
def test_stop_page_versions_transcribed_then_diffed_change_nothing(version: Path) -> None:
    """Each earlier stop page, transcribed (today's spec with that page's project_id words, which the page comparison
    finds faithful), diffed against today's spec: nothing a client sees changed, so spec_diff reports no change."""
    page = read_page(version)
    (project_id,) = [row for row in page.parameters if row.name == "project_id"]
    today = check_specs.load_spec(ROOT / "specs" / "modelarts" / "openapi.yaml")
    old = json.loads(json.dumps(today))
    (parameter,) = [p for p in old["paths"][STOP_URI]["post"]["parameters"] if p["name"] == "project_id"]
    parameter["description"] = project_id.description
    assert transcription.compare_page(page, old, "old.yaml").problems == []
    assert transcription.compare_page(page, today, "openapi.yaml").problems != []  # the words did differ
    assert diff_specs(Spec(old, "old"), Spec(today, "today")) == []

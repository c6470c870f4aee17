"""`python scripts/rst_tables.py PAGE.rst` reads every table of a vendor page into one JSON model, or says why not."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from rst_tables import PageError, main, read_page, shown

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "specs" / "modelarts"
HISTORY = Path(__file__).resolve().parent / "fixtures" / "modelarts"
FIELD_KEYS = ["name", "required", "type", "description", "options", "object"]
STOP_URI = "/v2/{project_id}/datasets/{dataset_id}/tasks/{task_id}/stop"


def model(path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """Run the command in-process and parse what it prints."""
    assert main([str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    result: dict[str, Any] = json.loads(out)
    return result


def fields(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Rows by name, each checked to have exactly the documented FIELD keys."""
    assert all(list(row) == FIELD_KEYS for row in rows)
    return {row["name"]: row for row in rows}


def check_shape(result: dict[str, Any]) -> None:
    """The documented shape, key for key."""
    assert list(result) == [
        "method", "uri", "parameters", "request_body", "response_body", "objects", "status_codes",
    ]  # fmt: skip
    assert all(list(p) == ["name", "in", "required", "type", "description"] for p in result["parameters"])
    for rows in [result["request_body"], result["response_body"], *result["objects"].values()]:
        fields(rows)
        assert all(row["object"] is None or row["object"] in result["objects"] for row in rows)
    assert all(isinstance(code, int) for code in result["status_codes"])


# --- The vendor's own pages -----------------------------------------------------------------------------------


def test_details_page_every_table(capsys: pytest.CaptureFixture[str]) -> None:
    """The details page: 18 tables, nested objects and arrays of them, maps, a cycle and integer task statuses."""
    result = model(PAGES / "obtaining_details_about_an_auto_labeling_task.rst", capsys)
    check_shape(result)
    assert (result["method"], result["uri"]) == ("GET", "/v2/{project_id}/datasets/{dataset_id}/tasks/{task_id}")
    assert [(p["name"], p["in"], p["required"]) for p in result["parameters"]] == [
        ("dataset_id", "path", True), ("project_id", "path", True), ("task_id", "path", True),
    ]  # fmt: skip
    assert result["request_body"] == []
    body = fields(result["response_body"])
    assert len(body) == 15 and len(result["objects"]) == 16  # with the URI table: 18 tables
    assert body["status"] == {
        "name": "status",
        "required": None,  # response tables have no Mandatory column
        "type": "Integer",
        "description": "Task status. Options: -1: queuing 0: initializing 1: running 2: failed 3: succeeded"
        " 4: stopping 5: stopped",
        "options": ["-1", "0", "1", "2", "3", "4", "5"],
        "object": None,
    }
    assert (body["config"]["type"], body["config"]["object"]) == ("SmartTaskConfig object", "SmartTaskConfig")
    assert body["export_type"]["options"] == ["0", "1"]  # "Options: Options:" as the vendor wrote it
    event = fields(result["objects"]["Event"])
    assert (event["events"]["type"], event["events"]["object"]) == ("Array of Event objects", "Event")  # a cycle
    assert event["status"]["options"] == ["waiting", "running", "failed", "success"]  # "running" is not bold
    search_label = fields(result["objects"]["SearchLabel"])
    assert search_label["property"]["type"] == "Map<String,Array<String>>"
    metadata = fields(result["objects"]["SampleMetadata"])
    assert metadata["@modelarts:hard_reasons"]["type"] == "Array of integers"
    assert metadata["@modelarts:hard_reasons"]["options"] == [str(n) for n in range(31)]
    assert fields(result["objects"]["SampleLabelProperty"])["@modelarts:hard"]["options"] == ["0/false", "1/true"]
    assert result["status_codes"] == [200, 401, 403, 404]


def test_list_page_query_parameters_and_paged_body(capsys: pytest.CaptureFixture[str]) -> None:
    """The list page: path and query parameters, and an array of RunningTask objects reaching every nested table."""
    result = model(PAGES / "obtaining_an_auto_labeling_task_list_by_page.rst", capsys)
    check_shape(result)
    assert [(p["name"], p["in"], p["required"], p["type"]) for p in result["parameters"]] == [
        ("dataset_id", "path", True, "String"), ("project_id", "path", True, "String"),
        ("limit", "query", False, "Integer"), ("offset", "query", False, "Integer"),
        ("task_name", "query", False, "String"), ("type", "query", False, "String"),
    ]  # fmt: skip
    tasks = fields(result["response_body"])["tasks"]
    assert (tasks["type"], tasks["object"]) == ("Array of RunningTask objects", "RunningTask")
    assert set(result["objects"]) >= {"RunningTask", "SmartTaskConfig", "Result", "Event", "SampleLabelProperty"}
    assert len(result["objects"]) == 17
    page = read_page(PAGES / "obtaining_an_auto_labeling_task_list_by_page.rst")
    assert page.parameters[-1].options == ("auto-label", "pre-label", "auto-grouping")
    assert page.examples[200]["total_count"] == 2


@pytest.mark.parametrize(
    "path",
    [PAGES / "stopping_an_intelligent_task.rst", *sorted(HISTORY.glob("stopping_an_intelligent_task@*.rst"))],
    ids=lambda path: path.name,
)
def test_stop_page_and_its_history(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    """Every version of the stop page since 2022 reads to the same operation, parameters and status codes."""
    result = model(path, capsys)
    check_shape(result)
    assert (result["method"], result["uri"]) == ("POST", STOP_URI)
    assert [(p["name"], p["in"], p["required"], p["type"]) for p in result["parameters"]] == [
        (name, "path", True, "String") for name in ("dataset_id", "project_id", "task_id")
    ]
    assert (result["request_body"], result["response_body"], result["objects"]) == ([], [], {})
    assert result["status_codes"] == [204, 401, 403, 404]


def test_history_changed_only_the_project_id_link() -> None:
    """Between versions only the project_id description changed (the link to the project ID page)."""
    versions = [read_page(path) for path in sorted(HISTORY.glob("*.rst"))] + [
        read_page(PAGES / "stopping_an_intelligent_task.rst")
    ]
    descriptions = {page.parameters[1].description for page in versions}
    assert descriptions == {
        "Project ID. For details about how to obtain the project ID, see Obtaining a Project ID.",
        "Project ID. For details about how to obtain a project ID, see Obtaining a Project ID and Name.",
    }
    assert len({(page.parameters[0], page.parameters[2], page.status_codes) for page in versions}) == 1


def test_a_page_without_an_operation_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """The "Response" page documents no operation: one line, exit 1."""
    assert main([str(PAGES / "calling_apis_response.rst")]) == 1
    assert capsys.readouterr().err == f'rst_tables: {shown(PAGES / "calling_apis_response.rst")}: no "URI" section\n'


# --- Other shapes of the same format --------------------------------------------------------------------------

HEAD = """:original_name: Example.html

.. _Example:

Example
=======

URI
---

{method} /v1/{{project_id}}/things

.. table:: **Table 1** Path Parameters

   ========== ========= ====== ===========
   Parameter  Mandatory Type   Description
   ========== ========= ====== ===========
   project_id Yes       String Project ID.
   ========== ========= ====== ===========

"""
STATUS = """
Status Codes
------------

=========== ============
Status Code Description
=========== ============
{codes}
=========== ============
"""


def table(title: str, header: list[str], *rows: list[str | list[str]], label: str = "") -> str:
    """A grid table directive (a cell may be several lines), with an optional label before it."""
    table_rows: list[list[str | list[str]]] = [list(header), *rows]
    cells = [[[c] if isinstance(c, str) else c for c in row] for row in table_rows]
    widths = [max(len(line) for row in cells for line in row[i]) + 2 for i in range(len(header))]
    border = "   +" + "+".join("-" * w for w in widths) + "+"
    lines = [f".. _{label}:", ""] if label else []
    number, name = re.fullmatch(r"(Table \d+) (.+)", title).groups()  # type: ignore[union-attr]
    lines += [f".. table:: **{number}** {name}", "", border]
    for index, row in enumerate(cells):
        for n in range(max(len(cell) for cell in row)):
            texts = [f" {cell[n]}" if n < len(cell) else "" for cell in row]
            lines.append("   |" + "|".join(text.ljust(w) for text, w in zip(texts, widths, strict=True)) + "|")
        lines.append(border.replace("-", "=") if index == 0 else border)
    return "\n".join(lines) + "\n\n"


MANDATORY = ["Parameter", "Mandatory", "Type", "Description"]
RESPONSE = ["Parameter", "Type", "Description"]
# A request body with Mandatory flags, header and integer query options, an object reached only by its name, one
# reached by :ref:, a self-referencing one, one no row links to, two tables of one name, and a body per status.
FULL = (
    HEAD.format(method="POST")
    + table(
        "Table 2 Query Parameters",
        MANDATORY,
        ["delete_policy", "No", "Integer", ["What to delete. Options:", "", "#. **0**: the label.", "#. **1**: both."]],
    )
    + "Request Parameters\n------------------\n\n"
    + table("Table 3 Request header parameters", MANDATORY, ["X-Auth-Token", "Yes", "String", "User token."])
    + table(
        "Table 4 Request body parameters",
        MANDATORY,
        ["labels", "Yes", "Array of :ref:`Label <req_label>` objects", "Labels."],
        ["tags", "No", "Map<String,String>", "Free tags."],
        ["node", "No", "Node object", "A tree."],
    )
    + table("Table 5 Label", MANDATORY, ["name", "Yes", "String", "Label name."], label="req_label")
    + table("Table 6 Node", MANDATORY, ["children", "No", "Array of Node objects", "Sub-trees."])
    + table("Table 7 Unlinked", MANDATORY, ["spare", "No", "Long", "Kept anyway."])
    + "Response Parameters\n-------------------\n\n**Status code: 200**\n\n"
    + table(
        "Table 8 Response body parameters",
        RESPONSE,
        ["success", "Boolean", ["Whether it worked. Options:", "", "-  **true**: it worked.", "-  **false**: not."]],
        ["label", "Label object", "The label, as the response names it."],
    )
    + table("Table 9 Label", RESPONSE, ["color", "String", "Label color."])
    + "**Status code: 400**\n\n"
    + table(
        "Table 10 Response body parameters",
        RESPONSE,
        ["error_code", "String", "Error code."],
        ["error_msg", "String", "Error message."],
    )
    + STATUS.format(codes="200         OK\n400         Bad Request")
)


def write(tmp_path: Path, text: str, name: str = "page.rst") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shape_of_the_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Header and query parameters, request and per-status response bodies, simple tables, :ref: and plain links."""
    result = model(write(tmp_path, FULL), capsys)
    check_shape(result)
    assert [(p["name"], p["in"], p["required"]) for p in result["parameters"]] == [
        ("project_id", "path", True), ("delete_policy", "query", False), ("X-Auth-Token", "header", True),
    ]  # fmt: skip
    request = fields(result["request_body"])
    assert {name: (row["required"], row["type"], row["object"]) for name, row in request.items()} == {
        "labels": (True, "Array of Label objects", "Label"),
        "tags": (False, "Map<String,String>", None),
        "node": (False, "Node object", "Node"),  # no :ref:, found by the table's name
    }
    response = fields(result["response_body"])
    assert response["success"]["options"] == ["true", "false"]
    # The response's Label is another table than the request's: the second keeps its full title.
    assert response["label"]["object"] == "Table 9 Label"
    assert fields(result["objects"]["Table 9 Label"])["color"]["type"] == "String"
    assert fields(result["objects"]["Label"])["name"]["required"] is True
    assert fields(result["objects"]["Node"])["children"]["object"] == "Node"
    assert fields(result["objects"]["Unlinked"])["spare"]["type"] == "Long"  # read though no row links to it
    assert [row["name"] for row in result["objects"]["Response body parameters (status 400)"]] == [
        "error_code", "error_msg",
    ]  # fmt: skip
    assert result["status_codes"] == [200, 400]
    assert read_page(tmp_path / "page.rst").parameters[1].options == ("0", "1")  # an enumerated list


def test_a_page_with_only_a_uri(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A page with no parameter tables and no bodies still reads: empty lists, its status codes."""
    text = "Ping\n====\n\nURI\n---\n\nGET /v1/ping\n" + STATUS.format(codes="204         No Content")
    result = model(write(tmp_path, text), capsys)
    assert result == {
        "method": "GET", "uri": "/v1/ping", "parameters": [], "request_body": [], "response_body": [],
        "objects": {}, "status_codes": [204],
    }  # fmt: skip


# --- Pages it cannot read: one line, exit 1 -------------------------------------------------------------------


def broken(old: str, new: str) -> str:
    """FULL with one piece (that occurs once) replaced."""
    assert FULL.count(old) == 1, old
    return FULL.replace(old, new)


BROKEN = [
    (
        "misaligned grid border",
        broken("| delete_policy | No        |", "| delete_policy | No       |"),
        ": Table 2 Query Parameters: docutils ERROR: Malformed table. Right border not aligned or missing.",
    ),
    (
        "missing Type column",
        broken("| Parameter  | Type   | Description    |", "| Parameter  | Kind   | Description    |"),
        ': Table 10 Response body parameters: the table has no "Type" column',
    ),
    (
        "link to no table",
        broken("Array of :ref:`Label <req_label>` objects", "Array of :ref:`Label <nowhere>` objects  "),
        ": Table 4 Request body parameters, row 'labels': the type 'Array of Label objects' links to no table on"
        " this page",
    ),
    (
        "unknown Mandatory value",
        broken("| name      | Yes       |", "| name      | Maybe     |"),
        ": Table 5 Label, row 'name': Mandatory is 'Maybe', expected Yes or No",
    ),
    (
        "spanning cell",
        broken(
            "   | delete_policy | No        | Integer | What to delete. Options: |\n"
            "   |               |           |         |                          |\n",
            "   | delete_policy | No        | Integer | What to delete. Options: |\n"
            "   |               +-----------+         |                          |\n",
        ),
        ": Table 2 Query Parameters: a cell spans rows or columns, which is not supported",
    ),
    ("no URI section", broken("URI\n---\n", "Where\n-----\n"), ': no "URI" section'),
    ("no METHOD line", broken("POST /v1/{project_id}/things\n", "See below.\n"), 'has no "METHOD /path" line'),
    ("no Status Codes", broken("Status Codes\n------------\n", "Codes\n-----\n"), ': no "Status Codes" section'),
    ("bad status code", broken("400         Bad Request", "4O0         Bad Request"),
     ": Status Codes table: '4O0' is not an HTTP status code"),
    ("two request bodies", broken("**Table 6** Node", "**Table 6** Request body parameters"),
     ": Table 6 Request body parameters: a second request body table"),
    ("two bodies for one status", broken("**Status code: 400**", "**Status code: 200**"),
     ": Table 10 Response body parameters: a second response body for one status"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), [(t, m) for _, t, m in BROKEN], ids=[b[0] for b in BROKEN])
def test_unreadable_page_is_one_line_naming_the_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    """A page it cannot read exits 1 with one line naming the page, the table (or line) and why."""
    path = write(tmp_path, text)
    assert main([str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"rst_tables: {path}") and message in err, err


def test_file_problems_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing file, a binary one and one too large for a page: one line each, no traceback."""
    big = tmp_path / "big.rst"
    big.write_bytes(b"x" * (4 * 1024 * 1024 + 1))
    cases = {
        tmp_path / "missing.rst": "file not found",
        write(tmp_path, "", "empty.rst").with_name("binary.rst"): "not UTF-8 text",
        big: "larger than 4 MB, so not a vendor page",
    }
    (tmp_path / "binary.rst").write_bytes(b"\xff\xfe\x00URI")
    for path, message in cases.items():
        assert main([str(path)]) == 1
        out, err = capsys.readouterr()
        assert (out, err.count("\n")) == ("", 1) and message in err


def test_hostile_nesting_ends_in_one_line_in_bounded_time(tmp_path: Path) -> None:
    """Lists nested thousands deep (under the size cap) end in one line, not a RecursionError, within seconds."""
    text = "".join("  " * depth + "- x\n\n" for depth in range(1000))  # 1 MB
    path = write(tmp_path, "URI\n---\n\nGET /x\n\n" + text)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "rst_tables.py"), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == f"rst_tables: {path}: nested too deeply for docutils to parse\n"
    assert elapsed < 60


def test_command_line(tmp_path: Path) -> None:
    """Run as documented: JSON on stdout, exit 0; a usage error exits 2."""
    run = [sys.executable, str(ROOT / "scripts" / "rst_tables.py")]
    ok = subprocess.run([*run, str(PAGES / "stopping_an_intelligent_task.rst")], capture_output=True, timeout=60)
    assert (ok.returncode, ok.stderr) == (0, b"")
    assert json.loads(ok.stdout)["uri"] == STOP_URI
    usage = subprocess.run(run, capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "usage: rst_tables.py" in usage.stderr


def test_read_page_raises_a_typed_error(tmp_path: Path) -> None:
    """The library call raises PageError carrying the one line, for callers such as check-specs."""
    with pytest.raises(PageError) as info:
        read_page(tmp_path / "missing.rst")
    assert info.value.line == f"{tmp_path / 'missing.rst'}: file not found"

"""Print the parsed model of a ModelArts (Huawei Cloud / Open Telekom Cloud) API reference page as JSON.

    python scripts/rst_tables.py PAGE.rst

The vendor writes each operation as one RST page: a "URI" section with the `METHOD /path` line and the path (URI)
parameter table, query and header parameter tables, "Request Parameters" and "Response Parameters" sections with
body tables, one table per nested object (a row typed "X object" or "Array of X objects" links to it), and a
"Status Codes" table. This script reads every one of them into:

    {"method", "uri", "parameters": [{"name", "in", "required", "type", "description"}],
     "request_body": [FIELD], "response_body": [FIELD], "objects": {NAME: [FIELD]}, "status_codes": [int]}
    FIELD = {"name", "required", "type", "description", "options": [str], "object": NAME | null}

`required` is the Mandatory column (null when the table has none, as response tables do); `options` are the values
listed under "Options:" in the description; `object` names the nested table a row's type links to. A response body
documented for another status than the first is kept in `objects` as "Response body parameters (status N)".
A page it cannot read exits 1 with one line naming the table (or the line) and why.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docutils import nodes  # type: ignore[import-untyped]
from docutils.core import publish_doctree  # type: ignore[import-untyped]
from docutils.parsers.rst import Directive, directives, roles  # type: ignore[import-untyped]
from docutils.readers import standalone  # type: ignore[import-untyped]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MAX_PAGE_BYTES = 4 * 1024 * 1024  # the vendor's largest pages are a few hundred kB
MANDATORY = {"yes": True, "no": False}
# "**Status code: 200**" and "**Status code**: **200**" both head the body or example of one status.
STATUS_LINE = re.compile(r"status code\s*:?\s*:?\s*([1-5]\d\d)", re.IGNORECASE)
# A table's title (after "Table N") says what it holds; the first rule that matches wins.
PARAMETER_TABLES = (("path", ("path parameter", "uri parameter")), ("query", ("query parameter",)),
                    ("header", ("header parameter",)))  # fmt: skip
NAME_COLUMNS = ("Parameter", "Name", "Field")
MANDATORY_COLUMNS = ("Mandatory", "Required")
TYPE_COLUMNS = ("Type", "Data Type")
DESCRIPTION_COLUMNS = ("Description",)
# docutils ERROR (3) and SEVERE (4) messages make a page unreadable; INFO and WARNING do not.
DOCUTILS_ERROR = 3
DOCUTILS_SETTINGS = {
    "report_level": 5,  # print nothing: every message is collected and judged here
    "halt_level": 5,  # never raise: collect all messages, then fail on the first ERROR
    "_disable_config": True,
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "doctitle_xform": False,  # keep a page's lone section a section ("URI"), never promote it to a (sub)title
}
SPHINX_ROLES = (
    "ref", "doc", "numref", "term", "download", "any", "abbr", "command", "dfn", "envvar", "file",
    "guilabel", "kbd", "keyword", "menuselection", "mimetype", "option", "program", "samp", "token",
)  # fmt: skip
SPHINX_DIRECTIVES = (
    "toctree", "only", "versionadded", "versionchanged", "deprecated", "seealso", "centered", "hlist",
    "tabularcolumns", "index", "glossary", "literalinclude", "highlight", "productionlist",
)  # fmt: skip

__all__ = ["Field", "Page", "PageError", "Parameter", "Table", "main", "parse_rst", "read_page", "read_uri", "shown"]


class PageError(Exception):
    """A page this tool cannot read: one line naming the file, the table (or line) and why."""

    def __init__(self, line: str) -> None:
        super().__init__(line)
        self.line = line


@dataclass(frozen=True)
class Field:
    """One row of a body or object table."""

    name: str
    required: bool | None
    type: str
    description: str
    options: tuple[str, ...]
    object: str | None
    table: str = field(compare=False)  # the table's title, for messages
    line: int | None = field(default=None, compare=False)

    def as_json(self) -> dict[str, Any]:
        """The FIELD shape of the command's output."""
        return {
            "name": self.name,
            "required": self.required,
            "type": self.type,
            "description": self.description,
            "options": list(self.options),
            "object": self.object,
        }


@dataclass(frozen=True)
class Parameter:
    """One row of a path, query or header parameter table."""

    name: str
    location: str
    required: bool
    type: str
    description: str
    options: tuple[str, ...]
    table: str = field(compare=False)
    line: int | None = field(default=None, compare=False)

    def as_json(self) -> dict[str, Any]:
        """The parameter shape of the command's output."""
        return {
            "name": self.name,
            "in": self.location,
            "required": self.required,
            "type": self.type,
            "description": self.description,
        }


@dataclass(frozen=True)
class Table:
    """A table of fields, under the title the page gives it ("Table 3 SmartTaskConfig")."""

    title: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Page:
    """Everything the page documents about its one operation."""

    path: Path
    method: str
    uri: str
    parameters: tuple[Parameter, ...]
    request_body: Table | None
    response_body: Table | None
    response_status: int | None  # the status the response body is documented for
    other_responses: Mapping[int, Table]  # bodies documented for further statuses (error bodies)
    objects: Mapping[str, Table]
    status_codes: tuple[int, ...]
    examples: Mapping[int, Any] = field(default_factory=dict)  # status -> the example response body, as JSON

    def as_json(self) -> dict[str, Any]:
        """The command's output, in its documented shape."""
        objects = {name: [f.as_json() for f in table.fields] for name, table in self.objects.items()}
        for status, table in self.other_responses.items():
            objects[other_response_name(status)] = [f.as_json() for f in table.fields]
        return {
            "method": self.method,
            "uri": self.uri,
            "parameters": [p.as_json() for p in self.parameters],
            "request_body": [f.as_json() for f in self.request_body.fields] if self.request_body else [],
            "response_body": [f.as_json() for f in self.response_body.fields] if self.response_body else [],
            "objects": objects,
            "status_codes": list(self.status_codes),
        }


def other_response_name(status: int) -> str:
    """The `objects` key of a response body documented for a further status."""
    return f"Response body parameters (status {status})"


def shown(path: Path) -> str:
    """Name a file relative to the working directory when it is below it, as a user would type it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def one_line(text: str, limit: int = 300) -> str:
    """Squeeze a message onto one line."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- docutils, taught the Sphinx constructs the vendor's pages use ----------------------------------------------


def _sphinx_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: Mapping[str, Any] | None = None,
    content: list[str] | None = None,
) -> tuple[list[Any], list[Any]]:
    """Render a Sphinx-only role as its visible text (`Title <target>` shows Title), keeping the target."""
    match = re.fullmatch(r"(?s)(.*?)\s*<([^<>]*)>\s*", text)
    title, target = (match[1] or match[2], match[2]) if match else (text, text)
    return [nodes.inline(rawtext, title, reftarget=nodes.fully_normalize_name(target))], []


class _AnyOption(dict[str, Callable[[str | None], Any]]):
    """Accept every directive option, since the Sphinx options a stub stands in for are unknown to docutils."""

    def __missing__(self, key: str) -> Callable[[str | None], Any]:
        """Keep any option's value as written."""
        return directives.unchanged  # type: ignore[no-any-return]


class _SphinxDirective(Directive):  # type: ignore[misc]
    """Stand in for a Sphinx-only directive: keep its content, parsed so errors inside it still count."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOption(name=directives.unchanged)  # not empty: docutils skips options when it is falsy

    def run(self) -> list[Any]:
        """Return the parsed content in a container."""
        container = nodes.container()
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, container)
        return [container]


class _CodeBlock(Directive):  # type: ignore[misc]
    """Sphinx's `code-block`: a literal block taking any language and options (docutils' own rejects some)."""

    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOption(name=directives.unchanged)

    def run(self) -> list[Any]:
        """Return the content as a literal block."""
        text = "\n".join(self.content)
        return [nodes.literal_block(text, text)]


def _register_sphinx_stubs() -> None:
    """Teach docutils the Sphinx constructs vendor pages use, so only real RST errors make a page unreadable."""
    for role in SPHINX_ROLES:
        roles.register_local_role(role, _sphinx_role)
    for directive in SPHINX_DIRECTIVES:
        directives.register_directive(directive, _SphinxDirective)
    for directive in ("code-block", "sourcecode"):
        directives.register_directive(directive, _CodeBlock)


class _CollectingReader(standalone.Reader):  # type: ignore[misc]
    """The standard reader, also keeping every system message (parser and transforms) to judge."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Any] = []

    def new_document(self) -> Any:
        """Create the document with an observer that records each system message."""
        document = super().new_document()
        document.reporter.attach_observer(self.messages.append)
        return document


def read_text(path: Path) -> str:
    """Read a page as UTF-8 text, refusing what cannot be one (missing, too large, binary)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_PAGE_BYTES + 1)
    except FileNotFoundError:
        raise PageError(f"{shown(path)}: file not found") from None
    except OSError as exc:
        raise PageError(f"{shown(path)}: cannot read the file: {exc.strerror}") from None
    if len(data) > MAX_PAGE_BYTES:
        raise PageError(f"{shown(path)}: larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB, so not a vendor page")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PageError(f"{shown(path)}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def parse_rst(path: Path) -> Any:
    """Parse the page with docutils; the first ERROR-level message makes it unreadable."""
    text = read_text(path)
    _register_sphinx_stubs()
    reader = _CollectingReader()
    try:
        document = publish_doctree(text, source_path=shown(path), reader=reader, settings_overrides=DOCUTILS_SETTINGS)
    except RecursionError:
        raise PageError(f"{shown(path)}: nested too deeply for docutils to parse") from None
    errors = [message for message in reader.messages if message["level"] >= DOCUTILS_ERROR]
    if errors:
        raise PageError(_docutils_line(path, text, errors[0]))
    return document


def _docutils_line(path: Path, text: str, message: Any) -> str:
    """Render a docutils message as `file:line: [the table it is in: ]docutils LEVEL: text`."""
    line = message.get("line")
    body = one_line(message.children[0].astext() if message.children else message.astext())
    table = _table_title_above(text, line) if line else None
    inside = f"{table}: " if table else ""
    return f"{shown(path)}{f':{line}' if line else ''}: {inside}docutils {message['type']}: {body}"


def _table_title_above(text: str, line: int) -> str | None:
    """The title of the `.. table::` directive a source line belongs to, if any."""
    lines = text.splitlines()
    for number in range(min(line, len(lines)) - 1, -1, -1):
        match = re.match(r"\.\. table::\s*(.*)", lines[number])
        if match:
            return _plain_title(match[1]) or "an untitled table"
        if lines[number].strip() and not lines[number].startswith((" ", "\t", "+", "|", "=")):
            break  # back at unindented text: the line is not inside a table directive
    return None


def _plain_title(title: str) -> str:
    """A table title without its RST emphasis ("**Table 1** Path Parameters" reads "Table 1 Path Parameters")."""
    return " ".join(re.sub(r"(\*\*|\*|``)(.+?)\1", r"\2", title).split())


# --- The document's parts -------------------------------------------------------------------------------------


def text_of(node: Any) -> str:
    """A node's rendered text with whitespace collapsed."""
    return " ".join(node.astext().split())


def _line(node: Any) -> int | None:
    """The first source line docutils recorded in or under a node."""
    return next((sub.line for sub in node.findall(nodes.Element) if sub.line), None)


def _section(document: Any, *titles: str) -> Any | None:
    """The first section with one of these titles (case-insensitive), or None."""
    wanted = {title.lower() for title in titles}
    for section in document.findall(nodes.section):
        if section.children and text_of(section[0]).lower() in wanted:
            return section
    return None


def _owning_section(node: Any) -> str:
    """The title of the innermost section holding a node, lowercased ("" at the top)."""
    parent = node.parent
    while parent is not None and not isinstance(parent, nodes.section):
        parent = parent.parent
    return text_of(parent[0]).lower() if parent is not None and parent.children else ""


@dataclass
class _RawTable:
    """A table as found: its node, title, header texts and body rows (lists of entries)."""

    node: Any
    title: str
    header: list[str]
    rows: list[list[Any]]

    @property
    def name(self) -> str:
        """The title without its "Table N" label: the object name of a nested table."""
        return re.sub(r"^Table\s+\d+\s*", "", self.title) or self.title


def _tables(document: Any, path: Path) -> Iterator[_RawTable]:
    """Every table of the document, in order, with its header and rows; refuse spanning cells."""
    for count, table in enumerate(document.findall(nodes.table), 1):
        title = text_of(table[0]) if table.children and isinstance(table[0], nodes.title) else ""
        named = title or f"untitled table {count}"
        for entry in table.findall(nodes.entry):
            if entry.get("morecols") or entry.get("morerows"):
                raise PageError(f"{_where(path, entry)}: {named}: a cell spans rows or columns, which is not supported")
        rows = list(table.findall(nodes.row))
        head = [_entries(row) for row in rows if isinstance(row.parent, nodes.thead)]
        body = [_entries(row) for row in rows if isinstance(row.parent, nodes.tbody)]
        if not head:
            raise PageError(f"{_where(path, table)}: {named}: the table has no header row")
        yield _RawTable(table, named, [text_of(entry) for entry in head[-1]], body)


def _entries(row: Any) -> list[Any]:
    """A row's own cells (not those of a table nested in one of them)."""
    return [child for child in row.children if isinstance(child, nodes.entry)]


def _where(path: Path, node: Any) -> str:
    """A file and, when known, the line of a node in it."""
    line = _line(node)
    return f"{shown(path)}:{line}" if line else shown(path)


def _column(table: _RawTable, names: tuple[str, ...], path: Path) -> int:
    """The index of the first header cell spelled as one of names (case-insensitive), or one line saying it is not."""
    index = _optional_column(table, names)
    if index is None:
        raise PageError(f'{_where(path, table.node)}: {table.title}: the table has no "{names[0]}" column')
    return index


def _optional_column(table: _RawTable, names: tuple[str, ...]) -> int | None:
    """The index of the first header cell spelled as one of names (case-insensitive), if any."""
    lowered = [cell.lower() for cell in table.header]
    return next((lowered.index(name.lower()) for name in names if name.lower() in lowered), None)


# --- Rows -----------------------------------------------------------------------------------------------------


def options_of(entry: Any) -> tuple[str, ...]:
    """The values a description lists under "Options:": each item's bold lead, else its text before a colon."""
    values: list[str] = []
    children = list(entry.children)
    for before, after in itertools.pairwise(children):
        if not isinstance(before, nodes.paragraph) or not text_of(before).lower().endswith("options:"):
            continue
        if not isinstance(after, (nodes.bullet_list, nodes.enumerated_list)):
            continue
        for item in after.children:
            lead = item.children[0] if item.children else None
            first = lead.children[0] if isinstance(lead, nodes.paragraph) and lead.children else None
            if isinstance(first, (nodes.strong, nodes.literal, nodes.emphasis)):
                values.append(text_of(first))
            else:
                values.append(text_of(item).split(":", 1)[0].strip())
    return tuple(values)


def _object_of(cell: Any, targets: Mapping[str, _RawTable], by_name: Mapping[str, list[_RawTable]]) -> _RawTable | None:
    """The table a type cell links to: its `:ref:` target, else the table "X object(s)" names (in the same section)."""
    for inline in cell.findall(nodes.inline):
        target = inline.get("reftarget")
        if target is not None:
            return targets.get(target, _UNRESOLVED)
    match = re.fullmatch(r"(?:array of\s+)?(.+?)\s+objects?", text_of(cell), re.IGNORECASE)
    candidates = by_name.get(match[1], []) if match else []
    section = _owning_section(cell)
    return next((table for table in candidates if _owning_section(table.node) == section), None) or next(
        iter(candidates), None
    )


_UNRESOLVED = _RawTable(None, "", [], [])  # a :ref: target that names no table


def _required(value: str, where: str) -> bool:
    """The Mandatory column as a boolean."""
    required = MANDATORY.get(value.lower())
    if required is None:
        raise PageError(f"{where}: Mandatory is {value!r}, expected Yes or No")
    return required


class _Reader:
    """Reads one page's tables, following object links to every nested table (cycles included)."""

    def __init__(self, path: Path, tables: list[_RawTable]) -> None:
        self.path = path
        self.targets = {name: table for table in tables for name in table.node.get("names", [])}
        self.by_name: dict[str, list[_RawTable]] = {}
        for table in tables:
            self.by_name.setdefault(table.name, []).append(table)
        self.objects: dict[str, Table] = {}
        self.names: dict[int, str] = {}  # id(table node) -> its key in objects
        self.pending: list[_RawTable] = []

    def object_name(self, table: _RawTable) -> str:
        """The key a nested table has in `objects`: its name, or its full title if another table has the name."""
        key = id(table.node)
        if key not in self.names:
            taken = set(self.names.values())
            self.names[key] = table.name if table.name not in taken else table.title
            self.pending.append(table)
        return self.names[key]

    def cells(self, table: _RawTable, row: list[Any]) -> str:
        """Where a row is, for messages; and a check that it has every cell."""
        name = text_of(row[0]) if row else ""
        where = f"{_where(self.path, row[0] if row else table.node)}: {table.title}, row {name!r}"
        if len(row) != len(table.header):
            raise PageError(f"{where}: {len(row)} cells, expected {len(table.header)}")
        return where

    def fields(self, table: _RawTable) -> Table:
        """Read a body or object table, queueing the tables its rows link to."""
        name_at = _column(table, NAME_COLUMNS, self.path)
        type_at = _column(table, TYPE_COLUMNS, self.path)
        description_at = _column(table, DESCRIPTION_COLUMNS, self.path)
        mandatory_at = _optional_column(table, MANDATORY_COLUMNS)
        fields = []
        for row in table.rows:
            where = self.cells(table, row)
            target = _object_of(row[type_at], self.targets, self.by_name)
            if target is _UNRESOLVED:
                raise PageError(f"{where}: the type {text_of(row[type_at])!r} links to no table on this page")
            fields.append(
                Field(
                    name=text_of(row[name_at]),
                    required=None if mandatory_at is None else _required(text_of(row[mandatory_at]), where),
                    type=text_of(row[type_at]),
                    description=text_of(row[description_at]),
                    options=options_of(row[description_at]),
                    object=self.object_name(target) if target is not None else None,
                    table=table.title,
                    line=_line(row[0]),
                )
            )
        return Table(table.title, tuple(fields))

    def parameters(self, table: _RawTable, location: str) -> list[Parameter]:
        """Read a path, query or header parameter table."""
        name_at = _column(table, NAME_COLUMNS, self.path)
        type_at = _column(table, TYPE_COLUMNS, self.path)
        description_at = _column(table, DESCRIPTION_COLUMNS, self.path)
        mandatory_at = _column(table, MANDATORY_COLUMNS, self.path)
        parameters = []
        for row in table.rows:
            where = self.cells(table, row)
            parameters.append(
                Parameter(
                    name=text_of(row[name_at]),
                    location=location,
                    required=_required(text_of(row[mandatory_at]), where),
                    type=text_of(row[type_at]),
                    description=text_of(row[description_at]),
                    options=options_of(row[description_at]),
                    table=table.title,
                    line=_line(row[0]),
                )
            )
        return parameters

    def follow(self) -> dict[str, Table]:
        """Read every nested table reached so far, and those they reach in turn."""
        while self.pending:
            table = self.pending.pop(0)
            self.objects[self.names[id(table.node)]] = self.fields(table)
        return self.objects


def read_uri(document: Any, path: Path) -> tuple[str, str]:
    """The method and URI template of the "URI" section's `METHOD /path` line."""
    section = _section(document, "URI")
    if section is None:
        raise PageError(f'{shown(path)}: no "URI" section')
    pattern = re.compile(r"(?P<method>[A-Z]+)\s+(?P<uri>/\S*)")
    for child in section.children:
        if isinstance(child, (nodes.paragraph, nodes.literal_block)):
            match = pattern.fullmatch(text_of(child))
            if match and match["method"].lower() in HTTP_METHODS:
                return match["method"], match["uri"]
    raise PageError(f'{_where(path, section)}: the "URI" section has no "METHOD /path" line')


def read_status_codes(document: Any, path: Path) -> tuple[int, ...]:
    """The first column of the "Status Codes" section's table."""
    section = _section(document, "Status Codes", "Status Code")
    if section is None:
        raise PageError(f'{shown(path)}: no "Status Codes" section')
    tables = list(_tables(section, path))
    if not tables:
        raise PageError(f'{_where(path, section)}: the "Status Codes" section has no table')
    table = tables[0]
    index = _column(table, ("Status Code",), path)
    codes = []
    for row in table.rows:
        code = text_of(row[index]) if index < len(row) else ""
        if not re.fullmatch(r"[1-5]\d\d", code):
            raise PageError(f"{_where(path, row[0])}: Status Codes table: {code!r} is not an HTTP status code")
        codes.append(int(code))
    return tuple(codes)


def _body_table(side: str, name: str) -> bool:
    """Whether a table's name calls it the request or response body ("Response body parameters")."""
    return re.fullmatch(rf"{side}(?: body)? parameters?", name, re.IGNORECASE) is not None


def _status_before(table: _RawTable) -> int | None:
    """The status a response table documents: the last "Status code: N" paragraph before it in its section."""
    status = None
    node = table.node
    while node.parent is not None and not isinstance(node.parent, nodes.section):
        node = node.parent
    if node.parent is None:
        return None
    for sibling in node.parent.children:
        if sibling is node:
            break
        match = STATUS_LINE.fullmatch(text_of(sibling))
        if isinstance(sibling, nodes.paragraph) and match:
            status = int(match[1])
    return status


def read_examples(document: Any) -> dict[int, Any]:
    """The example response bodies, by status: the first JSON code block after each "Status code: N" line."""
    section = _section(document, "Example Responses", "Example Response", "Response Examples", "Response Example")
    examples: dict[int, Any] = {}
    status = None
    for child in section.children if section is not None else ():
        match = STATUS_LINE.fullmatch(text_of(child)) if isinstance(child, nodes.paragraph) else None
        if match:
            status = int(match[1])
        elif isinstance(child, nodes.literal_block) and status is not None and status not in examples:
            try:
                examples[status] = json.loads(child.astext())
            except ValueError:
                continue  # prose or a partial body: not an example to compare
    return examples


def read_page(path: Path) -> Page:
    """Read the page's operation and every table that documents it."""
    document = parse_rst(path)
    method, uri = read_uri(document, path)
    tables = list(_tables(document, path))
    reader = _Reader(path, tables)
    parameters: list[Parameter] = []
    request_body: Table | None = None
    responses: dict[int | None, Table] = {}
    nested: list[_RawTable] = []
    for table in tables:
        lowered, section = table.title.lower(), _owning_section(table.node)
        location = next((where for where, words in PARAMETER_TABLES if any(w in lowered for w in words)), None)
        if section in ("status codes", "status code"):
            continue
        if location is not None:
            parameters += reader.parameters(table, location)
        elif _body_table("request", table.name):
            if request_body is not None:
                raise PageError(f"{_where(path, table.node)}: {table.title}: a second request body table")
            request_body = reader.fields(table)
        elif _body_table("response", table.name):
            status = _status_before(table)
            if status in responses:
                raise PageError(f"{_where(path, table.node)}: {table.title}: a second response body for one status")
            responses[status] = reader.fields(table)
        elif section in ("uri", "request parameters", "response parameters"):
            nested.append(table)
    reader.follow()
    for table in nested:  # a nested table no row links to is still read, under its own name
        if id(table.node) not in reader.names:
            reader.object_name(table)
    objects = reader.follow()
    items = list(responses.items())
    primary = next((i for i, (status, _) in enumerate(items) if status is None or 200 <= status < 300), None)
    response_status, response_body = items[primary] if primary is not None else (None, None)
    others = {status: table for i, (status, table) in enumerate(items) if i != primary and status is not None}
    return Page(
        path=path,
        method=method,
        uri=uri,
        parameters=tuple(parameters),
        request_body=request_body,
        response_body=response_body,
        response_status=response_status,
        other_responses=others,
        objects=objects,
        status_codes=read_status_codes(document, path),
        examples=read_examples(document),
    )


def main(argv: list[str] | None = None) -> int:
    """Print the page's model as JSON, or one line on stderr (exit 1) when the page cannot be read."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page", type=Path, help="a vendor RST page")
    args = parser.parse_args(argv)
    try:
        page = read_page(args.page)
    except PageError as exc:
        print(f"rst_tables: {exc.line}", file=sys.stderr)
        return 1
    print(json.dumps(page.as_json(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

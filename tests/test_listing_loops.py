"""Issue 19, rows 3 and 4: nothing listed is lost, and listings end without amplifying.

Items that name no task are reported in an IncompleteListing (after every task read was yielded), and a server
whose pages repeat, cycle, never end or claim more while bringing nothing is followed a bounded number of times.
Every server here counts the requests it was sent; the counts are the bound.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from odd_server import RoutedServer, drivers, ids, json_body, query

import aitasks
import aitasks._clients

from conftest import MA_PROJECT
from scripted_server import Recorded, Reply

GCORE = "/streaming/ai/tasks"
MA = f"/v2/{MA_PROJECT}/datasets"


@pytest.fixture(params=["sync", "async"])
def make(request: pytest.FixtureRequest) -> Iterator[Any]:
    with drivers(request.param) as factory:
        yield factory


def gcore_pages(page: Callable[[int], Any]) -> Callable[[Recorded], Reply]:
    """A Gcore list endpoint serving `page(n)` for `?page=n`."""

    def route(request: Recorded) -> Reply:
        path, params = query(request)
        assert path == GCORE and request.method == "GET", request.target
        return json_body(200, page(int(params["page"])))

    return route


_NAMES: dict[str, str] = {}


def uid(name: str) -> str:
    """A UUID for a short name: Gcore's documented id format, so only the listing's shape is odd here."""
    value = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
    _NAMES[value] = name
    return value


def names(listed: list[Any]) -> list[str]:
    """The short names of listed tasks, in order."""
    return [_NAMES.get(task.ref.task_id, task.ref.task_id) for task in listed]


def tasks(*names: str) -> list[dict[str, Any]]:
    return [{"task_id": uid(name), "status": "STARTED"} for name in names]


def incomplete(error: BaseException | None) -> tuple[str, ...]:
    """The problem lines of the IncompleteListing the listing ended with."""
    assert isinstance(error, aitasks.IncompleteListing), repr(error)
    assert isinstance(error, aitasks.UnexpectedResponse)
    for line in error.problems:
        assert line in str(error) or "more" in str(error)
    return error.problems


# --- row 3: items that name no task are reported, never dropped ---------------------------------------------------

BAD_ITEMS: list[tuple[object, str]] = [
    ({"status": "STARTED"}, "results[{i}].task_id: missing"),
    ({"task_id": None, "status": "STARTED"}, "results[{i}].task_id: a JSON null, not text"),
    ({"task_id": 7, "status": "STARTED"}, "results[{i}].task_id: a JSON number, not text"),
    ({"task_id": "", "status": "STARTED"}, "results[{i}].task_id: the id is empty"),
    ({"task_id": "a\x01b", "status": "STARTED"}, "results[{i}].task_id: the id contains the control character"),
    (["task_id", "x"], "results[{i}]: a JSON array, not an object"),
    ("x", "results[{i}]: a JSON string, not an object"),
]


def test_gcore_items_without_a_usable_id_are_reported_by_page_and_position(make: Any) -> None:
    """Page 1 is good, page 2 mixes good tasks and every kind of unusable item: all good tasks are yielded, then
    one IncompleteListing names each bad item by page and position."""
    second = [*tasks("b"), *(item for item, _ in BAD_ITEMS), *tasks("c")]
    pages = {1: {"next": "page=2", "results": tasks("a")}, 2: {"next": None, "results": second}}
    with RoutedServer(gcore_pages(pages.__getitem__)) as server:
        listed, error = make("gcore", server.url).listing("tasks")
        assert len(server.requests) == 2
    assert names(listed) == ["a", "b", "c"]
    problems = incomplete(error)
    assert len(problems) == len(BAD_ITEMS)
    for index, (line, (_, expected)) in enumerate(zip(problems, BAD_ITEMS, strict=True), start=1):
        assert line.startswith("page 2: " + expected.format(i=index)), line  # the field path, then why


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ({"task_id": "a"}, "page 1: results: a JSON object where a list was expected"),
        ("a", "page 1: results: a JSON string where a list was expected"),
    ],
)
def test_gcore_results_that_are_not_a_list_are_reported(make: Any, results: object, expected: str) -> None:
    with RoutedServer(gcore_pages(lambda n: {"next": None, "results": results})) as server:
        listed, error = make("gcore", server.url).listing("tasks")
    assert listed == []
    assert incomplete(error) == (expected,)


def test_modelarts_items_without_a_usable_id_are_reported(make: Any) -> None:
    """The same on a ModelArts dataset's listing (`tasks[i].task_id`), and on the project's dataset listing."""

    def route(request: Recorded) -> Reply:
        path, params = query(request)
        if path == MA:
            datasets = [{"dataset_id": "ds-1"}, {"dataset_name": "no id"}, {"dataset_id": None}, {"dataset_id": "a/b"}]
            return json_body(200, {"total_number": 4, "datasets": datasets})
        assert path == f"{MA}/ds-1/tasks", path
        if params.get("type") == "auto-grouping":
            return json_body(200, {"total_count": 0, "tasks": []})
        items = [{"task_id": "t1", "status": 1}, {"status": 1}, 5, {"task_id": "t2", "status": "1"}]
        return json_body(200, {"total_count": 4, "tasks": items})

    with RoutedServer(route) as server:
        client = make("modelarts", server.url)
        listed, error = client.listing("tasks", "ds-1")
        assert ids(listed) == ["t1", "t2"]
        assert incomplete(error) == (
            "page 0: tasks[1].task_id: missing",
            "page 0: tasks[2]: a JSON number, not an object",
        )
        datasets, error = client.listing("datasets")
        assert [d.dataset_id for d in datasets] == ["ds-1"]
        assert incomplete(error) == (
            "page 0: datasets[1].dataset_id: missing",
            "page 0: datasets[2].dataset_id: a JSON null, not text",
            "page 0: datasets[3].dataset_id: the id contains '/'",
        )
        # The whole project: the tasks of every dataset it could name, then every problem of both listings.
        everything, error = client.listing("tasks")
        assert ids(everything) == ["t1", "t2"]
        assert len(incomplete(error)) == 5


# --- row 4: listings end, once per task, in bounded requests and memory ------------------------------------------


def test_gcore_next_pointing_to_itself_yields_each_task_once_in_few_requests(make: Any) -> None:
    """Every page is page 1 again (`next` names itself): 3 tasks, each yielded once; the repeat ends the listing."""
    with RoutedServer(gcore_pages(lambda n: {"count": 3, "next": "page=1", "results": tasks("x", "y", "z")})) as srv:
        listed, error = make("gcore", srv.url).listing("tasks")
        assert len(srv.requests) == 2
    assert names(listed) == ["x", "y", "z"]
    (line,) = incomplete(error)
    assert "page 2" in line and "repeats" in line


def test_gcore_two_page_cycle_is_bounded(make: Any) -> None:
    """Pages alternate between two sets of tasks forever: each task once, a handful of requests, an error."""
    cycle = [tasks("a1", "a2"), tasks("b1", "b2")]
    with RoutedServer(gcore_pages(lambda n: {"next": f"page={n + 1}", "results": cycle[n % 2]})) as srv:
        listed, error = make("gcore", srv.url).listing("tasks")
        assert len(srv.requests) == 3
    assert names(listed) == ["b1", "b2", "a1", "a2"]  # page 1 serves cycle[1]
    (line,) = incomplete(error)
    assert "page 3" in line and "repeats" in line


def test_gcore_page_cap_is_an_error_not_a_silent_cut(make: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A listing that never ends (a new task on every page) stops at the cap with an IncompleteListing."""
    monkeypatch.setattr(aitasks._clients, "MAX_PAGES", 4)
    with RoutedServer(gcore_pages(lambda n: {"next": f"page={n + 1}", "results": tasks(f"t{n}")})) as srv:
        listed, error = make("gcore", srv.url).listing("tasks")
        assert len(srv.requests) == 4
    assert names(listed) == ["t1", "t2", "t3", "t4"]
    (line,) = incomplete(error)
    assert "4 pages" in line


def test_gcore_empty_page_with_next_does_not_end_the_listing(make: Any) -> None:
    """An empty page that still names a `next` is followed: the tasks after it are listed, with no error."""
    pages = {
        1: {"next": "page=2", "results": tasks("a")},
        2: {"next": "page=3", "results": []},
        3: {"next": "page=4", "results": None},
        4: {"next": None, "results": tasks("b")},
    }
    with RoutedServer(gcore_pages(pages.__getitem__)) as srv:
        listed, error = make("gcore", srv.url).listing("tasks")
        assert len(srv.requests) == 4
    assert (names(listed), error) == (["a", "b"], None)


def test_gcore_endless_empty_pages_are_followed_a_bounded_number_of_times(make: Any) -> None:
    """Empty pages that claim more, forever: followed MAX_EMPTY_PAGES times, then an IncompleteListing."""
    limit = aitasks._clients.MAX_EMPTY_PAGES
    pages = lambda n: {"next": f"page={n + 1}", "results": tasks("a") if n == 1 else []}  # noqa: E731
    with RoutedServer(gcore_pages(pages)) as srv:
        listed, error = make("gcore", srv.url).listing("tasks")
        assert len(srv.requests) == 1 + limit
    assert names(listed) == ["a"]
    (line,) = incomplete(error)
    assert f"page {1 + limit}" in line


def test_gcore_without_next_follows_full_pages(make: Any) -> None:
    """A page without a `next` field goes on while it is full (100 items asked for), and ends on a short one."""
    full = lambda n: {"results": tasks(*(f"p{n}-{i}" for i in range(100 if n < 3 else 7)))}  # noqa: E731
    with RoutedServer(gcore_pages(full)) as srv:
        listed, error = make("gcore", srv.url).listing("tasks")
        assert len(srv.requests) == 3
    assert (len(listed), len(set(names(listed))), error) == (207, 207, None)


def ma_pages(total: int, sizes: dict[int, int]) -> Callable[[Recorded], Reply]:
    """A ModelArts dataset whose task list serves `sizes[offset]` new tasks on each page and claims `total`."""

    def route(request: Recorded) -> Reply:
        path, params = query(request)
        assert path == f"{MA}/ds-1/tasks", path
        if params.get("type") == "auto-grouping":
            return json_body(200, {"total_count": 0, "tasks": []})
        page = int(params["offset"])
        items = [{"task_id": f"p{page}-{i}", "status": 1} for i in range(sizes.get(page, 0))]
        return json_body(200, {"total_count": total, "tasks": items})

    return route


def test_modelarts_total_count_smaller_than_the_pages_served_does_not_end_early(make: Any) -> None:
    """total_count says 50 while full pages of 100 keep coming: every page is listed until a short one."""
    with RoutedServer(ma_pages(50, {0: 100, 1: 100, 2: 30})) as srv:
        listed, error = make("modelarts", srv.url).listing("tasks", "ds-1")
        assert len(srv.requests) == 3 + 1  # three pages, and the empty auto-grouping listing
    assert (len(listed), len(set(ids(listed))), error) == (230, 230, None)


def test_modelarts_short_page_below_total_count_is_followed(make: Any) -> None:
    """A page shorter than asked for while total_count says more: the next page is read."""
    with RoutedServer(ma_pages(70, {0: 40, 1: 30})) as srv:
        listed, error = make("modelarts", srv.url).listing("tasks", "ds-1")
    assert (len(listed), error) == (70, None)


def test_modelarts_dataset_listing_that_repeats_ends_and_tasks_are_listed_once(make: Any) -> None:
    """The dataset list serves the same page whatever the offset (claiming 9): each dataset's tasks are listed
    once, then the repeat is reported; the same task id in two datasets is two tasks."""

    def route(request: Recorded) -> Reply:
        path, params = query(request)
        if path == MA:
            return json_body(200, {"total_number": 9, "datasets": [{"dataset_id": "ds-1"}, {"dataset_id": "ds-2"}]})
        if params.get("type") == "auto-grouping":
            return json_body(200, {"total_count": 0, "tasks": []})
        return json_body(200, {"total_count": 1, "tasks": [{"task_id": "t0", "status": 1}]})

    with RoutedServer(route) as srv:
        listed, error = make("modelarts", srv.url).listing("tasks")
        assert len(srv.requests) == 2 + 2 * 2  # two dataset pages; two listings of each dataset, one page each
    assert [(t.ref.dataset_id, t.ref.task_id) for t in listed] == [("ds-1", "t0"), ("ds-2", "t0")]
    (line,) = incomplete(error)
    assert "page 1" in line and "repeats" in line


def test_gcore_task_moving_between_status_listings_is_not_a_repeat(make: Any) -> None:
    """tasks(status=[PENDING, STARTED]) is one listing per status; a task that starts between them is in both.
    A STARTED page holding only that task is not this listing repeating itself: the next page (task b) is read,
    the moved task is yielded once, and nothing is reported."""

    def route(request: Recorded) -> Reply:
        params = query(request)[1]
        if params["status"] == "PENDING":
            return json_body(200, {"next": None, "results": [{"task_id": uid("a"), "status": "PENDING"}]})
        if params["page"] == "1":
            return json_body(200, {"next": "page=2", "results": [{"task_id": uid("a"), "status": "STARTED"}]})
        return json_body(200, {"next": None, "results": [{"task_id": uid("b"), "status": "STARTED"}]})

    with RoutedServer(route) as srv:
        listed, error = make("gcore", srv.url).listing("tasks", status=["PENDING", "STARTED"])
        assert len(srv.requests) == 3
    assert (names(listed), error) == (["a", "b"], None)

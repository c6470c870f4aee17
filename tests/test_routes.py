"""Whatever the id, a cancel reaches exactly its own route, as one percent-encoded segment per id."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import aitasks

from conftest import GCORE_KEY, MA_PROJECT, MA_TOKEN
from scripted_server import Reply, ScriptedServer

_GCORE_ROUTE = re.compile(r"^/streaming/ai/tasks/(?P<task>[^/?#]+)/cancel$")
_MA_ROUTE = re.compile(rf"^/v2/{MA_PROJECT}/datasets/(?P<dataset>[^/?#]+)/tasks/(?P<task>[^/?#]+)/stop$")

# Anything printable, with the characters that most often break routing over-represented.
_ids = st.one_of(
    st.text(min_size=1, max_size=30),
    st.text(alphabet="./%?#&=;\\ ~:@+", min_size=1, max_size=8),
    st.sampled_from(["..%2F", "%2e%2e", "../..", "a/../b", "./", "?x=1", "#frag", "%00", "a b", "ü", "\u202e"]),
)


@pytest.fixture(scope="module")
def shared_server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as srv:
        yield srv


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(task=_ids)
def test_gcore_ids_never_reach_another_route(shared_server: ScriptedServer, task: str) -> None:
    """Valid ids arrive decoded intact on the cancel route; invalid ones never leave the process."""
    before = len(shared_server.requests)
    shared_server.script(Reply(202, b"{}"))
    with aitasks.Gcore(GCORE_KEY, base_url=shared_server.url, max_retries=0) as client:
        try:
            client.cancel(task)
        except aitasks.InvalidTaskRef:
            shared_server.replies.clear()
            assert len(shared_server.requests) == before
            return
    request = shared_server.requests[-1]
    match = _GCORE_ROUTE.match(request.target)
    assert match is not None, request.target
    assert unquote(match["task"]) == task


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dataset=_ids, task=_ids)
def test_modelarts_ids_never_reach_another_route(shared_server: ScriptedServer, dataset: str, task: str) -> None:
    """Dataset and task ids each travel as exactly one segment of the stop route."""
    before = len(shared_server.requests)
    shared_server.script(Reply(204))
    client = aitasks.ModelArts(endpoint=shared_server.url, project_id=MA_PROJECT, token=MA_TOKEN, max_retries=0)
    with client:
        try:
            client.cancel(aitasks.TaskRef("modelarts", task, dataset_id=dataset))
        except aitasks.InvalidTaskRef:
            shared_server.replies.clear()
            assert len(shared_server.requests) == before
            return
    request = shared_server.requests[-1]
    match = _MA_ROUTE.match(request.target)
    assert match is not None, request.target
    assert (unquote(match["dataset"]), unquote(match["task"])) == (dataset, task)


def test_dot_segments_are_rejected_not_normalised(shared_server: ScriptedServer) -> None:
    """`..` as an id would send /streaming/ai/cancel; it is refused before any request."""
    before = len(shared_server.requests)
    with aitasks.Gcore(GCORE_KEY, base_url=shared_server.url) as client:
        for bad in ("..", "."):
            with pytest.raises(aitasks.InvalidTaskRef):
                client.cancel(bad)
    assert len(shared_server.requests) == before


def test_caller_http_client_is_used_but_never_changed(shared_server: ScriptedServer) -> None:
    """A caller's httpx.Client carries our auth, timeout and no-redirect per request, and stays as it was."""
    headers = {"X-Trace": "1"}
    http = httpx.Client(headers=headers, follow_redirects=True, timeout=99)
    shared_server.script(Reply(202, b'{"result": "ok"}'), Reply(302, b"", {"Location": "http://127.0.0.1:9/"}))
    with aitasks.Gcore(GCORE_KEY, base_url=shared_server.url, http_client=http, timeout=3) as client:
        assert client.cancel("t1").message == "ok"
        with pytest.raises(aitasks.UnexpectedResponse):
            client.cancel("t2")
    request = shared_server.requests[-2]
    assert request.headers["authorization"] == f"apikey {GCORE_KEY}"
    assert request.headers["x-trace"] == "1"
    assert headers == {"X-Trace": "1"}
    assert "authorization" not in http.headers
    assert http.follow_redirects is True and http.timeout == httpx.Timeout(99)
    assert not http.is_closed
    http.close()


def test_wrong_http_client_type_is_a_type_error() -> None:
    """An AsyncClient given to the sync client (or the reverse) fails at construction."""
    with pytest.raises(TypeError):
        aitasks.Gcore(GCORE_KEY, http_client=httpx.AsyncClient())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        aitasks.AsyncGcore(GCORE_KEY, http_client=httpx.Client())  # type: ignore[arg-type]

"""Credentials never show in repr, str, exception text or log records, even when a server echoes them."""

from __future__ import annotations

import asyncio
import logging
import pickle

import pytest

import aitasks

from conftest import GCORE_KEY, MA_AK, MA_PROJECT, MA_SK, MA_TOKEN, SECRETS, TARGETS, Target
from scripted_server import Reply, ScriptedServer, json_reply


def _assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_reprs_hide_credentials(server: ScriptedServer) -> None:
    """Client, provider and auth reprs carry no secret."""
    clients: list[aitasks.Gcore | aitasks.ModelArts | aitasks.Client] = [
        aitasks.Gcore(GCORE_KEY, base_url=server.url),
        aitasks.ModelArts(endpoint=server.url, project_id=MA_PROJECT, token=MA_TOKEN),
        aitasks.ModelArts(endpoint=server.url, project_id=MA_PROJECT, access_key=MA_AK, secret_key=MA_SK),
        aitasks.Client(gcore=aitasks.Gcore(GCORE_KEY, base_url=server.url)),
    ]
    for client in clients:
        _assert_clean(repr(client) + str(client))
        core = getattr(client, "_core", None)
        if core is not None:
            _assert_clean(repr(core.provider.auth) + repr(vars(core.provider)))
        client.close()


def test_echoed_secrets_are_redacted_from_errors_and_results(target: Target, server: ScriptedServer) -> None:
    """A server that echoes the credentials back does not get them into messages, errors or pickles."""
    own = {"gcore": GCORE_KEY, "token": MA_TOKEN, "aksk": MA_SK}[
        target.auth if target.provider == "modelarts" else "gcore"
    ]
    echo = f"{own} and again {own}"
    reply = json_reply(404, f'{{"error": "bad {echo}", "error_msg": "bad {echo}", "error_code": "{own}"}}')
    server.script(reply)
    with pytest.raises(aitasks.TaskNotFound) as info:
        target.cancel(server.url)
    _assert_clean(str(info.value) + repr(info.value) + repr(vars(info.value)))
    assert "***" in str(info.value)
    clone = pickle.loads(pickle.dumps(info.value))
    assert type(clone) is type(info.value) and str(clone) == str(info.value)
    server.script(Reply(503, echo.encode()))
    with pytest.raises(aitasks.ServerError) as info2:
        target.cancel(server.url, max_retries=0)
    _assert_clean(str(info2.value))


def test_debug_logs_have_one_line_per_attempt_and_no_secrets(
    target: Target, server: ScriptedServer, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG with every logger captured (httpx, httpcore and aitasks), no record carries a secret."""
    caplog.set_level(logging.DEBUG)  # root: captures every logger
    server.script(Reply(503, b"busy"), target.success)
    target.cancel(server.url)
    ours = [r for r in caplog.records if r.name == "aitasks"]
    assert len(ours) == 2
    assert "attempt=1" in ours[0].getMessage() and "-> 503" in ours[0].getMessage()
    assert "attempt=2" in ours[1].getMessage()
    for record in caplog.records:
        _assert_clean(record.getMessage() + repr(record.args) + repr(record.__dict__))


def test_transport_errors_hide_credentials() -> None:
    """Connection failures carry no secret in their text."""
    with ScriptedServer() as closed:
        url = closed.url
    for target in TARGETS:
        with pytest.raises(aitasks.TransportError) as info:
            target.cancel(url, max_retries=0)
        _assert_clean(str(info.value) + repr(info.value))


def test_async_client_repr_hides_credentials() -> None:
    """Async twins are as careful as the sync ones."""

    async def run() -> str:
        async with aitasks.AsyncGcore(GCORE_KEY, base_url="http://127.0.0.1:9") as client:
            return repr(client)

    _assert_clean(asyncio.run(run()))

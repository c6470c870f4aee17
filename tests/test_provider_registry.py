"""A third provider: one facade module (tests/toy_provider.py) and one fake module (Toy in test_fake_registry.py),
registered, and nothing else changed: refs, routing, listing, waits, bulk runs and the command line all take it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest
from test_fake_registry import Toy as FakeToy

import aitasks
from aitasks import providers
from aitasks._cli import main
from aitasks.testing import FakeCloud
from aitasks.testing._provider import PROVIDERS, register


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCloud]:
    """The toy registered on both sides for the test, a fake serving it, TOY_BASE_URL pointing at it."""
    register(FakeToy())
    monkeypatch.setattr(providers, "_MODULES", dict(providers._MODULES))
    providers.register("toy_provider")
    try:
        with FakeCloud() as fake:
            monkeypatch.setenv("TOY_BASE_URL", fake.base_url)
            for job in ("j1", "j2", "J/3"):
                fake.add_task("toy", job)
            fake.add_task("toy", "old", status="done")
            yield fake
    finally:
        PROVIDERS.pop("toy", None)


def test_the_library_takes_a_registered_provider_whole(toy: FakeCloud) -> None:
    """Refs parse, the router routes, list/get/cancel/wait and cancel_many work, 409 is ALREADY_FINISHED."""
    from toy_provider import AsyncToy, Toy

    assert aitasks.TaskRef.parse("toy:J/3").task_id == "J/3"
    with aitasks.Client(toy=Toy()) as client:
        assert [t.ref.task_id for t in client.tasks("toy", active=True)] == ["j1", "j2", "J/3"]
        assert client.cancel("toy:j1", wait=5).task.state is aitasks.TaskState.CANCELLED  # type: ignore[union-attr]
        assert client.cancel("toy:old").outcome is aitasks.Outcome.ALREADY_FINISHED
        records = sorted(r.ref for r in client.cancel_many(["toy:j2", "toy:J/3"]) if r.ok)
    assert records == ["toy:J/3", "toy:j2"]

    async def read() -> aitasks.Task:
        async with aitasks.AsyncClient(toy=AsyncToy()) as client:
            return await client.get("toy:j2")

    assert asyncio.run(read()).state is aitasks.TaskState.CANCELLED
    assert toy.cancel_count("toy", "J/3") == 1


def test_the_command_line_takes_a_registered_provider(toy: FakeCloud, capsys: pytest.CaptureFixture[str]) -> None:
    """`ls toy`, `cancel --all toy`, `status toy:...`: status values and the listing grammar come from the registry."""
    assert main(["ls", "toy", "--status", "running", "--json"]) == 0
    listed = [json.loads(line)["ref"] for line in capsys.readouterr().out.splitlines()]
    assert listed == ["toy:j1", "toy:j2", "toy:J/3"]
    assert main(["cancel", "--all", "toy", "--yes", "--json"]) == 0
    assert {json.loads(line)["outcome"] for line in capsys.readouterr().out.splitlines()} == {"cancelled"}
    assert main(["ls", "toy", "--status", "paused"]) == 2
    assert "'paused' is not a toy status" in capsys.readouterr().err
    assert main(["--help"]) == 0
    assert "TOY_BASE_URL" in capsys.readouterr().out

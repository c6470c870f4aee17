"""pytest plugin (entry point `aitasks`): the `fake_cloud` fixture, with retry backoff off for the test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .._core import no_backoff
from ._fake_cloud import FakeCloud


@pytest.fixture
def fake_cloud() -> Iterator[FakeCloud]:
    """A started FakeCloud on an ephemeral loopback port; retries of the library do not wait."""
    with FakeCloud() as fake, no_backoff():
        yield fake


@pytest.fixture
def fake_cloud_env(fake_cloud: FakeCloud, monkeypatch: pytest.MonkeyPatch) -> FakeCloud:
    """`fake_cloud`, with its environment variables set so `from_env()` and the CLI find it."""
    for name in ("HUAWEICLOUD_SDK_PROJECT_ID", "HUAWEICLOUD_SDK_SECURITY_TOKEN"):  # would mix in other credentials
        monkeypatch.delenv(name, raising=False)
    for name, value in fake_cloud.env().items():
        monkeypatch.setenv(name, value)
    return fake_cloud

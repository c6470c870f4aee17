"""A stateful fake of both clouds for tests and demos: `FakeCloud`, its pytest fixture, and `no_backoff`.

Statuses are the vendors' own: Gcore GCORE_RUNNING + GCORE_FINISHED (strings), ModelArts MODELARTS_RUNNING,
MODELARTS_STOPPING and MODELARTS_FINISHED (the integers -1..5).

from aitasks.testing import FakeCloud

with FakeCloud() as fake:
    fake.add_gcore_task("t1")
    fake.gcore_client().cancel("t1")
"""

from .._core import no_backoff
from ._fake_cloud import FakeCloud
from ._faults import Fault, FaultKind, Malformation, Provider
from ._gcore import GCORE_FINISHED, GCORE_RUNNING
from ._modelarts import MODELARTS_FINISHED, MODELARTS_RUNNING, MODELARTS_STOPPING
from ._records import RecordedRequest, RequestHeaders

__all__ = [
    "GCORE_FINISHED",
    "GCORE_RUNNING",
    "MODELARTS_FINISHED",
    "MODELARTS_RUNNING",
    "MODELARTS_STOPPING",
    "FakeCloud",
    "Fault",
    "FaultKind",
    "Malformation",
    "Provider",
    "RecordedRequest",
    "RequestHeaders",
    "no_backoff",
]

"""Task refs are validated before any I/O and round-trip through str()."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import aitasks
from aitasks import InvalidTaskRef, TaskRef

_ids = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=50).filter(
    lambda s: s not in (".", "..") and not s.isspace()
)


@given(task=_ids)
def test_gcore_refs_round_trip(task: str) -> None:
    """Any valid Gcore id survives str() and parse()."""
    ref = TaskRef("gcore", task)
    assert TaskRef.parse(str(ref)) == ref
    assert str(ref) == f"gcore:{task}"


@given(dataset=_ids.filter(lambda s: "/" not in s), task=_ids)
def test_modelarts_refs_round_trip(dataset: str, task: str) -> None:
    """Any valid ModelArts dataset/task pair survives str() and parse()."""
    ref = TaskRef("modelarts", task, dataset_id=dataset)
    assert TaskRef.parse(str(ref)) == ref
    assert ref.native == f"{dataset}/{task}"


def test_parse_forms() -> None:
    """Prefixed and bare (with a provider) forms parse to the same frozen ref."""
    assert TaskRef.parse("gcore:abc") == TaskRef("gcore", "abc")
    assert TaskRef.parse("abc", "gcore") == TaskRef("gcore", "abc")
    assert TaskRef.parse("modelarts:ds/t") == TaskRef("modelarts", "t", dataset_id="ds")
    assert TaskRef.parse("ds/t/x", "modelarts") == TaskRef("modelarts", "t/x", dataset_id="ds")
    assert TaskRef.parse("gcore:a:b") == TaskRef("gcore", "a:b")
    ref = TaskRef("gcore", "abc")
    with pytest.raises(AttributeError):
        ref.task_id = "other"  # type: ignore[misc]
    assert hash(ref) == hash(TaskRef("gcore", "abc"))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "gcore:",
        "gcore:.",
        "gcore:..",
        "gcore:   ",
        "gcore:a\nb",
        "gcore:a\rb",
        "gcore:a\x00b",
        "gcore:a\x7fb",
        "gcore:" + "x" * 1025,
        "modelarts:ds",
        "modelarts:/t",
        "modelarts:ds/",
        "modelarts:../t",
        "modelarts:ds/..",
        "aws:abc",
        "abc",
    ],
)
def test_invalid_refs_raise_invalid_task_ref(value: str) -> None:
    """Empty, dot segments, whitespace-only, control characters, overlong ids and unknown providers are refused."""
    with pytest.raises(InvalidTaskRef) as info:
        TaskRef.parse(value)
    assert isinstance(info.value, ValueError)
    assert len(str(info.value)) < 200


def test_provider_mismatch_is_refused() -> None:
    """A ModelArts ref given to the Gcore client is an error, not a silent reroute."""
    with pytest.raises(InvalidTaskRef, match="modelarts task, not a gcore task"):
        TaskRef.parse("modelarts:ds/t", "gcore")
    with pytest.raises(InvalidTaskRef):
        TaskRef.parse(TaskRef("gcore", "t"), "modelarts")
    with pytest.raises(InvalidTaskRef):
        TaskRef("gcore", "t", dataset_id="ds")
    with pytest.raises(InvalidTaskRef):
        TaskRef("modelarts", "t", dataset_id="a/b")


def test_bad_refs_fail_before_any_io() -> None:
    """The client raises InvalidTaskRef for `..` without touching the network."""
    gcore = aitasks.Gcore("key-0123456789", base_url="http://127.0.0.1:9")
    for bad in ("..", ".", "", "a\nb", 5):
        with pytest.raises(InvalidTaskRef):
            gcore.cancel(bad)  # type: ignore[arg-type]
    gcore.close()

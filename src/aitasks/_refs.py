"""Task references: validated before any I/O so that an id can only ever be one path segment."""

from __future__ import annotations

import unicodedata

import attrs

from . import providers
from ._errors import InvalidTaskRef

MAX_ID_LENGTH = 1024


def check_id(value: object, what: str) -> str:
    """Return value when it can travel as exactly one percent-encoded path segment, else raise InvalidTaskRef."""
    if not isinstance(value, str):
        raise InvalidTaskRef(f"{what} must be a string, not {type(value).__name__}")
    if not value or value.isspace():
        raise InvalidTaskRef(f"{what} is empty")
    if value in (".", ".."):
        raise InvalidTaskRef(f"{what} {value!r} would change the request path")
    if len(value) > MAX_ID_LENGTH:
        raise InvalidTaskRef(f"{what} is {len(value)} characters long; at most {MAX_ID_LENGTH} are allowed")
    if not value.isprintable():  # printable text has no control character: only the rest is looked at closely
        for char in value:
            if unicodedata.category(char) in ("Cc", "Cs"):
                raise InvalidTaskRef(f"{what} contains the control character {char!r}")
    return value


def _check_provider(_: object, __: attrs.Attribute[str], value: str) -> None:
    if value not in providers.names():
        raise InvalidTaskRef(f"unknown provider {value!r}; expected one of {', '.join(providers.names())}")


@attrs.frozen
class TaskRef:
    """A task on one provider: `gcore:TASK_ID` or `modelarts:DATASET_ID/TASK_ID`."""

    provider: str = attrs.field(validator=_check_provider)
    task_id: str = attrs.field()
    dataset_id: str | None = attrs.field(default=None, kw_only=True)

    def __attrs_post_init__(self) -> None:
        check_id(self.task_id, "task id")
        scope = providers.get(self.provider).scope
        if scope is not None:
            if self.dataset_id is None:
                upper = scope.upper().replace(" ", "_")
                raise InvalidTaskRef(f"a {self.provider} task needs a {scope} ({self.provider}:{upper}/TASK_ID)")
            check_id(self.dataset_id, scope)
            if "/" in self.dataset_id:
                raise InvalidTaskRef(f"{scope} must not contain '/'")
        elif self.dataset_id is not None:
            raise InvalidTaskRef(f"a {self.provider} task has no dataset id")

    @classmethod
    def parse(cls, value: str | TaskRef, provider: str | None = None) -> TaskRef:
        """Parse `provider:native-ref`, or a bare native ref when provider is given."""
        if isinstance(value, TaskRef):
            if provider is not None and value.provider != provider:
                raise InvalidTaskRef(f"{value} is a {value.provider} task, not a {provider} task")
            return value
        if not isinstance(value, str):
            raise InvalidTaskRef(f"a task ref must be a string, not {type(value).__name__}")
        head, sep, rest = value.partition(":")
        if sep and head in providers.names():
            if provider is not None and head != provider:
                raise InvalidTaskRef(f"{_shorten(value)} is a {head} task, not a {provider} task")
            provider, native = head, rest
        elif provider is None:
            raise InvalidTaskRef(f"{_shorten(value)} does not start with a provider ({', '.join(providers.names())})")
        else:
            native = value
        scope = providers.get(provider).scope if provider in providers.names() else None
        if scope is not None:
            dataset_id, slash, task_id = native.partition("/")
            if not slash:
                upper = scope.upper().replace(" ", "_")
                raise InvalidTaskRef(f"{_shorten(value)} is not {upper}/TASK_ID")
            return cls(provider, task_id, dataset_id=dataset_id)
        return cls(provider, native)

    @property
    def native(self) -> str:
        """The provider's own form: the task id, or dataset id / task id."""
        if self.dataset_id is None:
            return self.task_id
        return f"{self.dataset_id}/{self.task_id}"

    def __str__(self) -> str:
        return f"{self.provider}:{self.native}"


def _shorten(value: str, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"

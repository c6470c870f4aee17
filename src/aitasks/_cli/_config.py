"""Clients from the environment; a configuration error names the variables to set, for the providers needed only.

The library's ConfigurationError speaks to callers too (`set GCORE_API_KEY (or pass api_key=)`); the command line
has no such arguments, so its messages keep the variables only. Which providers a command needs: those of its
refs or listing; for refs read from a file (not known before they are read), those with a variable set, or
both when none is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import TypeVar

from ._exit import UsageError

# "set X (or pass api_key=)", "(or pass token= or access_key=/secret_key=)": the library's advice to callers.
_ARGUMENTS = re.compile(r" \(or pass [^()]*\)")
_Client = TypeVar("_Client")


def cli_words(message: str) -> str:
    """A library configuration message in command-line words: set the variable (there is no `api_key=` here)."""
    return _ARGUMENTS.sub("", message)


def message(error: object) -> str:
    """An error's text for the command line: a configuration error names the variable to set."""
    from .._errors import ConfigurationError

    return cli_words(str(error)) if isinstance(error, ConfigurationError) else str(error)


def needed(names: Iterable[str]) -> list[str]:
    """The providers of these refs or listings, in order, each once (a name with no known provider adds none)."""
    from .. import providers

    named = (name.partition(":")[0] for name in names)
    return [provider for provider in dict.fromkeys(named) if provider in providers.names()]


def from_env(
    kind: type[_Client], providers: list[str] | None, command: str, timeout: float, max_retries: int
) -> _Client:
    """`kind.from_env()` (Client or AsyncClient), or a usage error when no provider needed is configured.

    `providers` None: not known yet (refs from a file): those with a variable set are named, else every one.
    """
    from .._errors import ConfigurationError

    if providers:
        reasons = _reasons(providers)
        if len(reasons) == len(providers):
            raise UsageError(f"configuration: {'; '.join(reasons)} (see 'aitasks {command} --help')")
    try:
        client: _Client = kind.from_env(timeout=timeout, max_retries=max_retries)  # type: ignore[attr-defined]
    except ConfigurationError as exc:
        reasons = _reasons(providers) or [cli_words(str(exc))]
        raise UsageError(f"configuration: {'; '.join(reasons)} (see 'aitasks {command} --help')") from None
    return client


def _reasons(providers: list[str] | None) -> list[str]:
    """Why each provider named cannot be configured, in its own words (its constructor checks before any I/O)."""
    from .. import providers as registry
    from .._errors import ConfigurationError

    if providers is None:
        providers = [n for n in registry.names() if any(os.environ.get(v) for v in registry.get(n).variables)]
        providers = providers or list(registry.names())
    reasons = []
    for provider in providers:
        try:
            with registry.clients(provider)[0]():
                pass
        except ConfigurationError as exc:
            reasons.append(cli_words(str(exc)))
    return reasons

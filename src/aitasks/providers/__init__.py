"""The provider registry: a module declares one (`_core.Provider`), loaded on first use; others join by `register`."""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._core import Provider

__all__ = ["clients", "get", "names", "register"]

# name -> the module whose `PROVIDER` declares it, and whose `CLIENTS` are its blocking and asyncio clients
_MODULES = {"gcore": "aitasks.providers.gcore", "modelarts": "aitasks.providers.modelarts"}


def names() -> tuple[str, ...]:
    """Every provider a ref may name, in registration order."""
    return tuple(_MODULES)


def register(module: str) -> None:
    """Add the provider that `module` (importable by name) declares as `PROVIDER` and `CLIENTS`."""
    name = importlib.import_module(module).PROVIDER.name
    _MODULES[name] = module


def get(name: str) -> type[Provider]:
    """The provider declaration registered as `name` (KeyError when none is)."""
    provider: type[Provider] = _module(name).PROVIDER
    return provider


def clients(name: str) -> tuple[Any, Any]:
    """The blocking and asyncio client classes of provider `name`."""
    pair: tuple[Any, Any] = _module(name).CLIENTS
    return pair


def _module(name: str) -> Any:
    path = _MODULES[name]
    return sys.modules.get(path) or importlib.import_module(path)  # looked up on every ref: the import only once

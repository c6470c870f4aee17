"""The provider registry: a module declares one (`_core.Provider`), loaded on first use; others join by `register`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._core import Provider

__all__ = ["clients", "get", "names", "register"]

# name -> the module whose `PROVIDER` declares it, and whose `CLIENTS` are its blocking and asyncio clients
_MODULES = {"gcore": "aitasks.providers.gcore", "modelarts": "aitasks.providers.modelarts"}
_LOADED: dict[str, Any] = {}  # name -> its module once imported whole (sys.modules holds it half-run meanwhile)


def names() -> tuple[str, ...]:
    """Every provider a ref may name, in registration order."""
    return tuple(_MODULES)


def register(module: str) -> None:
    """Add the provider that `module` (importable by name) declares as `PROVIDER` and `CLIENTS`."""
    name = importlib.import_module(module).PROVIDER.name
    _MODULES[name] = module
    _LOADED.pop(name, None)


def get(name: str) -> type[Provider]:
    """The provider declaration registered as `name` (KeyError when none is)."""
    provider: type[Provider] = _module(name).PROVIDER
    return provider


def clients(name: str) -> tuple[Any, Any]:
    """The blocking and asyncio client classes of provider `name`."""
    pair: tuple[Any, Any] = _module(name).CLIENTS
    return pair


def _module(name: str) -> Any:
    """Looked up on every ref; import_module waits while another thread runs the import, so none sees it half-run."""
    module = _LOADED.get(name)
    if module is None:
        module = _LOADED[name] = importlib.import_module(_MODULES[name])
    return module

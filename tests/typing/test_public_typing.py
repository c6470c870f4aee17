"""Type-checked only (by `make typecheck`): the public API keeps the types users rely on."""

from __future__ import annotations

import aitasks

version: str = aitasks.__version__

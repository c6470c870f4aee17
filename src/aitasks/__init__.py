"""Cancel running AI tasks on Gcore Streaming and ModelArts through one typed interface."""

from ._version import __version__

__all__ = ["__version__"]

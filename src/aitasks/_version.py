"""The single place the version lives, read by hatchling and by `aitasks --version`."""

__version__ = "0.1.0"

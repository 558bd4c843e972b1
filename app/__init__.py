"""ClearDesk core: everything a clerk can do, without Qt."""

__version__ = "0.1.0"

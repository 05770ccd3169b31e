"""The version of roseram-schema, in a module of its own: the modules that record it (apply
history, compiled scripts, cache keys) import it without importing the package's API."""

__version__ = "0.1.0"

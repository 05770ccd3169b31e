"""Reading live databases into the model (see inspector.py); queries in queries/*.sql.

The names below are loaded on first use: the no-change fast path (nochange.py) reads the
catalog rows (rows.py) without importing the model the inspector builds.
"""

from __future__ import annotations

import importlib

__all__ = ["catalog_fingerprint", "inspect_catalog", "inspect_row_estimates"]

_HOME = {
    "catalog_fingerprint": ".fingerprint",
    "inspect_catalog": ".inspector",
    "inspect_row_estimates": ".inspector",
}


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOME[name], __name__), name)

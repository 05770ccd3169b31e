"""Reading live databases into the model (see inspector.py); queries in queries/*.sql."""

from __future__ import annotations

from .fingerprint import catalog_fingerprint
from .inspector import inspect_catalog, inspect_row_estimates

__all__ = ["catalog_fingerprint", "inspect_catalog", "inspect_row_estimates"]

"""A fingerprint of what the diff compares in a catalog (sha256 hex).

Unlike introspect.catalog_fingerprint (the whole catalog), this one sees a catalog the way
the diff does: platform schemas and roles are left out, column order and the source-only
`renamed_from` do not count. So a database the plan was applied to has the plan's
`to_fingerprint`, and a plan's `from_fingerprint` changes only when something the diff
would see changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json

from ..diff.scope import managed_catalog
from ..model import Catalog, Table


def _plain(value):
    if dataclasses.is_dataclass(value):
        out = {"__type__": type(value).__name__}
        for f in dataclasses.fields(value):
            if f.compare and f.name != "renamed_from":
                out[f.name] = _plain(getattr(value, f.name))
        if isinstance(value, Table):
            out["columns"] = sorted(out["columns"], key=lambda c: c["name"])
        return out
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def managed_fingerprint(catalog: Catalog) -> str:
    """sha256 hex of the managed part of `catalog`, independent of input order."""
    data = _plain(managed_catalog(catalog))
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

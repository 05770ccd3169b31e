"""A stable fingerprint of a catalog: what a plan's "from" and "to" are checked against."""

from __future__ import annotations

import hashlib

from ..model.serialize import catalog_to_json
from ..model import Catalog


def catalog_fingerprint(catalog: Catalog) -> str:
    """sha256 hex of the catalog's canonical JSON, ignoring origins and every other field
    that takes no part in equality, so equal catalogs always have equal fingerprints.
    The catalog is sorted first, so the order objects were added in does not matter."""
    text = catalog_to_json(catalog.sorted(), compared_only=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

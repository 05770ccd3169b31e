"""A cheap change detector for a database's catalog: verify's kept database (cache/verifydb.py)
is trusted only while its signature is the recorded one; not used by plan, drift or the fleet.

`catalog_signature` reads queries/catalog_signature.sql: per catalog the count of its rows
and a hash sum of their (ctid, xmin), plus the shared facts read by content. Equal
signatures mean no catalog row was inserted, updated or deleted in between; in-place
updates are not seen (docs/benchmarks.md, "catalog-version signature: measured").
"""

from __future__ import annotations

import hashlib

from .queries import run_query


def catalog_signature_parts(conn) -> dict[str, tuple[int, int]]:
    """{part: (row count, hash sum)} of the catalog signature query."""
    return {r["part"]: (int(r["n"]), int(r["h"] or 0)) for r in run_query(conn, "catalog_signature", {})}


def catalog_signature(conn) -> str:
    """One hex digest of `catalog_signature_parts`."""
    parts = catalog_signature_parts(conn)
    return hashlib.sha256(repr(sorted(parts.items())).encode()).hexdigest()

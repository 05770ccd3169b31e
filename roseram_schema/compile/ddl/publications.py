"""Replica identity and publications: what logical replication (Supabase Realtime) reads."""

from __future__ import annotations

from ...model import Table, quote_ident


def set_replica_identity(table: Table, identity: str) -> str:
    """ALTER TABLE t REPLICA IDENTITY DEFAULT | FULL | NOTHING | USING INDEX i."""
    if identity.startswith("index "):
        clause = f"USING INDEX {quote_ident(identity[len('index '):])}"
    else:
        clause = identity.upper()
    return f"ALTER TABLE {table.qualified} REPLICA IDENTITY {clause}"

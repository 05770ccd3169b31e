"""Replica identity and publications: what logical replication (Supabase Realtime) reads."""

from __future__ import annotations

from ...model import Publication, Table, qualify, quote_ident, quote_literal


def set_replica_identity(table: Table, identity: str) -> str:
    """ALTER TABLE t REPLICA IDENTITY DEFAULT | FULL | NOTHING | USING INDEX i."""
    if identity.startswith("index "):
        clause = f"USING INDEX {quote_ident(identity[len('index '):])}"
    else:
        clause = identity.upper()
    return f"ALTER TABLE {table.qualified} REPLICA IDENTITY {clause}"


def _tables(keys) -> str:
    return ", ".join(qualify(*key.split(".", 1)) for key in keys)


def publication_options(publication: Publication) -> str:
    """The WITH clause's body: publish = '...', publish_via_partition_root = ..."""
    options = f"publish = {quote_literal(', '.join(publication.publish))}"
    return options + f", publish_via_partition_root = {'true' if publication.via_root else 'false'}"


def create_publication(publication: Publication) -> str:
    """CREATE PUBLICATION p [FOR ALL TABLES | FOR TABLE a, b] WITH (...)."""
    sql = f"CREATE PUBLICATION {quote_ident(publication.name)}"
    if publication.all_tables:
        sql += " FOR ALL TABLES"
    elif publication.tables:
        sql += f" FOR TABLE {_tables(publication.tables)}"
    return sql + f" WITH ({publication_options(publication)})"


def drop_publication(publication: Publication, *, if_exists: bool = False) -> str:
    return f"DROP PUBLICATION {'IF EXISTS ' if if_exists else ''}{quote_ident(publication.name)}"


def alter_publication_options(publication: Publication) -> str:
    return f"ALTER PUBLICATION {quote_ident(publication.name)} SET ({publication_options(publication)})"


def add_publication_table(publication: str, table_key: str) -> str:
    return f"ALTER PUBLICATION {quote_ident(publication)} ADD TABLE {_tables([table_key])}"


def drop_publication_table(publication: str, table_key: str) -> str:
    return f"ALTER PUBLICATION {quote_ident(publication)} DROP TABLE {_tables([table_key])}"

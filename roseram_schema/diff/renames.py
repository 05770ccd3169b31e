"""Table renames, only where the source says `renamed_from` (never guessed)."""

from __future__ import annotations

from dataclasses import replace

from .changes import RenameTable
from ..model import Catalog, build_catalog


def apply_table_renames(current: Catalog, desired: Catalog) -> tuple[list[RenameTable], Catalog]:
    """RenameTable changes, and `current` as it reads once those renames are done.

    A rename applies when the desired table is missing from `current`, its `renamed_from`
    table exists there (same schema) and is not itself still desired. Foreign keys and view
    dependencies that point at the old name are rewritten, so they do not show up as changes.
    """
    current_keys = {t.key for t in current.tables}
    desired_keys = {t.key for t in desired.tables}
    renames: dict[str, str] = {}
    changes: list[RenameTable] = []
    for t in desired.tables:
        if not t.renamed_from or t.key in current_keys:
            continue
        old_key = f"{t.schema}.{t.renamed_from}"
        if old_key in current_keys and old_key not in desired_keys and old_key not in renames:
            renames[old_key] = t.key
            changes.append(RenameTable(t.schema, t.name, t.renamed_from, t.origin))
    if not renames:
        return [], current

    def new_name(schema: str, name: str) -> str:
        return renames.get(f"{schema}.{name}", f"{schema}.{name}").split(".", 1)[1]

    tables = []
    for t in current.tables:
        fks = tuple(
            replace(fk, ref_table=new_name(fk.ref_schema, fk.ref_table)) for fk in t.foreign_keys
        )
        tables.append(replace(t, name=new_name(t.schema, t.name), foreign_keys=fks, renamed_from=None))
    views = [
        replace(v, depends_on=tuple(renames.get(d, d) for d in v.depends_on)) for v in current.views
    ]
    triggers = [replace(tr, table=new_name(tr.schema, tr.table)) for tr in current.triggers]
    renamed = build_catalog(
        schemas=current.schemas, extensions=current.extensions, roles=current.roles,
        enums=current.enums, tables=tables, views=views, functions=current.functions,
        triggers=triggers, domains=current.domains, composite_types=current.composite_types,
        sequences=[replace(s, owned_by=_renamed_owner(s, new_name)) for s in current.sequences],
        platform_tables=current.platform_tables, publications=current.publications,
    )
    return changes, renamed


def _renamed_owner(sequence, new_name) -> str | None:
    """The owning "table.column" of a sequence, with its table's new name."""
    if sequence.owned_by is None:
        return None
    table, _, column = sequence.owned_by.partition(".")
    return f"{new_name(sequence.schema, table)}.{column}"

"""Publications: created, dropped, options set, tables added and dropped. A platform
publication (supabase_realtime) is never created, altered or dropped: only the user's
tables in it are compared."""

from __future__ import annotations

from dataclasses import replace

from .changes import Change, DropTable
from .extrachanges import (
    AddPublicationTable,
    AlterPublicationOptions,
    CreatePublication,
    DropPublication,
    DropPublicationTable,
)
from ..model import Catalog, Publication


def diff_publications(current: Catalog, desired: Catalog, changes: list[Change]) -> list[Change]:
    """The publication changes; `changes` (the rest of the diff) says which tables are
    dropped, whose membership goes with them."""
    old = {p.name: p for p in current.publications}
    new = {p.name: p for p in desired.publications}
    dropped = {c.table_key for c in changes if isinstance(c, DropTable)}
    out: list[Change] = []
    for name in sorted(old.keys() | new.keys()):
        cur, des = old.get(name), new.get(name)
        platform = (cur or des).platform
        if des is None and not platform:
            out.append(DropPublication(cur))
            continue
        if des is None:
            des = replace(cur, tables=())
        if cur is None and not platform:
            out.append(CreatePublication(des))
            continue
        if cur is not None and not platform and cur.all_tables != des.all_tables:
            out += [DropPublication(cur), CreatePublication(des)]
            continue
        if cur is not None and not platform and (cur.publish, cur.via_root) != (des.publish, des.via_root):
            out.append(AlterPublicationOptions(des, cur))
        out += _membership(name, cur, des, dropped)
    return out


def _membership(name: str, cur: Publication | None, des: Publication, dropped: set[str]) -> list[Change]:
    have = set(cur.tables) if cur else set()
    out: list[Change] = []
    for key in sorted(have - set(des.tables)):
        if key not in dropped:  # a dropped table leaves its publications by itself
            schema, _, table = key.partition(".")
            out.append(DropPublicationTable(schema, table, name))
    for key in sorted(set(des.tables) - have):
        schema, _, table = key.partition(".")
        out.append(AddPublicationTable(schema, table, name, des.origin))
    return out

"""The user's side of platform tables: policies on storage.objects and the RLS switches set
there. The tables themselves are the platform's: never created, dropped or altered."""

from __future__ import annotations

from dataclasses import replace

from .changes import Change
from ..model import Catalog
from .access import diff_policies, diff_row_security


def diff_platform_tables(current: Catalog, desired: Catalog) -> list[Change]:
    """Policies created, altered and dropped on platform tables; RLS switches changed only
    where both sides know the table (one the source never names keeps the platform's)."""
    old = {t.key: t for t in current.platform_tables}
    new = {t.key: t for t in desired.platform_tables}
    changes: list[Change] = []
    for key in sorted(old.keys() | new.keys()):
        cur, des = old.get(key), new.get(key)
        if des is None:
            des = replace(cur, policies=())
        changes += diff_policies(cur, des)
        if cur is not None:
            changes += diff_row_security(cur, des)
    return changes

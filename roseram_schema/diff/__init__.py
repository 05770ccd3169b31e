"""The diff: two catalogs in, typed changes out. Pure data; no SQL, no database.

Both catalogs come from the same printer (a live database read by `inspect_catalog`, and the
source normalized through a scratch database), so texts are compared as PostgreSQL printed
them. Renames happen only where the source says `renamed_from`; nothing is guessed.

What is never in a diff: roles (created by the platform/compile step, never dropped), the
objects of platform schemas (auth, storage, our own `roseram_schema` history...), and the
drop of a schema or an extension (they may hold things we do not manage).
"""

from __future__ import annotations

from .changes import Change
from ..model import Catalog
from .objects import diff_enums, diff_extensions, diff_functions, diff_schemas, diff_triggers
from .platform import diff_platform_tables
from .publications import diff_publications
from .renames import apply_table_renames
from .scope import managed_catalog
from .tables import diff_tables
from .types import diff_types
from .views import diff_views

__all__ = ["diff_catalogs"]


def diff_catalogs(current: Catalog, desired: Catalog) -> tuple[Change, ...]:
    """The changes that turn `current` into `desired`, in a fixed (not yet planned) order."""
    current = managed_catalog(current)
    declared = desired
    desired = managed_catalog(desired)
    renames, current = apply_table_renames(current, desired)
    changes: list[Change] = []
    changes += diff_schemas(current, desired)
    # by name only; the created extension keeps its `optional` flag (how to create it)
    changes += diff_extensions(current, declared)
    changes += diff_enums(current, desired)
    changes += diff_types(current, desired)
    changes += renames
    changes += diff_tables(current, desired)
    changes += diff_views(current, desired)
    changes += diff_functions(current, desired)
    changes += diff_triggers(current, desired)
    changes += diff_platform_tables(current, desired)
    changes += diff_publications(current, desired, changes)
    return tuple(changes)

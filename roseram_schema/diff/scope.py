"""What the diff looks at: everything outside platform schemas, roles excluded."""

from __future__ import annotations

from dataclasses import replace

from ..model import Catalog, build_catalog

try:  # the lead's platform module; the fallback keeps the pure diff importable on its own
    from ..platform import is_platform_schema
except ImportError:  # pragma: no cover
    def is_platform_schema(name: str) -> bool:
        return name in {"auth", "storage", "realtime", "extensions", "roseram_schema"} or name.startswith("pg_")


def managed_catalog(catalog: Catalog) -> Catalog:
    """`catalog` without platform objects and roles, and without partitions listed as tables.

    Roles are never part of a diff: they are created by the platform stand-in or by the
    compiled script and never dropped. A partition is diffed as part of its parent.
    An extension's `optional` flag is a source-only instruction (how to create it), which
    a database cannot report: it is left out, so it never counts as a change or changes a
    fingerprint, whichever side carries it.
    """
    partitions = {
        f"{t.schema}.{p.name}" for t in catalog.tables for p in t.partitions
    }
    return build_catalog(
        schemas=[s for s in catalog.schemas if not is_platform_schema(s.name)],
        extensions=[replace(e, optional=False) if e.optional else e for e in catalog.extensions],
        roles=(),
        enums=[e for e in catalog.enums if not is_platform_schema(e.schema)],
        tables=[
            t for t in catalog.tables
            if not is_platform_schema(t.schema) and t.key not in partitions
        ],
        views=[v for v in catalog.views if not is_platform_schema(v.schema)],
        functions=[f for f in catalog.functions if not is_platform_schema(f.schema)],
        domains=[d for d in catalog.domains if not is_platform_schema(d.schema)],
        composite_types=[t for t in catalog.composite_types if not is_platform_schema(t.schema)],
        sequences=[s for s in catalog.sequences if not is_platform_schema(s.schema)],
        # a trigger on a platform table calling the user's function is the user's
        triggers=[t for t in catalog.triggers
                  if not is_platform_schema(t.schema) or not is_platform_schema(t.function.split(".", 1)[0])],
        platform_tables=catalog.platform_tables,
        publications=catalog.publications,
    )

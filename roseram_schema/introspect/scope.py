"""Which schemas the inspector reads when the caller does not say."""

from __future__ import annotations

from ..platform import PLATFORM_SCHEMAS

# Always skipped when no schema list is given, whatever PLATFORM_SCHEMAS says: the
# system's own (pg_* is matched in the query), and our history schema.
_ALWAYS_EXCLUDED = ("information_schema", "roseram_schema")


def excluded_schemas() -> list[str]:
    """Schema names never read by default (platform, system, our history schema), sorted."""
    return sorted(set(PLATFORM_SCHEMAS) | set(_ALWAYS_EXCLUDED))

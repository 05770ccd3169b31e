"""The cache key covers the code of every class a cached catalog is pickled from."""

from __future__ import annotations

from roseram_schema import cacheload, cachefiles


def test_every_module_a_cached_catalog_holds_classes_of_is_in_the_code_fingerprint():
    # catalog pickles store model objects as their field values in order (catalog_json),
    # so a changed class read with an old file would load wrong values, not fail
    for module in cacheload._DATACLASS_MODULES:
        file = module.removeprefix("roseram_schema.") + ".py"
        assert file in cachefiles._NORMALIZING_CODE, f"{file} is not part of the cache key"

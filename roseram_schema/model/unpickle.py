"""The one way a pickle under `.roseram/` is read: an unpickler that can name nothing but
the project's own data classes, so a crafted cache file (from a pull request, a downloaded
project) cannot run code.

A plain pickle calls whatever `module.name` the file names (os.system, eval ...). This
unpickler resolves only:
- the dataclasses of roseram_schema.model and roseram_schema.errors (the catalog caches);
- what a parse-cache entry holds (cache/parse.py): the Draft, its Problems, a Statement, a
  TableParts, pglast's AST node classes and enums, and the `later` callables, which are
  functools.partial over the few `_attach_*` functions listed below;
and refuses every other name with pickle.UnpicklingError. Those classes only store the
values they are given, and the `_attach_*` functions only add to the Draft they are given:
constructing or calling them with crafted values builds wrong data (caught by the callers'
type checks, or a wrong parse of that file), never runs anything else.

Callers treat any exception of `loads`/`load` as a cache miss. JSON caches are read with
state.files.read_json (JSON cannot name code).
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import io
import pickle
from functools import lru_cache

# any dataclass of these modules
_DATACLASS_MODULES = ("roseram_schema.model", "roseram_schema.errors")
# exactly these names; a new kind of `later` callable must be added here, or the files that
# queue it are parsed again on every load (their cache entries fail to load)
_NAMED = {
    "functools": ("partial",),
    "roseram_schema.source.draft": ("Draft",),
    "roseram_schema.source.problems": ("Problems",),
    "roseram_schema.source.statements": ("Statement",),
    "roseram_schema.source.scripts": ("Script", "ScriptStatement"),
    "roseram_schema.source.sqltables": ("TableParts",),
    "roseram_schema.source.policies": ("_attach_policies",),
    "roseram_schema.source.sqlaccess": ("_attach_grant", "_attach_comment", "_attach_column_grant",
                                        "_attach_database_grant"),
    "roseram_schema.source.defaultprivs": ("_attach_default_privileges",),
    "roseram_schema.source.sqlaccess": ("_attach_grant", "_attach_comment"),
    "roseram_schema.source.sqlplatform": ("attach_publication", "alter_publication"),
    "roseram_schema.source.sqlfiles": ("_attach_partition", "_attach_index", "_attach_alter_table",
                                       "_attach_policy"),
}


class CacheUnpickler(pickle.Unpickler):
    """pickle.Unpickler that resolves only the names above (see module doc)."""

    def find_class(self, module: str, name: str):
        found = _allowed(module, name)
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} may not be named by a cache file")
        return found


def loads(data, *, persistent_load=None):
    """The object pickled in `data` (bytes or a memoryview), read with CacheUnpickler."""
    return load(io.BytesIO(data), persistent_load=persistent_load)


def load(file, *, persistent_load=None):
    """The next object pickled in binary `file`, read with CacheUnpickler."""
    unpickler = CacheUnpickler(file)
    if persistent_load is not None:
        unpickler.persistent_load = persistent_load
    return unpickler.load()


@lru_cache(maxsize=1024)  # called once per class and file, not per object
def _allowed(module: str, name: str):
    if module in _DATACLASS_MODULES:
        cls = getattr(importlib.import_module(module), name, None)
        return cls if isinstance(cls, type) and dataclasses.is_dataclass(cls) else None
    if name in _NAMED.get(module, ()):
        return getattr(importlib.import_module(module), name, None)
    if module == "pglast.ast":
        from pglast import ast

        cls = getattr(ast, name, None)
        return cls if isinstance(cls, type) and issubclass(cls, ast.Node) else None
    if module.startswith("pglast.enums."):
        from pglast import enums  # re-exports every enum of its submodules

        cls = getattr(enums, name, None)
        if isinstance(cls, type) and issubclass(cls, enum.Enum) and cls.__module__ == module:
            return cls
    return None

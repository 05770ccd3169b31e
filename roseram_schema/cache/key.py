"""What every cache entry is keyed by besides its input: the code that produced it.

The whole package (every .py, .sql, .j2 and .json file under roseram_schema/) and the
versions of the libraries whose output is cached (pglast parses, psycopg reads, PyYAML
loads), so an upgrade or a local edit of any of them can never serve an entry the current
code would not produce. No hand-kept list of "the files that matter": one missed file is a
stale cache, and re-parsing after an upgrade costs one cold run.
"""

from __future__ import annotations

import hashlib
import sys
from functools import cache
from importlib import metadata, util
from pathlib import Path

from ..version import __version__

PACKAGE = Path(__file__).resolve().parents[1]
_SUFFIXES = (".py", ".sql", ".j2", ".json")
_LIBRARIES = ("pglast", "psycopg", "PyYAML")


def _library_versions() -> str:
    versions = []
    for name in _LIBRARIES:
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} ?")
    # the C loader builds the same nodes, but say which one runs (without importing yaml)
    versions.append(f"libyaml {util.find_spec('yaml._yaml') is not None}")
    versions.append(f"python {sys.version_info[0]}.{sys.version_info[1]}")
    return "|".join(versions)


@cache
def code_key() -> str:
    """sha256 over the package's own files and the library versions (see the module)."""
    digest = hashlib.sha256(f"{__version__}|{_library_versions()}".encode())
    files = sorted(p for p in PACKAGE.rglob("*")
                   if p.suffix in _SUFFIXES and "__pycache__" not in p.parts and p.is_file())
    for path in files:
        digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()

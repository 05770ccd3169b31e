"""roseram-schema: declarative PostgreSQL schema management with an RLS isolation checker.

The Python API (docs/api.md): `import roseram_schema as rs`, then rs.load_project,
rs.compile, rs.plan, rs.apply, rs.drift, rs.verify, rs.lint, their result types and the
errors they raise. They live in roseram_schema.api, imported on first use only: the
command line imports this package too, and its start-up time matters (entry.py).
"""

import sys as _sys
import types as _types

__version__ = "0.1.0"

_API_NAMES = frozenset({
    "load_project", "compile", "plan", "apply", "drift", "verify", "lint",
    "Project", "CompiledSQL", "Plan", "PlanStatement", "Hazard", "ApplyResult", "DriftReport",
    "DriftItem", "VerifyReport", "Finding",
    "RoseramError", "SourceError", "Problem", "Origin", "ProjectNotFound", "DatabaseError",
    "ServerError", "PlanCycleError", "FingerprintMismatch", "HazardBlocked", "IsolationFailure",
    "PlanFormatError",
})
# API functions named like submodules of this package (roseram_schema.compile, .plan, ...)
_SHADOWED = frozenset({"compile", "apply", "plan", "lint", "verify"})


def __getattr__(name: str):
    if name in _API_NAMES:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_API_NAMES})


class _Package(_types.ModuleType):
    """This package's module type. Importing a submodule binds it to the package attribute
    of its name; for these names that attribute is the API function, so the
    binding is skipped (the submodules stay in sys.modules, where `from roseram_schema.compile
    import ...` finds them)."""

    def __setattr__(self, name, value):
        if name in _SHADOWED and isinstance(value, _types.ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package

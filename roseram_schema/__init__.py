"""roseram-schema: declarative PostgreSQL schema management with an RLS isolation checker.

The Python API (docs/api.md): `import roseram_schema as rs`, then rs.load_project,
rs.compile, rs.plan, rs.apply, rs.drift, rs.verify, rs.lint, their result types and the
errors they raise. They live in roseram_schema.api, imported on first use only: the
command line imports this package too, and its start-up time matters (cli/entry.py).
"""

import sys as _sys
import types as _types

__version__ = "0.1.0"

# the names of api.__all__, kept here so that importing the package does not import the API
# (tests/api/test_api.py checks the two agree)
_API_NAMES = frozenset({
    "load_project", "compile", "plan", "apply", "drift", "verify", "lint",
    "Project", "CompiledSQL", "Plan", "PlanStatement", "Hazard", "ApplyResult", "DriftReport",
    "DriftItem", "VerifyReport", "Finding",
    "RoseramError", "SourceError", "Problem", "Origin", "ProjectNotFound", "DatabaseError",
    "ServerError", "PlanCycleError", "FingerprintMismatch", "HazardBlocked", "IsolationFailure",
    "PlanFormatError",
})
# API functions named like a submodule of this package: the package attribute is the
# function, which also leads to the submodule (see _Namesake)
_SHADOWED = frozenset({"compile", "apply", "plan", "lint", "verify"})


def __getattr__(name: str):
    if name in _API_NAMES:
        from . import api

        value = getattr(api, name)
        if name in _SHADOWED:
            value = _Namesake(value, f"{__name__}.{name}")
            _types.ModuleType.__setattr__(_sys.modules[__name__], name, value)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_API_NAMES})


class _Namesake:
    """rs.compile, rs.apply, rs.plan, rs.lint, rs.verify: a call runs the API function;
    any other attribute is the namesake submodule's, so `roseram_schema.plan.order`
    (and monkeypatch or mock targets spelled that way) still reach the module."""

    __slots__ = ("__wrapped__", "_module")

    def __init__(self, function, module: str):
        object.__setattr__(self, "__wrapped__", function)
        object.__setattr__(self, "_module", module)

    def __call__(self, *args, **kwargs):
        return self.__wrapped__(*args, **kwargs)

    @property
    def __doc__(self):
        return self.__wrapped__.__doc__

    def __repr__(self) -> str:
        return f"<function roseram_schema.{self.__wrapped__.__name__}>"

    def _submodule(self):
        import importlib

        return importlib.import_module(self._module)

    def __getattr__(self, name: str):
        if name in ("__name__", "__qualname__", "__annotations__", "__defaults__", "__kwdefaults__"):
            return getattr(self.__wrapped__, name)
        return getattr(self._submodule(), name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self._submodule(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._submodule(), name)


class _Package(_types.ModuleType):
    """This package's module type. Importing a submodule binds it to the package attribute
    of its name; for the _SHADOWED names that attribute is the API function (a _Namesake
    that leads to the submodule too), so the binding is skipped: the submodules stay in
    sys.modules, where `from roseram_schema.compile import ...` finds them."""

    def __setattr__(self, name, value):
        if name in _SHADOWED and isinstance(value, _types.ModuleType):
            return
        super().__setattr__(name, value)


_sys.modules[__name__].__class__ = _Package

"""Every error the tool reports on purpose, with the exit code the CLI maps it to.

The CLI (cli/app.py) is the only place that turns these into messages and exit codes; library
code raises them and never prints or exits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Exit codes, the same for every command (README "Exit codes").
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_HAZARD = 3
EXIT_ISOLATION = 4


@dataclass(frozen=True)
class Origin:
    """Where an object or a problem comes from: a file and a 1-based line and column."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path


class RoseramError(Exception):
    """Base class: an error the user can act on. `exit_code` is what the CLI exits with."""

    exit_code = EXIT_ERROR


@dataclass(frozen=True)
class Problem:
    """One problem in the source: where, which object, what is wrong, how to fix it."""

    origin: Origin | None
    obj: str
    message: str
    hint: str | None = None
    # a file that could not be read or parsed at all: listed before every other problem,
    # which may only follow from what that file would have declared
    root: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        where = f"{self.origin}: " if self.origin else ""
        what = f"{self.obj}: " if self.obj else ""
        text = f"{where}{what}{self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text


class SourceError(RoseramError):
    """One or more problems in schema/, policies/ or views/, all reported at once."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        self.problems = tuple(sorted(problems, key=_problem_key))
        super().__init__("\n".join(str(p) for p in self.problems))


def _problem_key(p: Problem):
    o = p.origin
    return (not p.root, o.path if o else "", o.line if o else 0, o.column if o else 0, p.obj, p.message)


class ProjectNotFound(RoseramError):
    """A path given as a project is not a folder holding schema/, policies/, views/ or project.yaml."""


class DatabaseError(RoseramError):
    """The database could not be reached or rejected something; names the statement/object."""


class ServerError(RoseramError):
    """The embedded/local PostgreSQL server could not be initialised, started or stopped."""


class PlanCycleError(RoseramError):
    """The dependency graph of a plan or compile has a cycle that cannot be broken."""


class FingerprintMismatch(RoseramError):
    """The database changed between `plan` and `apply --plan`."""


class HazardBlocked(RoseramError):
    """A planned statement carries a hazard that was not allowed with --allow-hazards."""

    exit_code = EXIT_HAZARD


class IsolationFailure(RoseramError):
    """verify/lint found a leak, a blocked access, an error or an error-severity finding."""

    exit_code = EXIT_ISOLATION


class NotYetImplemented(RoseramError):
    """A command whose issue has not landed: it says so and exits 1, never pretends."""

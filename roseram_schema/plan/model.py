"""A plan: ordered statements, each with its hazards and where it comes from.

A plan is pure data and deterministic: the same two catalogs give the same plan, byte for
byte once rendered. It survives a JSON round trip (plan/json_io.py), so `plan --out
plan.json` and `apply --plan plan.json` apply exactly what was reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Origin

# The hazards a statement can carry, in report order. Data-deleting ones block apply, and
# so do statements PostgreSQL is sure to reject on a table with rows (ADD COLUMN NOT NULL
# without a default): better refused at plan time, with a hint, than failed mid-apply.
# opens_access (plan/opening.py) blocks too: a truncated policies file or a stray grant
# must not open data to clients unnoticed. lint_errors is the desired state's error-severity
# lint findings, checked by the apply command (cli/commands/apply.py), not by a statement.
HAZARD_NAMES = (
    "deletes_data",
    "fails_on_existing_rows",
    "opens_access",
    "lint_errors",
    "checks_existing_rows",
    "rewrites_table",
    "access_exclusive_lock",
    "builds_index",
    "recreates_view",
    "changes_access",
)
BLOCKING_HAZARDS = frozenset({"deletes_data", "fails_on_existing_rows", "opens_access", "lint_errors"})
# Changes committed in a transaction of their own before the main one: PostgreSQL refuses
# to use an enum value added in the same transaction ("unsafe use of new value"), and a
# plan often adds a value and uses it (a default, a check). Adding a value is additive and
# re-runnable (IF NOT EXISTS), so it is the one thing that may stay if the main part fails.
FIRST_CHANGES = frozenset({"AddEnumValue"})


@dataclass(frozen=True)
class Hazard:
    """Something to know before running a statement; `blocking` ones need --allow-hazards."""

    name: str
    message: str

    @property
    def blocking(self) -> bool:
        """True for hazards `apply` refuses unless they are explicitly allowed."""
        return self.name in BLOCKING_HAZARDS


@dataclass(frozen=True)
class PlanStatement:
    """One statement of a plan.

    `change` is the change kind that produced it (e.g. "AlterColumnType"), `obj` the
    object's key, `summary` the change described for humans, `origin` where the desired
    object is declared in the source (None for objects only the database has).
    `transactional` False means it must run outside a transaction (CONCURRENTLY).
    """

    sql: str
    change: str
    obj: str
    summary: str
    hazards: tuple[Hazard, ...] = ()
    transactional: bool = True
    origin: Origin | None = None

    @property
    def blocking_hazards(self) -> tuple[Hazard, ...]:
        """The hazards of this statement that block apply."""
        return tuple(h for h in self.hazards if h.blocking)


@dataclass(frozen=True)
class Plan:
    """Statements in the order they run, and the fingerprints of both ends.

    `from_fingerprint` is the catalog fingerprint of the database the plan was made for;
    apply refuses when the database no longer has it. `to_fingerprint` is the fingerprint
    of the desired catalog: a database that already has it needs nothing.
    """

    from_fingerprint: str
    to_fingerprint: str
    statements: tuple[PlanStatement, ...] = ()

    @property
    def empty(self) -> bool:
        """True when nothing would change."""
        return not self.statements

    @property
    def first_statements(self) -> tuple[PlanStatement, ...]:
        """Statements committed before the main transaction (enum values, see FIRST_CHANGES)."""
        return tuple(s for s in self.statements if s.transactional and s.change in FIRST_CHANGES)

    @property
    def transactional_statements(self) -> tuple[PlanStatement, ...]:
        """The statements that run together in the one main transaction."""
        return tuple(s for s in self.statements if s.transactional and s.change not in FIRST_CHANGES)

    @property
    def non_transactional_statements(self) -> tuple[PlanStatement, ...]:
        """The statements that run after COMMIT (CREATE INDEX CONCURRENTLY)."""
        return tuple(s for s in self.statements if not s.transactional)

    def hazard_names(self) -> tuple[str, ...]:
        """Every hazard name in the plan, in HAZARD_NAMES order."""
        present = {h.name for s in self.statements for h in s.hazards}
        return tuple(n for n in HAZARD_NAMES if n in present)

    def blocking_hazards(self) -> tuple[tuple[PlanStatement, Hazard], ...]:
        """(statement, hazard) for every blocking hazard, in plan order."""
        return tuple((s, h) for s in self.statements for h in s.blocking_hazards)

    def to_sql(self) -> str:
        """The plan as one SQL script (`plan --format sql`)."""
        from ..render.plan import render_plan_sql

        return render_plan_sql(self)

    def to_json(self) -> str:
        """The plan as JSON (`plan --out`), read back by from_json."""
        from .json_io import plan_to_json

        return plan_to_json(self)

    @classmethod
    def from_json(cls, text: str) -> "Plan":
        """A plan saved by to_json (or `plan --out`); PlanFormatError when it is not one."""
        from .json_io import plan_from_json

        return plan_from_json(text)

"""A plan: ordered statements, each with its hazards and where it comes from.

A plan is pure data and deterministic: the same two catalogs give the same plan, byte for
byte once rendered. It survives a JSON round trip (the format below), so `plan --out
plan.json` and `apply --plan plan.json` apply exactly what was reviewed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..errors import Origin, RoseramError
from .sqlscript import plan_sql

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
    # what the plan cannot do, to tell whoever reads it: the source's data statements
    # (source/scripts.py), which run only where the desired state is built. Not part of
    # the plan's JSON: apply has nothing to do with them.
    notes: tuple[str, ...] = field(default=(), compare=False)
    # (kind, name) of live objects the model does not know: reported, never changed, and
    # not part of `empty` (a plan with only these has nothing to run)
    unmanaged: tuple[tuple[str, str], ...] = ()

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
        return plan_sql(self)

    def to_json(self) -> str:
        """The plan as JSON (`plan --out`), read back by from_json."""
        return plan_to_json(self)

    @classmethod
    def from_json(cls, text: str) -> "Plan":
        """A plan saved by to_json (or `plan --out`); PlanFormatError when it is not one."""
        return plan_from_json(text)


# -- Plan <-> JSON ----------------------------------------------------------------------
#
# A stable, versioned format (`plan --out`, `apply --plan`, `plan --format json`):
#
#     {
#       "version": 1,
#       "from_fingerprint": "<sha256 hex>",
#       "to_fingerprint": "<sha256 hex>",
#       "statements": [
#         {
#           "sql": "ALTER TABLE ...",
#           "change": "AddColumn",
#           "object": "public.projects.archived",
#           "summary": "add column public.projects.archived boolean",
#           "transactional": true,
#           "origin": {"path": "schema/public/projects.yaml", "line": 12, "column": 5} | null,
#           "hazards": [{"name": "rewrites_table", "message": "...", "blocking": false}]
#         }
#       ]
#     }
#
# Keys are written sorted with two-space indentation and a final newline, so the same plan
# is always the same bytes. `blocking` is informative: on reading it is derived from the name.

PLAN_FORMAT_VERSION = 1


class PlanFormatError(RoseramError):
    """A plan file that is not a plan this version can read."""


def plan_to_dict(plan: Plan) -> dict:
    """The plan as plain JSON-ready data (`unmanaged` only when there are any, so a plan
    without them reads as it always did)."""
    data = {
        "version": PLAN_FORMAT_VERSION,
        "from_fingerprint": plan.from_fingerprint,
        "to_fingerprint": plan.to_fingerprint,
        "statements": [
            {
                "sql": s.sql,
                "change": s.change,
                "object": s.obj,
                "summary": s.summary,
                "transactional": s.transactional,
                "origin": (
                    {"path": s.origin.path, "line": s.origin.line, "column": s.origin.column}
                    if s.origin else None
                ),
                "hazards": [
                    {"name": h.name, "message": h.message, "blocking": h.blocking} for h in s.hazards
                ],
            }
            for s in plan.statements
        ],
    }
    if plan.unmanaged:
        data["unmanaged"] = [{"kind": kind, "name": name} for kind, name in plan.unmanaged]
    return data


def plan_to_json(plan: Plan) -> str:
    """The plan as JSON text (deterministic bytes)."""
    return json.dumps(plan_to_dict(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def plan_from_json(text: str) -> Plan:
    """Read a plan written by plan_to_json; PlanFormatError when it is not one."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFormatError(f"plan file is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != PLAN_FORMAT_VERSION:
        got = data.get("version") if isinstance(data, dict) else None
        raise PlanFormatError(f"plan file version {got!r} is not {PLAN_FORMAT_VERSION}")
    try:
        statements = tuple(
            PlanStatement(
                sql=s["sql"],
                change=s["change"],
                obj=s["object"],
                summary=s["summary"],
                transactional=bool(s["transactional"]),
                origin=Origin(**s["origin"]) if s.get("origin") else None,
                hazards=tuple(Hazard(h["name"], h["message"]) for h in s.get("hazards", ())),
            )
            for s in data["statements"]
        )
        unmanaged = tuple((u["kind"], u["name"]) for u in data.get("unmanaged", ()))
        return Plan(data["from_fingerprint"], data["to_fingerprint"], statements, unmanaged)
    except (KeyError, TypeError) as exc:
        raise PlanFormatError(f"plan file is missing or has a wrong field: {exc}") from None

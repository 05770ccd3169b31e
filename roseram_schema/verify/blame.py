"""Which policy let a leaked row through.

For each LEAK, every permissive policy that applies to the persona's role and the command
is evaluated on the leaked row, as the persona: the ones that are true are the culprits.
When a command has several permissive policies and only some of them let the row through,
those policies widen what the others allow (permissive policies are OR-ed together).
"""

from __future__ import annotations

from ..lint.findings import Finding
from ..model import quote_ident
from .categories import allowed
from .probes import LEAK, Cell, where_ident
from .runner import run_as


def _applies(policy, role: str, command: str) -> bool:
    return (policy.permissive and policy.command in (command, "all")
            and ("public" in policy.roles or role in policy.roles))


def _expression(policy, command: str) -> str | None:
    if command == "insert":
        return policy.with_check if policy.with_check is not None else policy.using
    return policy.using


def _row_source(world, table, row, command: str) -> str:
    """A FROM clause that makes the row's columns visible under the table's name."""
    if command != "insert":
        return f"FROM {table.qualified} WHERE {where_ident(world, table, row)}"
    cols = ", ".join(f"{literal} AS {quote_ident(col)}" for col, literal in row.values.items())
    return f"FROM (SELECT {cols}) AS {quote_ident(table.name)}"


def blame_leaks(conn, report) -> None:
    """Add "let through by policy ..." to LEAK cells and `policy-widens` findings."""
    world = report.world
    spec = world.spec
    widened: dict[tuple[str, str], set] = {}
    for persona in spec.personas:
        cells = [c for c in report.cells if c.persona == persona.name and c.verdict == LEAK
                 and c.table in world.rows]
        work: list[tuple[Cell, object, list]] = []
        statements = []
        for cell in cells:
            table = world.table(cell.table)
            policies = [p for p in table.policies if _applies(p, persona.role, cell.command)]
            if not policies or not table.rls_enabled:
                continue
            contract = spec.contract(cell.table)

            leaked = [row for row, ok in cell.observations
                      if ok and not allowed(contract, cell.command, persona, row, spec.tenancy)]
            if not leaked:
                continue
            row = leaked[0]
            exprs = [(p, _expression(p, cell.command)) for p in policies]
            exprs = [(p, e) for p, e in exprs if e]
            for p, expr in exprs:
                statements.append(
                    f"SELECT coalesce(({expr})::text, 'null') {_row_source(world, table, row, cell.command)}"
                )
            work.append((cell, row, exprs))
        if not statements:
            continue
        outcomes = iter(run_as(conn, persona, world.user_ids.get(persona.name), statements))
        for cell, row, exprs in work:
            culprits = [p.name for p, _ in exprs if (next(outcomes).value or "") == "true"]
            if culprits:
                cell.details.append(
                    f"{row.label} let through by policy " + ", ".join(repr(n) for n in culprits)
                )
                if len(culprits) < len(exprs):
                    widened.setdefault((cell.table, cell.command), set()).update(culprits)
    for (table, command), names in sorted(widened.items()):
        report.findings.append(Finding(
            table, "policy-widens", "error",
            f"permissive {command} polic{'ies' if len(names) > 1 else 'y'} "
            f"{', '.join(repr(n) for n in sorted(names))} widen{'' if len(names) > 1 else 's'} "
            f"what the other {command} policies allow (permissive policies are OR-ed)",
            "make the policy restrictive (`as: restrictive`) or narrow its expression",
        ))

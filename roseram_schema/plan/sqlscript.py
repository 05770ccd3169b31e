"""A plan as one SQL script (`plan --format sql`, Plan.to_sql): the enum values committed
first, the transactional part between BEGIN and COMMIT, the CONCURRENTLY statements after
COMMIT; each statement under a `--` line saying what it does, where it comes from and its
hazards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model.sqltext import comment_line

if TYPE_CHECKING:  # model.py imports this module (Plan.to_sql)
    from .model import Plan, PlanStatement


def plan_sql(plan: Plan) -> str:
    """The plan as one SQL script (deterministic: the same plan gives the same bytes)."""
    outside = plan.non_transactional_statements
    out = [f"-- roseram-schema plan: {len(plan.statements)} statement(s)"
           + (f", {len(outside)} outside the transaction" if outside else "") + "\n",
           f"-- from: {comment_line(plan.from_fingerprint)}\n",
           f"-- to:   {comment_line(plan.to_fingerprint)}\n"]
    if not plan.statements:
        out.append("-- no changes\n")
        return "".join(out)
    first, inside = plan.first_statements, plan.transactional_statements
    if first:
        out.append("-- new enum values are committed first: PostgreSQL does not let the transaction that "
                   "adds a value use it\nBEGIN;\n")
        out += map(_statement, first)
        out.append("\nCOMMIT;\n\n")
    if inside:
        out.append("BEGIN;\n-- function bodies are checked when they run, not when created: they may name "
                   "tables created later in this script\nSET LOCAL check_function_bodies = off;\n")
        out += map(_statement, inside)
        out.append("\nCOMMIT;\n")
    if outside:
        out.append("\n-- outside the transaction: CONCURRENTLY cannot run inside one; each statement can "
                   "be re-run\n")
        out += map(_statement, outside)
    return "".join(out)


def _statement(s: PlanStatement) -> str:
    """One statement with its comment lines, after a blank line."""
    lines = [f"\n-- {comment_line(s.summary)}" + (f" ({comment_line(s.origin)})" if s.origin else "") + "\n"]
    lines += [f"-- hazard: {comment_line(h.name)}" + (" (blocking)" if h.blocking else "")
              + f": {comment_line(h.message)}\n" for h in s.hazards]
    lines.append(f"{s.sql};\n")
    return "".join(lines)

"""A plan as migration files: plain SQL that psql -f and the Supabase CLI's `db push` run.

No transaction control and no psql meta-command is written: `migrate apply` (and `db push`)
run each file in a transaction of their own. Two plan parts cannot share that transaction:
- new enum values (ALTER TYPE ... ADD VALUE): a transaction may not use a value it added,
  so they get a file of their own, written just before the main one;
- CREATE INDEX CONCURRENTLY: never written. The plan is made against a scratch database,
  whose tables are empty, so indexes are built plainly (a blocking build); build a large
  table's index by hand, outside the migration files, when that matters.
"""

from __future__ import annotations

from ..errors import RoseramError
from ..plan.model import Plan
from ..model.sqltext import comment_line


def migration_texts(plan: Plan, slug: str, prelude=()) -> list[tuple[str, str]]:
    """(file name suffix, SQL text) of each file the plan needs, in order. `prelude`:
    (comment, SQL) statements put first in the main file (roles to create)."""
    if plan.non_transactional_statements:
        names = ", ".join(s.obj for s in plan.non_transactional_statements)
        raise RoseramError(f"the plan has statements that cannot run in a transaction ({names}): "
                           "migration files do not hold them")
    out = []
    if plan.first_statements:
        out.append((f"{slug}_enum_values", _file(plan, plan.first_statements, f"{slug} (enum values)",
                                                 "new enum values: a file of their own, since a transaction "
                                                 "may not use a value it adds", settings=False)))
    if plan.transactional_statements or prelude:
        out.append((slug, _file(plan, plan.transactional_statements, slug, None, settings=True, prelude=prelude)))
    return out


def _file(plan: Plan, statements, title: str, note: str | None, settings: bool, prelude=()) -> str:
    hazards = sorted({h.name for s in statements for h in s.hazards})
    count = len(statements) + len(prelude)
    lines = [f"-- roseram-schema migration {comment_line(title)}: {count} statement(s)",
             "-- written by `roseram-schema migrate diff` from the declarative source; roseram.sum holds its "
             "checksum: write a new migration rather than edit this one"]
    if note:
        lines.append(f"-- {note}")
    if hazards:
        lines.append(f"-- hazards: {comment_line(', '.join(hazards))}")
    lines.append(f"-- from: {comment_line(plan.from_fingerprint)}")
    lines.append(f"-- to:   {comment_line(plan.to_fingerprint)}")
    if settings:
        lines += ["", "-- function bodies are checked when they run, not when created: they may name tables "
                      "created later in this file", "SET check_function_bodies = off;"]
    for comment, sql in prelude:
        lines += ["", f"-- {comment_line(comment)}", f"{sql};"]
    for s in statements:
        lines.append("")
        where = f" ({comment_line(s.origin)})" if s.origin else ""
        lines.append(f"-- {comment_line(s.summary)}{where}")
        for h in s.hazards:
            blocking = " (blocking)" if h.blocking else ""
            lines.append(f"-- hazard: {comment_line(h.name)}{blocking}: {comment_line(h.message)}")
        lines.append(f"{s.sql};")
    return "\n".join(lines) + "\n"


def missing_sql(plan: Plan) -> str:
    """The SQL a folder lacks to reach the source (what `migrate check` prints)."""
    return "".join(f"-- file {i}: <version>_{suffix}.sql\n{text}"
                   for i, (suffix, text) in enumerate(migration_texts(plan, "missing"), 1))

"""Plan renderers: plain text, a rich table, SQL, JSON and Markdown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from ..errors import UnknownFormat
from ..model.sqltext import terminal_text
from ..plan.model import plan_to_json
from ..plan.model import Plan, PlanStatement
from ..plan.sqlscript import plan_sql
from .env import environment

PLAN_FORMATS = ("text", "sql", "json", "markdown")


def render_plan(plan: Plan, fmt: str = "text") -> str:
    """The plan as text in one of PLAN_FORMATS (deterministic output)."""
    if fmt == "sql":
        return render_plan_sql(plan)
    if fmt == "json":
        return plan_to_json(plan)
    if fmt in ("markdown", "md"):
        return environment().get_template("plan.md.j2").render(
            plan=plan,
            outside=plan.non_transactional_statements,
            blocking=sorted({h.name for _, h in plan.blocking_hazards()}),
            sql=render_plan_sql(plan),
        )
    if fmt == "text":
        return render_plan_text(plan)
    raise UnknownFormat(f"unknown plan format {fmt!r}: use one of {', '.join(PLAN_FORMATS)}")


def render_plan_sql(plan: Plan) -> str:
    """The plan as one SQL script (plan/sqlscript.py), unmanaged objects named in comments."""
    sql = plan_sql(plan)
    if plan.unmanaged:
        sql += "".join(f"-- unmanaged (left as it is): {kind} {name}\n"
                       for kind, name in plan.unmanaged).replace("\r", " ")
    return sql


def render_plan_text(plan: Plan) -> str:
    """A plain, readable report: one numbered entry per statement with its hazards."""
    return "".join(plan_text_pieces(plan))


def plan_text_pieces(plan: Plan) -> Iterator[str]:
    """render_plan_text one statement at a time, for writing to a stream: holding the
    lines of a large plan's report and their join at once was a cold plan's memory peak."""
    if plan.empty:
        yield "No changes: the database matches the source.\n"
        yield from unmanaged_text(plan.unmanaged)
        return
    yield _headline(plan) + "\n\n"
    for n, s in enumerate(plan.statements, 1):
        where = f"  [{s.origin}]" if s.origin else ""
        outside = "  (outside the transaction)" if not s.transactional else ""
        lines = [f"{n:>3}. {s.summary}{where}{outside}"]
        lines += [f"       {sql_line}" for sql_line in s.sql.splitlines()]
        for h in s.hazards:
            mark = "!!" if h.blocking else "! "
            lines.append(f"     {mark} {h.name}: {h.message}")
        yield terminal_text("\n".join(lines) + "\n")
    blocked = sorted({h.name for _, h in plan.blocking_hazards()})
    if blocked:
        yield f"\napply needs --allow-hazards {','.join(blocked)}\n"
    yield from unmanaged_text(plan.unmanaged)


def unmanaged_text(unmanaged) -> Iterator[str]:
    """The section naming live objects the model does not know (nothing when none)."""
    if unmanaged:
        yield (f"\nUnmanaged: {len(unmanaged)} object(s) in the database that roseram-schema does not "
               "manage (left as they are, not compared):\n")
        yield terminal_text("".join(f"  - {kind} {name}\n" for kind, name in unmanaged))


def _headline(plan: Plan) -> str:
    n = len(plan.statements)
    outside = len(plan.non_transactional_statements)
    text = f"Plan: {n} statement{'s' if n != 1 else ''}"
    if outside:
        text += f" ({outside} outside the transaction)"
    hazards = plan.hazard_names()
    if hazards:
        text += f"; hazards: {', '.join(hazards)}"
    return text


def rich_plan(plan: Plan):
    """A rich renderable of the plan (a table), for the terminal (stderr)."""
    # lazy: rich only for the terminal; the machine formats never load it
    from rich.text import Text

    if plan.empty and not plan.unmanaged:
        return Text("No changes: the database matches the source.", style="green")
    if plan.empty:
        return Text("No changes: the database matches the source.\n" + "".join(unmanaged_text(plan.unmanaged)))
    table = _statement_table(enumerate(plan.statements, 1), _headline(plan))
    if not plan.unmanaged:
        return table
    from rich.console import Group  # lazy, as above

    return Group(table, Text("".join(unmanaged_text(plan.unmanaged))))


# apply shows the whole table up to this many statements; past it a summary, so building a
# schema from nothing does not scroll hundreds of rows by (`plan --format text` lists all)
FULL_LIST_LIMIT = 40
# a summary lists these statements one by one: what blocks apply, what locks out readers
_ALWAYS_LISTED = frozenset({"access_exclusive_lock"})
# objects whose creation makes the access statements about them part of "new" (counted only)
_CREATING = frozenset({"CreateSchema", "CreateTable", "CreateView", "CreateFunction", "CreatePartition"})
_DROPPING = frozenset({"DropTable", "DropView", "DropFunction"})


def notable_statements(plan: Plan) -> tuple[tuple[int, PlanStatement], ...]:
    """(number in the plan, statement) of what a summary must still show one by one:
    statements with a blocking hazard or an ACCESS EXCLUSIVE lock, and access changes
    (`changes_access`) on objects that exist before the plan. Access given to objects the
    plan creates is what the source declares for them; it is counted, not listed."""
    created = {s.obj for s in plan.statements if s.change in _CREATING}
    created -= {s.obj for s in plan.statements if s.change in _DROPPING}  # re-created ones existed

    def on_new_object(s: PlanStatement) -> bool:
        return any(s.obj == k or s.obj.startswith((f"{k}.", f"{k}:")) for k in created)

    out = []
    for n, s in enumerate(plan.statements, 1):
        names = {h.name for h in s.hazards}
        if (s.blocking_hazards or names & _ALWAYS_LISTED
                or ("changes_access" in names and not on_new_object(s))):
            out.append((n, s))
    return tuple(out)


def rich_plan_overview(plan: Plan, limit: int = FULL_LIST_LIMIT):
    """What apply shows before it runs: the full table (rich_plan) up to `limit` statements,
    else rich_plan_summary."""
    if len(plan.statements) <= limit:
        return rich_plan(plan)
    return rich_plan_summary(plan)


def rich_plan_summary(plan: Plan):
    """A rich renderable summing a long plan up: statements per change kind, statements per
    hazard, and the notable_statements in full. Deterministic (counts, then names)."""
    # lazy: rich only for the terminal; the machine formats never load it
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    if plan.empty:
        return rich_plan(plan)
    kinds = Table(expand=False)
    kinds.add_column("change")
    kinds.add_column("statements", justify="right")
    for kind, count in sorted(Counter(s.change for s in plan.statements).items(), key=lambda kc: (-kc[1], kc[0])):
        kinds.add_row(kind, str(count))
    parts: list = [Text(_headline(plan), style="bold"), kinds]
    per_hazard = Counter(h.name for s in plan.statements for h in {h.name: h for h in s.hazards}.values())
    if per_hazard:
        hazards = Table(expand=False)
        hazards.add_column("hazard")
        hazards.add_column("statements", justify="right")
        hazards.add_column("blocks apply")
        for name in plan.hazard_names():
            blocking = any(h.blocking for s in plan.statements for h in s.hazards if h.name == name)
            hazards.add_row(Text(name, style="bold red" if blocking else "yellow"), str(per_hazard[name]),
                            "yes" if blocking else "")
        parts.append(hazards)
    notable = notable_statements(plan)
    if notable:
        parts.append(_statement_table(notable, "Statements to review (blocking, locking, or changing access to "
                                               "existing objects)"))
    parts.append(Text(f"{len(plan.statements)} statements in all: `roseram-schema plan --format text` lists "
                      "every one.", style="dim"))
    return Group(*parts)


def _statement_table(numbered, title: str | None = None):
    # lazy: rich only for the terminal; the machine formats never load it
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("change")
    table.add_column("hazards")
    table.add_column("source", style="dim")
    for n, s in numbered:
        hazards = Text()
        for i, h in enumerate(s.hazards):
            if i:
                hazards.append("\n")
            hazards.append(h.name, style="bold red" if h.blocking else "yellow")
            hazards.append(f": {terminal_text(h.message)}")
        change = Text(terminal_text(s.summary))
        if not s.transactional:
            change.append(" (outside the transaction)", style="dim")
        table.add_row(str(n), change, hazards, str(s.origin) if s.origin else "")
    return table

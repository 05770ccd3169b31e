"""Plan renderers: plain text, a rich table, SQL, JSON and Markdown."""

from __future__ import annotations

from ..plan.json_io import plan_to_json
from ..plan.model import Plan
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
    from . import UnknownFormat

    raise UnknownFormat(f"unknown plan format {fmt!r}: use one of {', '.join(PLAN_FORMATS)}")


def render_plan_sql(plan: Plan) -> str:
    """The plan as one SQL script: the transactional part between BEGIN and COMMIT, hazards
    as `-- hazard:` comments, the CONCURRENTLY statements after COMMIT."""
    return environment().get_template("plan.sql.j2").render(
        plan=plan,
        first=plan.first_statements,
        inside=plan.transactional_statements,
        outside=plan.non_transactional_statements,
    )


def render_plan_text(plan: Plan) -> str:
    """A plain, readable report: one numbered entry per statement with its hazards."""
    if plan.empty:
        return "No changes: the database matches the source.\n"
    lines = [_headline(plan), ""]
    for n, s in enumerate(plan.statements, 1):
        where = f"  [{s.origin}]" if s.origin else ""
        outside = "  (outside the transaction)" if not s.transactional else ""
        lines.append(f"{n:>3}. {s.summary}{where}{outside}")
        for sql_line in s.sql.splitlines():
            lines.append(f"       {sql_line}")
        for h in s.hazards:
            mark = "!!" if h.blocking else "! "
            lines.append(f"     {mark} {h.name}: {h.message}")
    blocked = sorted({h.name for _, h in plan.blocking_hazards()})
    if blocked:
        lines += ["", f"apply needs --allow-hazards {','.join(blocked)}"]
    return "\n".join(lines) + "\n"


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
    from rich.table import Table
    from rich.text import Text

    if plan.empty:
        return Text("No changes: the database matches the source.", style="green")
    table = Table(title=_headline(plan), show_lines=False, expand=False)
    table.add_column("#", justify="right", style="dim")
    table.add_column("change")
    table.add_column("hazards")
    table.add_column("source", style="dim")
    for n, s in enumerate(plan.statements, 1):
        hazards = Text()
        for i, h in enumerate(s.hazards):
            if i:
                hazards.append("\n")
            hazards.append(h.name, style="bold red" if h.blocking else "yellow")
            hazards.append(f": {h.message}")
        change = Text(s.summary)
        if not s.transactional:
            change.append(" (outside the transaction)", style="dim")
        table.add_row(str(n), change, hazards, str(s.origin) if s.origin else "")
    return table

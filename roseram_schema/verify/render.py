"""Verify reports: a compact rich matrix (stderr), JSON and Markdown (stdout)."""

from __future__ import annotations

import json

from .checker import Report
from .probes import ALLOWED, BLOCKED, DENIED, ERROR, LEAK
from .spec import COMMANDS

# One character per command in the compact matrix: s/i/u/d when allowed, "-" when denied.
MARKS = {LEAK: "L", BLOCKED: "B", ERROR: "E"}
STYLES = {ALLOWED: "green", DENIED: "dim", LEAK: "bold white on red", BLOCKED: "bold black on yellow",
          ERROR: "bold white on magenta"}


def _index(report: Report) -> dict[tuple[str, str, str], object]:
    return {(c.table, c.persona, c.command): c for c in report.cells}


def summary_line(report: Report) -> str:
    """`verify: 1020 probes, 1020 passed, 0 failed, 0 error findings (2.1 s)`."""
    errors = sum(1 for f in report.findings if f.severity == "error")
    return (f"verify: {report.probes} probes, {report.passed} passed, {report.failed} failed, "
            f"{errors} error findings ({report.seconds:.1f} s)")


def summary_dict(report: Report) -> dict:
    """The `summary` object of the JSON report."""
    return {
        "probes": report.probes,
        "passed": report.passed,
        "failed": report.failed,
        "leaks": sum(1 for c in report.cells if c.verdict == LEAK),
        "blocked": sum(1 for c in report.cells if c.verdict == BLOCKED),
        "errors": sum(1 for c in report.cells if c.verdict == ERROR),
        "findings": len(report.findings),
        "error_findings": sum(1 for f in report.findings if f.severity == "error"),
        "ok": report.ok,
        "seconds": round(report.seconds, 3),
        "timings": dict(report.timings),
    }


def to_json(report: Report) -> str:
    """The JSON report: summary, personas, one entry per table/view with its cells, findings."""
    index = _index(report)
    objects = []
    for kind, keys, commands in (("table", report.tables, COMMANDS), ("view", report.views, ("select",))):
        for key in keys:
            cells = {}
            for persona in report.personas:
                cells[persona] = {
                    cmd: {"verdict": index[(key, persona, cmd)].verdict,
                          "details": index[(key, persona, cmd)].details}
                    for cmd in commands if (key, persona, cmd) in index
                }
            objects.append({"name": key, "kind": kind, "cells": cells})
    data = {
        "summary": summary_dict(report),
        "personas": list(report.personas),
        "tables": objects,
        "findings": [f.to_dict() for f in report.findings],
    }
    return json.dumps(data, indent=2, sort_keys=False) + "\n"


def _compact(index, key, persona, commands) -> list[tuple[str, str]]:
    parts = []
    for cmd in commands:
        cell = index.get((key, persona, cmd))
        if cell is None:
            parts.append((" ", "dim"))
            continue
        mark = MARKS.get(cell.verdict) or (cmd[0] if cell.verdict == ALLOWED else "-")
        parts.append((mark, STYLES[cell.verdict]))
    return parts


def print_text(report: Report, console) -> None:
    """The matrix (tables x personas, one letter per command), failures, findings, summary."""
    # lazy: rich only for the terminal; the API's reports never load it
    from rich.table import Table
    from rich.text import Text

    index = _index(report)
    grid = Table(title="isolation matrix: s/i/u/d allowed, - denied, L leak, B blocked, E error",
                 title_justify="left", show_lines=False, pad_edge=False)
    grid.add_column("table / view", no_wrap=True)
    for persona in report.personas:
        grid.add_column(persona, no_wrap=True)
    for kind, keys, commands in (("table", report.tables, COMMANDS), ("view", report.views, ("select",))):
        for key in keys:
            row = [Text(key if kind == "table" else f"{key} (view)")]
            for persona in report.personas:
                text = Text()
                for mark, style in _compact(index, key, persona, commands):
                    text.append(mark, style=style)
                row.append(text)
            grid.add_row(*row)
    console.print(grid)
    for kind, keys, commands in (("table", report.tables, COMMANDS), ("view", report.views, ("select",))):
        for key in keys:
            if any(index[(key, p, c)].failed for p in report.personas for c in commands if (key, p, c) in index):
                console.print(_table_matrix(index, key, report.personas, commands))
    failing = [c for c in report.cells if c.failed]
    for cell in failing:
        console.print(Text.assemble((f"{cell.verdict:7}", STYLES[cell.verdict]),
                                    f" {cell.table} {cell.command} as {cell.persona}: ",
                                    "; ".join(cell.details)))
    for f in report.findings:
        style = {"error": "bold red", "warning": "yellow", "info": "dim"}[f.severity]
        console.print(Text.assemble((f"{f.severity:7}", style), f" {f.id} {f.location}: {f.message}",
                                    (f" (fix: {f.hint})" if f.hint else "", "dim")))
    console.print(Text(summary_line(report), style="bold green" if report.ok else "bold red"))


def _table_matrix(index, key, personas, commands):
    """The personas x commands matrix of one table, verdicts in words (failing tables only)."""
    # lazy: rich only for the terminal; the API's reports never load it
    from rich.table import Table
    from rich.text import Text

    grid = Table(title=key, title_justify="left")
    grid.add_column("persona")
    for cmd in commands:
        grid.add_column(cmd)
    for persona in personas:
        cells = [index.get((key, persona, cmd)) for cmd in commands]
        grid.add_row(persona, *[Text(c.verdict, style=STYLES[c.verdict]) if c else Text("") for c in cells])
    return grid


def to_markdown(report: Report) -> str:
    """One Markdown table per table/view (personas x commands), then failures and findings."""
    index = _index(report)
    lines = [f"# Isolation report", "", f"**{summary_line(report)}**", ""]
    for kind, keys, commands in (("table", report.tables, COMMANDS), ("view", report.views, ("select",))):
        for key in keys:
            lines += [f"## {key}" + (" (view)" if kind == "view" else ""), "",
                      "| persona | " + " | ".join(commands) + " |",
                      "|---|" + "---|" * len(commands)]
            for persona in report.personas:
                marks = []
                for cmd in commands:
                    cell = index.get((key, persona, cmd))
                    verdict = cell.verdict if cell else ""
                    marks.append(f"**{verdict}**" if cell and cell.failed else verdict)
                lines.append(f"| {persona} | " + " | ".join(marks) + " |")
            failing = [index[(key, p, c)] for p in report.personas for c in commands
                       if (key, p, c) in index and index[(key, p, c)].failed]
            if failing:
                lines.append("")
                lines += [f"- {c.verdict} {c.command} as {c.persona}: {'; '.join(c.details)}" for c in failing]
            lines.append("")
    if report.findings:
        lines += ["## Findings", "", "| severity | id | location | message | fix |", "|---|---|---|---|---|"]
        for f in report.findings:
            lines.append(f"| {f.severity} | {f.id} | {f.location} | {f.message} | {f.hint} |")
        lines.append("")
    return "\n".join(lines)

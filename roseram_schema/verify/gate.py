"""`apply --verify`: prove the source's contracts on the desired state before applying it.

The check is exactly `verify --project P --dev-db D` (a scratch database on the dev server,
built from the source and probed there); the target database is not read or written, so a
refusal leaves it as it was.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import IsolationFailure


def failure_lines(report) -> list[str]:
    """The failing cells and error findings, one line each, as `verify`'s text output
    prints them."""
    lines = [f"{c.verdict:7} {c.table} {c.command} as {c.persona}: " + "; ".join(c.details)
             for c in report.cells if c.failed]
    lines += [f"{f.severity:7} {f.id} {f.location}: {f.message}"
              for f in report.findings if f.severity == "error"]
    return lines


def verify_before_apply(project_dir: Path, dev):
    """Run the project's verify on its desired state; return the Report when every contract
    holds, else raise IsolationFailure (exit 4) listing what failed. `dev`: a URL, a
    context.DevServer or a fleet's SharedDev."""
    from ..cli.commands.verify import verify_project
    from .render import summary_line

    report = verify_project(Path(project_dir), None, dev if isinstance(dev, str) else dev.url())
    if report.ok:
        return report
    raise IsolationFailure(
        "apply --verify: the source does not hold its contracts; nothing applied\n"
        + "\n".join(failure_lines(report)) + "\n" + summary_line(report)
        + "\n(the whole matrix: `roseram-schema verify`)")

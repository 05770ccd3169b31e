"""The checks `apply` runs before it touches the target: lint (always) and verify (asked).

- lint_errors: apply refuses a source whose lint has error-severity findings. Policy
  recursion fails every query on the tables involved, and RLS off on an exposed table gives
  every granted role every row: neither should reach a database because nobody ran `lint`.
  `--allow-hazards lint_errors` applies anyway.
- `apply --verify`: the source's contracts are proved on its desired state first, exactly as
  `verify --project P --dev-db D` does (a scratch database on the dev server, built from the
  source and probed there); the target database is not read or written, so a refusal leaves
  it as it was.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import IsolationFailure
from ..lint import sqlrefs
from ..lint.rules import lint_catalog
from ..plan.model import Hazard
from ..verify.render import summary_line
from ..verify.spec import load_spec
from .verify import verify_project


def lint_error_hazards(project, desired=None) -> tuple[Hazard, ...]:
    """One lint_errors hazard per error-severity finding of the project's source (as
    `roseram-schema lint` reports them: against the project's contracts when it has any).
    A source with script files is linted as its desired state `desired` (what the scripts
    made exists only there), as lint does."""
    catalog = desired if project.scripts and desired is not None else project.catalog
    # without the anchors (derived from the contracts, slow on large projects): the one
    # rule that needs them, policy-leaves-owner, only ever warns
    findings = lint_catalog(catalog, load_spec(project), None)
    # the parsed policy trees are not needed past the check, and are large on a big project
    sqlrefs.parse_expression.cache_clear()
    sqlrefs.parse_query.cache_clear()
    return tuple(Hazard("lint_errors", f"{f.location}: {f.id}: {f.message}")
                 for f in findings if f.severity == "error")


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
    server.dev.DevServer or a fleet's SharedDev."""
    report = verify_project(Path(project_dir), None, dev)
    if report.ok:
        return report
    raise IsolationFailure(
        "apply --verify: the source does not hold its contracts; nothing applied\n"
        + "\n".join(failure_lines(report)) + "\n" + summary_line(report)
        + "\n(the whole matrix: `roseram-schema verify`)")

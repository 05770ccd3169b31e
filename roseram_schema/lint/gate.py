"""The `lint_errors` hazard: apply refuses a source whose lint has error-severity findings.

Policy recursion fails every query on the tables involved, and RLS off on an exposed table
gives every granted role every row: neither should reach a database because nobody ran
`lint`. `--allow-hazards lint_errors` applies anyway.
"""

from __future__ import annotations

from ..plan.model import Hazard


def lint_error_hazards(project) -> tuple[Hazard, ...]:
    """One lint_errors hazard per error-severity finding of the project's source (as
    `roseram-schema lint` reports them: against the project's contracts when it has any)."""
    from ..cli.commands.verify import load_spec
    from . import sqlrefs
    from .rules import lint_catalog

    # without the anchors (derived from the contracts, slow on large projects): the one
    # rule that needs them, policy-leaves-owner, only ever warns
    findings = lint_catalog(project.catalog, load_spec(project), None)
    # the parsed policy trees are not needed past the check, and are large on a big project
    sqlrefs.parse_expression.cache_clear()
    sqlrefs.parse_query.cache_clear()
    return tuple(Hazard("lint_errors", f"{f.location}: {f.id}: {f.message}")
                 for f in findings if f.severity == "error")

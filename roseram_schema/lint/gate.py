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
    from ..commands.verify import load_spec
    from ..verify.anchors import derive_anchors
    from .rules import lint_catalog

    catalog = project.catalog
    spec = load_spec(project)
    findings = lint_catalog(catalog, spec, derive_anchors(catalog, spec))
    return tuple(Hazard("lint_errors", f"{f.location}: {f.id}: {f.message}")
                 for f in findings if f.severity == "error")

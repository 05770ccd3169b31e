"""`verify --infer`: the contract that matches what was observed, in the contract format.

For each table and command, the observed accesses are a set of (persona, row) pairs. Each
candidate category (and `own & <rank>+` pairs) defines such a set too; the smallest union of
candidates that stays inside the observation and covers it is the inferred contract. When no
union matches exactly, the closest one is printed with a comment saying what it misses.
"""

from __future__ import annotations

from .categories import clause_holds
from .checker import Report
from .spec import COMMANDS, Clause


def _candidates(report: Report, key: str) -> list[Clause]:
    world = report.world
    ten = world.spec.tenancy
    a = world.anchors[key]
    atoms: list[Clause] = [frozenset({"anyone"}), frozenset({"signed_in"})]
    if a.public:
        atoms.append(frozenset({"public"}))
    ranks = [frozenset({"tenant"})] + [frozenset({f"{r}+"}) for r in ten.ranks] if a.tenant else []
    own = [frozenset({"own"})] if a.owner else []
    # on the tenants table the owner is also the top rank: say it with the rank
    atoms += ranks + own if a.kind == "tenants" else own + ranks
    if a.public:
        atoms.append(frozenset({"public", "signed_in"}))
    if a.owner and a.tenant:
        atoms.append(frozenset({"own", "tenant"}))
        atoms += [frozenset({"own", f"{r}+"}) for r in ten.ranks]
    return atoms


def infer_command(report: Report, key: str, command: str) -> tuple[list[Clause], int]:
    """(clauses, number of observed accesses they miss) for one table and command."""
    world = report.world
    ten = world.spec.tenancy
    personas = [p for p in world.spec.personas if not p.bypass]
    observed = set()
    universe = set()
    for cell in report.cells:
        if cell.table != key or cell.command != command:
            continue
        persona = world.spec.persona(cell.persona)
        if persona.bypass:
            continue
        for row, accepted in cell.observations:
            universe.add((persona.name, id(row)))
            if accepted:
                observed.add((persona.name, id(row)))
    rows = {}
    for cell in report.cells:
        if cell.table == key and cell.command == command:
            for row, _ in cell.observations:
                rows[(cell.persona, id(row))] = row
    chosen: list[Clause] = []
    covered: set = set()
    for clause in _candidates(report, key):
        hits = {
            (p.name, rid) for p in personas for (pn, rid), row in rows.items()
            if pn == p.name and clause_holds(clause, p, row, ten)
        }
        if hits and hits <= observed and not hits <= covered:
            chosen = [c for c in chosen if not _subsumes(clause, c, personas, rows, ten)]
            chosen.append(clause)
            covered |= hits
    return chosen, len(observed - covered)


def _subsumes(big: Clause, small: Clause, personas, rows, ten) -> bool:
    for p in personas:
        for (pn, _), row in rows.items():
            if pn == p.name and clause_holds(small, p, row, ten) and not clause_holds(big, p, row, ten):
                return False
    return True


def _clause_text(clause: Clause) -> str:
    order = ["anyone", "public", "signed_in", "own", "tenant"]
    return " & ".join(sorted(clause, key=lambda a: (order.index(a) if a in order else 9, a)))


def infer_contracts(report: Report) -> str:
    """YAML text: per table, a `contract:` line ready for policies/<schema>/<table>.yaml."""
    lines = ["# Observed access, as contracts (verify --infer). Review before saving."]
    for key in report.tables:
        parts = []
        notes = []
        for command in COMMANDS:
            clauses, missed = infer_command(report, key, command)
            if missed:
                notes.append(f"{command}: {missed} observed accesses fit no category")
            if not clauses:
                continue
            texts = [_clause_text(c) for c in clauses]
            parts.append(f"{command}: " + (texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"))
        schema, name = key.split(".", 1)
        lines.append(f"# policies/{schema}/{name}.yaml")
        for note in notes:
            lines.append(f"#   not exact, {note}")
        lines.append("contract: {" + ", ".join(parts) + "}")
    return "\n".join(lines) + "\n"

"""Whether a row falls in a contract's categories for a persona (docs/verify.md)."""

from __future__ import annotations

from .seed import Row
from .spec import Clause, Contract, Persona, Tenancy, rank_index


def atom_holds(atom: str, persona: Persona, row: Row, tenancy: Tenancy) -> bool:
    """One category (`own`, `editor+`, `public`, ...) for one persona and row."""
    if atom == "anyone":
        return True
    if atom == "none":
        return False
    if atom == "signed_in":
        return persona.user
    if atom == "public":
        return bool(row.public)
    if atom == "own":
        return persona.user and row.owner == persona.name
    # judged per tenant: a persona may be a member of A and an editor of B
    rank = persona.rank_in(row.tenant)
    same_tenant = row.tenant is not None and row.tenant in persona.tenant_labels()
    if atom == "tenant":
        return same_tenant
    if atom.endswith("+"):
        return same_tenant and rank_index(tenancy, rank) <= rank_index(tenancy, atom[:-1])
    return same_tenant and rank == atom


def clause_holds(clause: Clause, persona: Persona, row: Row, tenancy: Tenancy) -> bool:
    """True when every atom of the clause holds (`own & member+`)."""
    return all(atom_holds(a, persona, row, tenancy) for a in clause)


def allowed(contract: Contract | None, command: str, persona: Persona, row: Row, tenancy: Tenancy) -> bool:
    """True when the contract lets the persona reach this row with this command."""
    if persona.bypass:
        return True
    if contract is None:
        return False
    return any(clause_holds(c, persona, row, tenancy) for c in contract.clauses(command))

"""Where domain, composite type and sequence changes go in a plan (see order.py).

Created after enums and before functions and tables (which use them: a column's type, a
default's nextval()); a sequence's OWNED BY once its column exists (OWNED BY NONE before a
column that would take the sequence with it is dropped); drops last, after every column,
function and view that used them is gone.
"""

from __future__ import annotations

from ..diff import changes as ch
from ..diff import types as dt
from ..model import Catalog

TYPE_PHASES = {
    "CreateDomain": 152,
    "ReplaceDomain": 152,
    "CreateCompositeType": 153,
    "ReplaceCompositeType": 153,
    "RenameSequence": 172,  # after its table is renamed
    "CreateSequence": 154,
    "AlterSequence": 155,
    "AlterDomain": 156,
    "AlterCompositeType": 157,
    "SetSequenceOwner-": 45,
    "SetSequenceOwner": 188,
    "DropSequence": 275,
    "DropDomain": 276,
    "DropCompositeType": 277,
}


def type_phase_name(change: ch.Change) -> str | None:
    """The TYPE_PHASES name of a change of this module's kinds, else None."""
    if isinstance(change, dt.SetSequenceOwner) and change.sequence.owned_by is None:
        return "SetSequenceOwner-"
    return change.kind if change.kind in TYPE_PHASES else None


def _names(text: str) -> str:
    return text.removesuffix("[]")


def type_edges(changes: list[ch.Change], current: Catalog, desired: Catalog, edges: set) -> None:
    """Edges among these changes and with the tables and columns they serve."""
    made = {}
    for i, c in enumerate(changes):
        if isinstance(c, (dt.CreateDomain, dt.ReplaceDomain, dt.CreateCompositeType, dt.ReplaceCompositeType)):
            made[c.key] = i
    # a type or domain that names another new one waits for it
    for i, c in enumerate(changes):
        refs = ()
        if isinstance(c, (dt.CreateCompositeType, dt.ReplaceCompositeType, dt.AlterCompositeType)):
            t = c.type if isinstance(c, dt.CreateCompositeType) else c.new
            refs = [_names(a.type) for a in t.attributes]
        elif isinstance(c, (dt.CreateDomain, dt.ReplaceDomain)):
            refs = [_names((c.domain if isinstance(c, dt.CreateDomain) else c.new).base_type)]
        for ref in refs:
            key = ref if "." in ref else f"public.{ref}"
            if key in made and made[key] != i:
                edges.add((made[key], i))
    # a dropped type or domain goes after the dropped ones that name it
    drops = {c.key: i for i, c in enumerate(changes) if isinstance(c, (dt.DropDomain, dt.DropCompositeType))}
    for key, i in drops.items():
        for user in dt.type_users(current, key):
            user_type = user.removesuffix("[]").rsplit(".", 1)[0] if user.count(".") == 2 else user
            if user_type in drops and drops[user_type] != i:
                edges.add((drops[user_type], i))
    sequences = {s.key: s for s in desired.sequences}
    creates = {c.key: i for i, c in enumerate(changes) if isinstance(c, dt.CreateSequence)}
    table_made = {}
    for i, c in enumerate(changes):
        if isinstance(c, (ch.CreateTable, ch.RenameTable)):
            table_made.setdefault(c.table_key, []).append(i)
        elif isinstance(c, (ch.AddColumn, ch.RenameColumn, ch.AlterColumnIdentity)):
            table_made.setdefault(c.table_key, []).append(i)
    for i, c in enumerate(changes):
        if isinstance(c, dt.SetSequenceOwner):
            if c.key in creates:
                edges.add((creates[c.key], i))
            for j in table_made.get(c.owner_table or "", []):
                edges.add((j, i))
        # grants, revokes and comments on a sequence come after it exists: its own CREATE,
        # or the table and column that make it
        if isinstance(c, (ch.Grant, ch.Revoke, ch.SetComment)) and c.object_kind == "sequence":
            if c.object_key in creates:
                edges.add((creates[c.object_key], i))
            seq = sequences.get(c.object_key)
            if seq is not None and seq.owned_by:
                for j in table_made.get(f"{seq.schema}.{seq.owned_by.partition('.')[0]}", []):
                    edges.add((j, i))

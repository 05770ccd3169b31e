"""Changes of the object kinds Supabase-style schemas add: replica identity, publications
(kept apart from changes.py, which holds the original kinds; same conventions)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Origin
from .changes import Change, _TableChange


@dataclass(frozen=True)
class SetReplicaIdentity(_TableChange):
    """ALTER TABLE ... REPLICA IDENTITY DEFAULT | FULL | NOTHING | USING INDEX i."""

    schema: str
    table: str
    identity: str  # model text: "default", "full", "nothing", "index <name>"
    old_identity: str = "default"
    origin_: Origin | None = None

    @property
    def key(self) -> str:
        return self.table_key

    @property
    def origin(self) -> Origin | None:
        return self.origin_

    def describe(self) -> str:
        return f"set replica identity of {self.table_key} to {self.identity}"

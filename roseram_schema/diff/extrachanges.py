"""Changes of the object kinds Supabase-style schemas add: replica identity, publications
(kept apart from changes.py, which holds the original kinds; same conventions)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Origin
from ..model import Publication
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


@dataclass(frozen=True)
class CreatePublication(Change):
    """CREATE PUBLICATION with its tables and options."""

    publication: Publication

    @property
    def key(self) -> str:
        return f"publication {self.publication.name}"

    @property
    def origin(self) -> Origin | None:
        return self.publication.origin

    def describe(self) -> str:
        return f"create publication {self.publication.name}"


@dataclass(frozen=True)
class DropPublication(Change):
    """DROP PUBLICATION (never a platform one)."""

    publication: Publication

    @property
    def key(self) -> str:
        return f"publication {self.publication.name}"

    def describe(self) -> str:
        return f"drop publication {self.publication.name}"


@dataclass(frozen=True)
class AlterPublicationOptions(Change):
    """ALTER PUBLICATION p SET (publish = ..., publish_via_partition_root = ...)."""

    publication: Publication
    old: Publication

    @property
    def key(self) -> str:
        return f"publication {self.publication.name}"

    @property
    def origin(self) -> Origin | None:
        return self.publication.origin

    def describe(self) -> str:
        return f"set the options of publication {self.publication.name}"


@dataclass(frozen=True)
class AddPublicationTable(_TableChange):
    """ALTER PUBLICATION p ADD TABLE t."""

    schema: str
    table: str
    publication: str
    origin_: Origin | None = None

    @property
    def key(self) -> str:
        return f"publication {self.publication}: {self.table_key}"

    @property
    def origin(self) -> Origin | None:
        return self.origin_

    def describe(self) -> str:
        return f"add {self.table_key} to publication {self.publication}"


@dataclass(frozen=True)
class DropPublicationTable(_TableChange):
    """ALTER PUBLICATION p DROP TABLE t."""

    schema: str
    table: str
    publication: str

    @property
    def key(self) -> str:
        return f"publication {self.publication}: {self.table_key}"

    def describe(self) -> str:
        return f"drop {self.table_key} from publication {self.publication}"

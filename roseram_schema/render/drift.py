"""Drift reports: every object where the database differs from the source.

Formats: text, json, markdown, github (GitHub Actions `::error file=...,line=...::`
annotations at the source line that declares the drifted object).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from ..diff import changes as ch
from ..diff import extrachanges as xch
from ..errors import Origin, UnknownFormat
from ..model.sqltext import terminal_text
from .env import environment
from .typedrift import type_sides

DRIFT_FORMATS = ("text", "json", "markdown", "github")


@dataclass(frozen=True)
class DriftItem:
    """One drifted object: what the source says and what the database has."""

    object: str
    kind: str
    summary: str
    source: str | None
    database: str | None
    origin: Origin | None


def _policy_text(p) -> str:
    parts = [f"{'permissive' if p.permissive else 'restrictive'} {p.command} to {', '.join(p.roles)}"]
    if p.using is not None:
        parts.append(f"using ({p.using})")
    if p.with_check is not None:
        parts.append(f"with check ({p.with_check})")
    return " ".join(parts)


def _sides(c: ch.Change) -> tuple[str | None, str | None]:
    """(what the source says, what the database has) for one change."""
    missing, extra = "(missing)", "(not in the source)"
    if isinstance(c, ch.CreateTable):
        return f"table with {len(c.definition.columns)} column(s)", missing
    if isinstance(c, ch.DropTable):
        return extra, f"table with {len(c.definition.columns)} column(s)"
    if isinstance(c, ch.AddColumn):
        return c.column.type, missing
    if isinstance(c, ch.DropColumn):
        return extra, c.column.type
    if isinstance(c, ch.AlterColumnType):
        return c.column.type, c.old_type
    if isinstance(c, ch.AlterColumnNullability):
        return ("null" if c.column.nullable else "not null"), ("not null" if c.column.nullable else "null")
    if isinstance(c, ch.AlterColumnDefault):
        return c.column.default or "(no default)", c.old_default or "(no default)"
    if isinstance(c, ch.AlterColumnIdentity):
        return c.column.identity or "(no identity)", c.old_identity or "(no identity)"
    if isinstance(c, ch.AlterColumnGenerated):
        return c.column.generated or "(not generated)", c.old_generated or "(not generated)"
    if isinstance(c, ch.SetRowSecurity):
        return ("rls enabled", "rls disabled") if c.enabled else ("rls disabled", "rls enabled")
    if isinstance(c, ch.SetForceRowSecurity):
        return ("rls forced", "rls not forced") if c.forced else ("rls not forced", "rls forced")
    if isinstance(c, ch.CreatePolicy):
        return _policy_text(c.policy), missing
    if isinstance(c, ch.DropPolicy):
        return extra, _policy_text(c.policy)
    if isinstance(c, ch.AlterPolicy):
        return _policy_text(c.new), _policy_text(c.old)
    if isinstance(c, ch.ReplaceView):
        return c.new.query, c.old.query
    if isinstance(c, ch.CreateView):
        return c.view.query, missing
    if isinstance(c, ch.DropView):
        return ("(changed, see its re-creation)" if c.recreated else extra), c.view.query
    if isinstance(c, (ch.AddConstraint, ch.CreateIndex, ch.CreateFunction, ch.CreateTrigger,
                      ch.CreateEnum, ch.CreateSchema, ch.CreateExtension, ch.CreatePartition)):
        return "declared", missing
    if isinstance(c, (ch.DropConstraint, ch.DropIndex, ch.DropFunction, ch.DropTrigger, ch.DropPartition)):
        return extra, "present"
    if isinstance(c, ch.ReplaceFunction):
        return "declared definition", "a different definition"
    if isinstance(c, ch.Grant):
        return f"{c.grantee}: {', '.join(c.privileges)}", missing
    if isinstance(c, ch.Revoke):
        return extra, f"{c.grantee}: {', '.join(c.privileges)}"
    if isinstance(c, ch.SetComment):
        return c.comment or "(no comment)", c.old_comment or "(no comment)"
    if isinstance(c, ch.AddEnumValue):
        return c.value, missing
    if isinstance(c, xch.CreatePublication):
        return "declared", missing
    if isinstance(c, xch.DropPublication):
        return extra, "present"
    if isinstance(c, xch.AddPublicationTable):
        return f"in publication {c.publication}", "not in it"
    if isinstance(c, xch.DropPublicationTable):
        return f"not in publication {c.publication}", "in it"
    if isinstance(c, xch.AlterPublicationOptions):
        return (f"publish {', '.join(c.publication.publish)}, via root {c.publication.via_root}",
                f"publish {', '.join(c.old.publish)}, via root {c.old.via_root}")
    if isinstance(c, xch.SetReplicaIdentity):
        return f"replica identity {c.identity}", f"replica identity {c.old_identity}"
    if isinstance(c, (ch.RenameTable, ch.RenameColumn)):
        return c.describe(), "old name"
    return type_sides(c)


def drift_items(changes, origins=None, invalid_indexes=frozenset()) -> tuple[DriftItem, ...]:
    """One DriftItem per change, in the diff's order. `origins(change)` may supply origins;
    `invalid_indexes` are the keys of the indexes the database has but marked INVALID (the
    inspector does not read them, so the diff says they are missing)."""
    items = []
    for c in changes:
        source, database = _sides(c)
        if isinstance(c, ch.CreateIndex) and c.key in invalid_indexes:
            database = (f"index {c.key} exists but is INVALID: a concurrent build failed; "
                        "apply rebuilds it")
        origin = origins(c) if origins else c.origin
        items.append(DriftItem(c.key, c.kind, c.describe(), source, database, origin))
    return tuple(items)


def _escape_annotation(text: str) -> str:
    # GitHub workflow commands: %, CR and LF must be escaped in the message
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_annotation(text).replace(":", "%3A").replace(",", "%2C")


def render_drift(changes, fmt: str = "text", *, origins=None, invalid_indexes=frozenset(),
                 unmanaged=()) -> str:
    """A drift report of `changes` (from diff_catalogs(live, desired)) in DRIFT_FORMATS."""
    return render_drift_items(drift_items(changes, origins, invalid_indexes), fmt, unmanaged)


def render_drift_items(items: tuple[DriftItem, ...], fmt: str = "text", unmanaged=()) -> str:
    """A drift report of `items` (drift_items) in DRIFT_FORMATS. `unmanaged`: (kind, name) of
    live objects the model does not know, named in a section of their own; they are not
    drift (the source cannot declare them), so the exit code does not count them."""
    text = _render_items(items, fmt, unmanaged)
    if fmt == "text" and unmanaged:
        text += terminal_text(
            f"\nUnmanaged: {len(unmanaged)} object(s) in the database that roseram-schema does not manage "
            "(left as they are, not compared):\n" + "".join(f"  - {kind} {name}\n" for kind, name in unmanaged))
    if fmt == "github":
        text += "".join(f"::warning title=unmanaged {_escape_property(kind)}::"
                        f"{_escape_annotation(f'{kind} {name} is not managed by roseram-schema')}\n"
                        for kind, name in unmanaged)
    return text


def _render_items(items: tuple[DriftItem, ...], fmt: str, unmanaged) -> str:
    if fmt == "json":
        data = {
            "version": 1,
            "drift": bool(items),
            "objects": [
                {**asdict(i), "origin": (
                    {"path": i.origin.path, "line": i.origin.line, "column": i.origin.column}
                    if i.origin else None)}
                for i in items
            ],
        }
        if unmanaged:
            data["unmanaged"] = [{"kind": kind, "name": name} for kind, name in unmanaged]
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt in ("markdown", "md"):
        return environment().get_template("drift.md.j2").render(items=items, unmanaged=unmanaged)
    if fmt == "github":
        lines = []
        for i in items:
            message = f"drift: {i.summary}"
            if i.source is not None or i.database is not None:
                message += f" (source: {i.source}; database: {i.database})"
            if i.origin:
                props = f"file={_escape_property(i.origin.path)}"
                if i.origin.line:
                    props += f",line={i.origin.line}"
                if i.origin.column:
                    props += f",col={i.origin.column}"
                props += f",title={_escape_property('schema drift: ' + i.object)}"
                lines.append(f"::error {props}::{_escape_annotation(message)}")
            else:
                lines.append(f"::error title={_escape_property('schema drift: ' + i.object)}::{_escape_annotation(message)}")
        if not items:
            lines.append("::notice::no drift: the database matches the source")
        return "\n".join(lines) + "\n"
    if fmt == "text":
        if not items:
            return "No drift: the database matches the source.\n"
        lines = [f"Drift: {len(items)} object(s) differ from the source", ""]
        for i in items:
            where = f"  [{i.origin}]" if i.origin else ""
            lines.append(f"- {i.summary}{where}")
            if i.source is not None or i.database is not None:
                lines.append(f"    source:   {i.source}")
                lines.append(f"    database: {i.database}")
        return terminal_text("\n".join(lines) + "\n")
    raise UnknownFormat(f"unknown drift format {fmt!r}: use one of {', '.join(DRIFT_FORMATS)}")

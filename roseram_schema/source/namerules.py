"""PostgreSQL's rules for names, checked on every name the source declares.

PostgreSQL cuts an identifier longer than NAMEDATALEN - 1 (63) bytes of UTF-8 to its first
63 bytes with only a NOTICE: two tables equal in their first 63 bytes would become one, and
a source name would never match the catalog's. A control character (a line break, a tab,
DEL, C1) in a name is never wanted and ends up in SQL text and comment lines. Both are
errors here, at the place the name is written, except a long name in a SQL file: there
PostgreSQL's own cut applies (as psql would), and only two names cut to one are an error.

Names given by pglast are already cut (its scanner is PostgreSQL's), so SQL files are
checked on their tokens (check_sql_identifiers); names from YAML keys, file and folder
names are checked on the loaded draft (check_names). The names naming.py generates follow
PostgreSQL's makeObjectName and are never longer than 63 bytes.
"""

from __future__ import annotations

from pglast.parser import scan

from ..model.sqltext import CONTROL, escape_controls
from .naming import NAMEDATALEN, _clip
from .positions import origin_at
from .problems import Problems

MAX_NAME_BYTES = NAMEDATALEN - 1
# an enum value is a literal, not a name: any character, but at most 63 bytes
LABEL = "enum value"


def shown(name: str) -> str:
    """A name as a message shows it: quoted, control characters escaped."""
    return "'" + escape_controls(name) + "'"


def truncated(name: str) -> str:
    """The name PostgreSQL keeps: the first 63 bytes, not splitting a character."""
    return _clip(name, MAX_NAME_BYTES)


def name_problem(name: str, kind: str = "") -> tuple[str, str] | None:
    """(message, hint) when `name` (of a `kind` of object: "table", "column" ...) breaks a
    rule, else None."""
    what = f"the {kind} name" if kind else "the name"
    m = CONTROL.search(name)
    if m and kind != LABEL:
        return (f"{what} {shown(name)} holds a control character ({escape_controls(m.group())})",
                "names cannot hold line breaks, tabs or other control characters")
    size = len(name.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        if kind == LABEL:
            return (f"the enum value {shown(name)} is {size} bytes long: PostgreSQL refuses values over "
                    f"{MAX_NAME_BYTES} bytes", f"shorten it to {MAX_NAME_BYTES} bytes or fewer")
        return (f"{what} {shown(name)} is {size} bytes long: PostgreSQL keeps {MAX_NAME_BYTES} "
                f"(NAMEDATALEN - 1) and would silently cut it to {shown(truncated(name))}",
                f"shorten it to {MAX_NAME_BYTES} bytes or fewer")
    return None


def check_sql_identifiers(path: str, text: str, problems: Problems) -> None:
    """Report every identifier of a SQL file that holds a control character, and long
    identifiers that PostgreSQL's cut would make one.

    A single name over 63 bytes is PostgreSQL's to cut, as psql would: the SQL a project
    publishes (basejump's policy names are 67 bytes) must load as it does there, and the
    model holds the cut name, which is the catalog's. Two different names of one file that
    become the same are an error at both. Run on the scanner's tokens, before pglast cuts
    the names; `text` parsed already, so scanning it does not fail.
    """
    long_names: dict[str, dict[str, list[int]]] = {}
    for token in scan(text):
        if token.name not in ("IDENT", "UIDENT"):
            continue
        raw = text[token.start:token.end + 1]
        if token.name == "UIDENT":
            name = raw[3:-1]  # U&"..." as written: its escapes are not decoded
        elif raw.startswith('"'):
            name = raw[1:-1].replace('""', '"')
        else:
            # PostgreSQL folds only ASCII letters of an unquoted name (UTF-8 database)
            name = "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in raw)
        found = name_problem(name)
        if found is None:
            continue
        if len(name.encode("utf-8")) > MAX_NAME_BYTES and not CONTROL.search(name):
            long_names.setdefault(truncated(name), {}).setdefault(name, []).append(token.start)
            continue
        problems.add(origin_at(path, text, token.start), shown(name), *found)
    for cut, originals in long_names.items():
        if len(originals) < 2:
            continue
        for name, starts in originals.items():
            message, hint = name_problem(name)
            others = ", ".join(shown(o) for o in originals if o != name)
            problems.add(origin_at(path, text, starts[0]), shown(name),
                         f"{message}, which is also what {others} becomes", hint)


def _suspect(name: str) -> bool:
    """A fast test that holds for every name name_problem rejects (control characters are
    not printable; a character is 4 bytes at most)."""
    if not name.isprintable():
        return True
    return len(name) > MAX_NAME_BYTES or (len(name) > 15 and not name.isascii()
                                          and len(name.encode("utf-8")) > MAX_NAME_BYTES)


class _Names:
    """Every declared name with its namespace (the names PostgreSQL keeps unique together),
    kind, origin and the object it names (parts of its key). With `keep` False only whether
    any name is suspect is noted: a project's tens of thousands of names are rarely wrong."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.suspect = False
        self.entries: list[tuple[tuple, str, str, object, tuple]] = []

    def add(self, namespace: tuple, kind: str, name: str | None, origin, obj: tuple) -> None:
        if not name:
            return
        if self.keep:
            self.entries.append((namespace, kind, name, origin, obj))
        elif not self.suspect and _suspect(name):
            self.suspect = True


def check_names(d) -> None:
    """Record a problem for every declared name of the draft `d` that is too long, holds a
    control character, or becomes another name of its namespace once cut to 63 bytes."""
    quick = _Names(keep=False)
    _collect(d, quick)
    if not quick.suspect:
        return
    names = _Names(keep=True)
    _collect(d, names)
    found = [(entry, problem) for entry in names.entries if (problem := name_problem(entry[2], entry[1]))]
    if not found:
        return
    # a name the SQL token check reported in the same file is not reported again
    reported = {(p.origin.path, p.obj) for p in d.problems.items if p.origin is not None}
    by_cut: dict[tuple, dict[str, list]] = {}
    for entry in names.entries:
        by_cut.setdefault(entry[0], {}).setdefault(truncated(entry[2]), []).append(entry)
    seen: set = set()
    for (namespace, kind, name, origin, obj), (message, hint) in found:
        if (name, origin) in seen:
            continue
        seen.add((name, origin))
        if origin is not None and (origin.path, shown(name)) in reported:
            continue
        others = [e for e in by_cut[namespace][truncated(name)] if e[2] != name]
        if others and kind != LABEL and not CONTROL.search(name):
            _, other_kind, other, other_origin, _ = min(others, key=lambda e: (str(e[3]), e[2]))
            message += f", which is also what the {other_kind} name {shown(other)} becomes"
            hint = f"that {other_kind} is declared at {other_origin}; " + hint
        d.problems.add(origin, _key(*obj), message, hint)


def _key(*parts: str) -> str:
    """An object's "schema.name" key for a message, control characters escaped."""
    return escape_controls(".".join(parts))


def _collect(d, names: _Names) -> None:
    schema_origins: dict[str, object] = {}
    for s in d.schemas.values():
        schema_origins.setdefault(s.name, s.origin)
    for store in (d.tables, d.views, d.functions, d.enums):
        for key in sorted(store):
            obj = store[key]
            schema_origins.setdefault(obj.schema, obj.origin)
    for name in sorted(schema_origins):
        names.add(("schema",), "schema", name, schema_origins[name], (name,))
    for r in d.roles.values():
        names.add(("role",), "role", r.name, r.origin, (r.name,))
    for e in d.extensions.values():
        names.add(("extension",), "extension", e.name, e.origin, (e.name,))
    for key in sorted(d.tables):
        _collect_table(d.tables[key], names)
    for key in sorted(d.views):
        v = d.views[key]
        relations = ("relation", v.schema)
        obj = (v.schema, v.name)
        names.add(relations, "view", v.name, v.origin, obj)
        for column in v.column_names:
            names.add(("column", v.key), "column", column, v.origin, obj)
        for i in v.indexes:
            names.add(relations, "index", i.name, i.origin or v.origin, obj)
        _collect_grants(v.grants, v.origin, obj, names)
    for key in sorted(d.functions):
        f = d.functions[key]
        obj = (f.schema, f.name)
        names.add(("function", f.schema), "function", f.name, f.origin, obj)
        _collect_grants(f.grants, f.origin, obj, names)
    for key in sorted(d.triggers):
        t = d.triggers[key]
        names.add(("trigger", t.schema, t.table), "trigger", t.name, t.origin, (t.schema, t.table))
    for key in sorted(d.enums):
        e = d.enums[key]
        obj = (e.schema, e.name)
        names.add(("type", e.schema), "type", e.name, e.origin, obj)
        for value in e.values:
            # a label is no identifier, but PostgreSQL refuses one over 63 bytes
            names.add(("label", e.key), LABEL, value, e.origin, obj)
    for s in d.schemas.values():
        _collect_grants(s.grants, s.origin, (s.name,), names)


def _collect_table(t, names: _Names) -> None:
    relations = ("relation", t.schema)
    obj = (t.schema, t.name)
    key = t.key
    columns, constraints, policies = ("column", key), ("constraint", key), ("policy", key)
    names.add(relations, "table", t.name, t.origin, obj)
    for c in t.columns:
        names.add(columns, "column", c.name, c.origin or t.origin, obj)
    pk = t.primary_key
    if pk is not None:
        names.add(relations, "constraint", pk.name, pk.origin or t.origin, obj)
    for c in t.uniques:  # index-backed: the index takes the name among the relations
        names.add(relations, "constraint", c.name, c.origin or t.origin, obj)
    for c in (*t.checks, *t.foreign_keys):
        names.add(constraints, "constraint", c.name, c.origin or t.origin, obj)
    for i in t.indexes:
        names.add(relations, "index", i.name, i.origin or t.origin, obj)
    for p in t.partitions:
        names.add(relations, "partition", p.name, p.origin or t.origin, obj)
    for p in t.policies:
        names.add(policies, "policy", p.name, p.origin or t.origin, obj)
        for role in p.roles:
            names.add(("grantee",), "role", role, p.origin or t.origin, obj)
    _collect_grants(t.grants, t.origin, obj, names)


def _collect_grants(grants, origin, obj: tuple, names: _Names) -> None:
    for g in grants:
        names.add(("grantee",), "role", g.grantee, g.origin or origin, obj)

"""An inspected Catalog as the files of a project: {relative path: text}.

Everything is written from the catalog alone, in sorted order, so the same database gives
byte-identical files. Texts are PostgreSQL's printed forms (schema-qualified: the
inspector reads with an empty search_path); SQL is put through pglast's prettifier when
the result parses to the same statement, else kept as PostgreSQL printed it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace

from pglast import parse_sql, prettify

from ..model import (TABLE_PRIVILEGES, Catalog, Column, Function, Grant, Table, View, qualify, quote_ident,
                     quote_literal)
from ..compile import ddl
from ..platform import is_platform_admin_role, is_platform_schema
from ..source.dump import _index, table_to_data
from ..model.sequences import column_sequences
from .typefiles import type_files
from .yamltext import Flow, FlowList, flow_if_plain, one_line, to_yaml

YAML_HEADER = "# Imported from a live database by `roseram-schema import`.\n"
SQL_HEADER = "-- Imported from a live database by `roseram-schema import`.\n"

_SERIAL_OF = {"integer": "serial", "bigint": "bigserial", "smallint": "smallserial"}


def project_files(catalog: Catalog, contracts: dict | None = None,
                  made_by_column: set[str] | None = None) -> dict[str, str]:
    """Every file of the project, by path relative to the project folder. `contracts`:
    {"schema.table": (contract data, notes)} from verify --infer, or None;
    `made_by_column`: column_sequences(catalog), when the caller has it already."""
    files: dict[str, str] = {"project.yaml": project_yaml(catalog)}
    places = _Places(catalog)
    partitions = {f"{t.schema}.{p.name}" for t in catalog.tables for p in t.partitions}
    if made_by_column is None:
        made_by_column = column_sequences(catalog)
    for table in catalog.tables:
        if table.key in partitions:
            continue  # declared in its parent's file
        folder, stem = places.place("schema", table.schema, table.name, ".yaml")
        files[f"schema/{folder}/{stem}.yaml"] = table_yaml(table, folder, stem, made_by_column)
        contract = (contracts or {}).get(table.key)
        files[f"policies/{folder}/{stem}.yaml"] = policies_yaml(table, folder, stem, contract)
    for view in catalog.views:
        folder, stem = places.place("views", view.schema, view.name, ".sql")
        files[f"views/{folder}/{stem}.sql"] = view_sql(view, folder, stem)
    by_schema: dict[str, list] = defaultdict(list)
    for function in catalog.functions:
        by_schema[function.schema].append(function)
    for schema, functions in by_schema.items():
        files[f"schema/{places.folder(schema)}/functions.sql"] = SQL_HEADER + "".join(
            "\n" + function_sql(f, catalog.grants_mode == "defaults") for f in functions)
    triggers: dict[str, list] = defaultdict(list)
    for trigger in catalog.triggers:
        if not is_platform_schema(trigger.schema):
            triggers[trigger.schema].append(trigger)
    for schema, items in triggers.items():
        # PostgreSQL prints a trigger on one line, with EXECUTE FUNCTION (pglast would
        # write the older EXECUTE PROCEDURE)
        files[f"schema/{places.folder(schema)}/triggers.sql"] = SQL_HEADER + "".join(
            "\n" + t.definition + ";\n" for t in items)
    files.update(type_files(catalog, places.folder, made_by_column))
    extras: dict[str, list] = defaultdict(list)
    for table in catalog.tables:
        for x in table.exclusions:
            extras[table.schema].append(f"ALTER TABLE {table.qualified} ADD CONSTRAINT {quote_ident(x.name)} "
                                        f"{x.definition};\n")
        if table.replica_identity != "default":
            extras[table.schema].append(ddl.set_replica_identity(table, table.replica_identity) + ";\n")
    for schema, items in extras.items():
        # the table YAML has no keys for these: SQL attaches them to the YAML's table
        files[f"schema/{places.folder(schema)}/table_extras.sql"] = SQL_HEADER + "".join("\n" + x for x in items)
    platform = platform_sql(catalog)
    if platform and catalog.schemas:
        home = "public" if any(s.name == "public" for s in catalog.schemas) else catalog.schemas[0].name
        files[f"schema/{places.folder(home)}/platform.sql"] = platform
    return dict(sorted(files.items()))


def platform_sql(catalog: Catalog) -> str:
    """The user's publications (their tables in supabase_realtime too) and own objects on
    platform tables (triggers on auth.users, policies and RLS switches on storage.objects),
    as SQL: the platform's tables and publications are not written, these are managed."""
    parts = []
    for publication in catalog.publications:
        if not publication.platform:
            parts.append(ddl.create_publication(publication) + ";\n")
        else:
            parts += [ddl.add_publication_table(publication.name, key) + ";\n" for key in publication.tables]
    for trigger in catalog.triggers:
        if is_platform_schema(trigger.schema):
            parts.append(trigger.definition + ";\n")
    for table in catalog.platform_tables:
        if table.rls_enabled:
            parts.append(ddl.enable_rls(table) + ";\n")
        if table.rls_forced:
            parts.append(ddl.force_rls(table) + ";\n")
        parts += [ddl.create_policy(table, p) + ";\n" for p in table.policies]
    return SQL_HEADER + "".join("\n" + p for p in parts) if parts else ""


# -- project.yaml -----------------------------------------------------------------------

def project_yaml(catalog: Catalog) -> str:
    data: dict = {}
    # the grant mode, when the files alone would not imply it (source/loader.py): a
    # database following its default privileges, or one whose objects hold no grant at all
    partitions = {f"{t.schema}.{p.name}" for t in catalog.tables for p in t.partitions}
    granted = any(t.grants for t in catalog.tables if t.key not in partitions) or any(v.grants for v in catalog.views)
    implied = "exact" if granted else "defaults"
    if catalog.grants_mode == "defaults" and (catalog.tables or catalog.views or catalog.functions) \
            or catalog.grants_mode != implied:
        data["grants"] = catalog.grants_mode
    schemas = []
    for s in catalog.schemas:
        entry: dict = {"name": s.name}
        # PostgreSQL's own comment on `public` is not the user's
        if s.comment is not None and not (s.name == "public" and s.comment == "standard public schema"):
            entry["comment"] = s.comment
        if s.grants:
            entry["grants"] = _grants(s.grants, ("create", "usage"))
        revokes = _public_revokes(s)
        if revokes:
            entry["revokes"] = revokes
        schemas.append(entry if len(entry) > 1 else s.name)
    data["schemas"] = schemas
    if catalog.extensions:
        data["extensions"] = [Flow(_drop_empty({"name": e.name, "schema": e.schema, "optional": e.optional}))
                              for e in catalog.extensions]
    roles = [r for r in catalog.roles if not is_platform_admin_role(r.name)]
    if roles:
        data["roles"] = [Flow(_drop_empty({"name": r.name, "login": r.login, "bypassrls": r.bypassrls}))
                         if (r.login or r.bypassrls) else r.name for r in roles]
    if catalog.default_privileges:
        data["default_privileges"] = [_default_privileges(d) for d in catalog.default_privileges]
    if catalog.enums:
        data["enums"] = {
            qualify(e.schema, e.name): (Flow({"values": FlowList(e.values), "comment": e.comment})
                                        if e.comment is not None else FlowList(e.values))
            for e in catalog.enums
        }
    return to_yaml(data, YAML_HEADER)


# Who may USE `public` where a project is built (PostgreSQL 15+ gives PUBLIC USAGE, the
# platform gives its roles USAGE): one the database does not let is written as `revokes:`.
_PUBLIC_SCHEMA_USERS = ("anon", "authenticated", "public", "service_role")


def _public_revokes(s) -> dict:
    if s.name != "public":
        return {}
    held = {g.grantee for g in s.grants if "usage" in g.privileges}
    return {grantee: FlowList(["usage"]) for grantee in _PUBLIC_SCHEMA_USERS if grantee not in held}


def _default_privileges(d) -> Flow:
    entry: dict = {}
    if d.role is not None:
        entry["role"] = d.role
    if d.schema is not None:
        entry["schema"] = d.schema
    entry["objects"] = d.objects
    for key, grants in (("grants", d.grants), ("revokes", d.revokes)):
        if grants:
            entry[key] = {g.grantee: FlowList(g.privileges) for g in grants}
    return Flow(entry)


# -- tables and policies ----------------------------------------------------------------

def table_yaml(table: Table, folder: str, stem: str, made_by_column: set[str] | None = None) -> str:
    """schema/<schema>/<table>.yaml; serial columns written as serial types (those whose
    sequence `made_by_column` names, when given: importer/typefiles.py)."""
    columns = tuple(_serial(table, c, made_by_column) for c in table.columns)
    if any(new is not old for new, old in zip(columns, table.columns)):
        table = replace(table, columns=columns)
    data = {**_names(folder, stem, table.schema, table.name, "table"), **table_to_data(table)}
    for c in table.columns:  # column privileges: `grants:` of the column
        if c.grants:
            entry = data["columns"][c.name]
            entry = dict(entry) if isinstance(entry, dict) else {"type": entry}
            entry["grants"] = Flow({g.grantee: FlowList(g.privileges) for g in c.grants})
            data["columns"][c.name] = entry
    data["columns"] = {name: flow_if_plain(v) if isinstance(v, dict) else v for name, v in data["columns"].items()}
    if "primary_key" in data:
        data["primary_key"] = flow_if_plain({"name": table.primary_key.name,
                                             "columns": list(table.primary_key.columns)})
    for key in ("unique", "checks", "foreign_keys", "indexes", "partitions"):
        if key in data:
            data[key] = [flow_if_plain(item) for item in data[key]]
    if table.grants:
        data["grants"] = _grants(table.grants, TABLE_PRIVILEGES)
    if table.revokes:  # grants: defaults mode: what the defaults give and the table lacks
        data["revokes"] = _grants(table.revokes, TABLE_PRIVILEGES)
    return to_yaml(data, YAML_HEADER)


def _flow_entry(item: dict) -> Flow:
    return Flow({k: FlowList(v) if isinstance(v, list) else v for k, v in item.items()})


def _serial(table: Table, column: Column, made_by_column: set[str] | None = None) -> Column:
    """`integer DEFAULT nextval('<table>_<col>_seq')` back to `serial`, which makes that
    sequence (the model has no sequences; a serial column owns its own)."""
    serial = _SERIAL_OF.get(column.type)
    if serial is None or column.identity or not column.default:
        return column
    sequence = qualify(table.schema, f"{table.name}_{column.name}_seq")
    if made_by_column is not None and f"{table.schema}.{table.name}_{column.name}_seq" not in made_by_column:
        return column  # a sequence of its own options: written in types.sql
    if column.default == f"nextval({quote_literal(sequence)}::regclass)":
        return replace(column, type=serial, default=None)
    return column


def policies_yaml(table: Table, folder: str, stem: str, contract) -> str:
    """policies/<schema>/<table>.yaml: the RLS switch, the policies, the contract."""
    data: dict = _names(folder, stem, table.schema, table.name, "table")
    if table.rls_enabled:
        data["rls"] = "forced" if table.rls_forced else "enabled"
    else:  # FORCE without ENABLE does nothing, and the source cannot say it: named as not imported
        data["rls"] = "disabled"
    if table.policies:
        data["policies"] = [_policy(p) for p in table.policies]
    header = YAML_HEADER
    if contract is not None:
        clauses, notes = contract
        data["contract"] = Flow({k: FlowList(v) if isinstance(v, list) else v for k, v in clauses.items()})
        header += "".join(f"# contract not exact, {note}\n" for note in notes)
    return to_yaml(data, header)


def _policy(p) -> dict:
    out: dict = {"name": p.name, "command": p.command, "roles": FlowList(p.roles)}
    if not p.permissive:
        out["as"] = "restrictive"
    for key in ("using", "with_check", "comment"):
        value = getattr(p, key)
        if value is not None:
            out[key] = value
    return out


def _grants(grants: tuple[Grant, ...], every: tuple[str, ...]) -> dict:
    """{grantee: [privileges] | all}, `all` when a grantee has every privilege of the kind."""
    out = {}
    for g in grants:
        if is_platform_admin_role(g.grantee):
            continue  # the platform's own (Supabase's postgres); a plan never revokes them
        # MAINTAIN (PostgreSQL 17+) cannot be said in the source: listed as not imported
        privileges = [p for p in g.privileges if p in every]
        if privileges:
            out[g.grantee] = "all" if set(privileges) == set(every) else FlowList(privileges)
    return out


# -- views ------------------------------------------------------------------------------

def view_sql(view: View, folder: str, stem: str) -> str:
    """views/<schema>/<view>.sql: `-- key: value` header lines, then the query."""
    header: list[tuple[str, object]] = list(_names(folder, stem, view.schema, view.name, "view").items())
    if view.materialized:
        header.append(("materialized", True))
    if view.security_invoker:
        header.append(("security_invoker", True))
    if view.security_barrier:
        header.append(("security_barrier", True))
    if view.check_option:
        header.append(("check_option", view.check_option))
    if view.column_names:
        header.append(("columns", FlowList(view.column_names)))
    if view.comment is not None:
        header.append(("comment", view.comment))
    if view.grants:
        header.append(("grants", Flow(_grants(view.grants, TABLE_PRIVILEGES))))
    if view.revokes:
        header.append(("revokes", Flow(_grants(view.revokes, TABLE_PRIVILEGES))))
    if view.indexes:
        header.append(("indexes", FlowList(_flow_entry(_index(i)) for i in view.indexes)))
    lines = [SQL_HEADER] + [f"-- {key}: {one_line(value)}\n" for key, value in header]
    # pg_get_viewdef's own layout (as psql's \d+ shows it): pglast would turn every
    # `x::type` into CAST(x AS type)
    return "".join(lines) + view.query.strip() + ";\n"


# -- functions --------------------------------------------------------------------------

def function_sql(f: Function, defaults: bool = False) -> str:
    """CREATE OR REPLACE, then its comment and the grants that differ from PostgreSQL's
    default (EXECUTE for PUBLIC); with `defaults` (grants: defaults mode), the REVOKEs and
    GRANTs of `f.revokes` and `f.grants`, the differences from the default privileges."""
    out = [pretty_sql(f.definition) + ";\n"]
    what = "PROCEDURE" if f.kind == "procedure" else "FUNCTION"
    if f.comment is not None:
        out.append(f"COMMENT ON {what} {f.signature} IS {quote_literal(f.comment)};\n")
    if defaults:
        out += [f"REVOKE EXECUTE ON {what} {f.signature} FROM {_grantee(g.grantee)};\n" for g in f.revokes]
        out += [f"GRANT EXECUTE ON {what} {f.signature} TO {_grantee(g.grantee)};\n" for g in f.grants]
        return "".join(out)
    grantees = {g.grantee for g in f.grants if "execute" in g.privileges and not is_platform_admin_role(g.grantee)}
    if "public" not in grantees:
        out.append(f"REVOKE EXECUTE ON {what} {f.signature} FROM PUBLIC;\n")
    for grantee in sorted(grantees - {"public"}):
        out.append(f"GRANT EXECUTE ON {what} {f.signature} TO {quote_ident(grantee)};\n")
    return "".join(out)


# -- helpers ----------------------------------------------------------------------------

def _grantee(name: str) -> str:
    return "PUBLIC" if name == "public" else quote_ident(name)


def pretty_sql(text: str) -> str:
    """`text` (one statement, no semicolon) through pglast's prettifier when that gives the
    same statement back, else as it is."""
    text = text.strip().rstrip(";").rstrip()
    try:
        pretty = prettify(text, comma_at_eoln=True)
        if parse_sql(pretty) == parse_sql(text):
            return pretty
    except Exception:  # noqa: BLE001 - a statement pglast cannot print is kept as printed
        pass
    return text


_UNSAFE_FILE = re.compile(r"[/\\\x00-\x1f\x7f]")


def _safe_stem(name: str) -> str:
    """A file name for an object: the name itself unless it cannot be one."""
    if _UNSAFE_FILE.search(name) or name.startswith("."):
        return _UNSAFE_FILE.sub("_", name).lstrip(".") or "_"
    return name


class _Places:
    """Folder and file names for schemas and objects, distinct even where file names are
    compared without case (macOS, Windows): an object whose name cannot be its file's
    name, or would collide, gets another, and the file names it (`schema:`, `table:`)."""

    def __init__(self, catalog: Catalog):
        used: set[str] = set()
        names = {s.name for s in catalog.schemas}
        for group in (catalog.tables, catalog.views, catalog.functions, catalog.triggers):
            names.update(o.schema for o in group)
        self.folders: dict[str, str] = {}
        for name in sorted(names):
            self.folders[name] = _distinct(_safe_stem(name), "", used)
        self.used: set[str] = set()

    def folder(self, schema: str) -> str:
        return self.folders[schema]

    def place(self, top: str, schema: str, name: str, ext: str) -> tuple[str, str]:
        folder = self.folders[schema]
        stem = _distinct(_safe_stem(name), f"{top}/{folder}/", self.used, ext)
        return folder, stem


def _distinct(stem: str, prefix: str, used: set[str], ext: str = "") -> str:
    candidate, n = stem, 1
    while f"{prefix}{candidate}{ext}".casefold() in used:
        n += 1
        candidate = f"{stem}~{n}"
    used.add(f"{prefix}{candidate}{ext}".casefold())
    return candidate


def _names(folder: str, stem: str, schema: str, name: str, key: str) -> dict:
    """The `schema:`/`table:` (or `view:`) keys a file needs when its path does not say."""
    out: dict = {}
    if folder != schema:
        out["schema"] = schema
    if stem != name:
        out[key] = name
    return out


def _drop_empty(d: dict) -> dict:
    return {k: v for k, v in d.items() if v not in (None, False, (), [])}

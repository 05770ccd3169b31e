"""JSON Schemas (draft 2020-12) of the project's YAML files, for editors and other tools.

The shipped files (`<kind>.schema.json` next to this module) are what `roseram-schema
schema-json` prints and what a `# yaml-language-server: $schema=...` line points at. They are
written by `python -m roseram_schema.schemas` from `build()`; tests check that the shipped
files equal `build()`, that the keys agree with the loader's, and that every YAML file of the
test projects validates.

The schemas accept what the loader accepts (shorthands, any scalar where the loader takes the
text as written, choices in any letter case) and nothing it refuses by shape; what needs the
whole project (a referenced column exists, SQL parses) is left to the loader.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

DRAFT = "https://json-schema.org/draft/2020-12/schema"
HERE = Path(__file__).resolve().parent

# kind -> (file name, the files it describes)
KINDS = {
    "project": ("project.schema.json", "project.yaml: schemas, extensions, roles, enums, personas"),
    "table": ("table.schema.json", "schema/<schema>/<table>.yaml: one table"),
    "policies": ("policies.schema.json",
                 "policies/<schema>/<table>.yaml: RLS switch, policies, access contract"),
    "view-header": ("view-header.schema.json",
                    "views/<schema>/<view>.sql: the `-- key: value` header, read as YAML"),
}

# Copies of the loader's vocabularies (tests compare them with the loader's own constants):
# this module is imported by the CLI, which must not load the model to print a file.
FK_ACTIONS = ("no action", "restrict", "cascade", "set null", "set default")
POLICY_COMMANDS = ("all", "select", "insert", "update", "delete")
TABLE_PRIVILEGES = ("select", "insert", "update", "delete", "truncate", "references", "trigger")
SCHEMA_PRIVILEGES = ("create", "usage")
COLUMN_PRIVILEGES = ("insert", "references", "select", "update")
DEFAULT_PRIVILEGE_OBJECTS = ("tables", "sequences", "functions", "types", "schemas")
# every privilege ALTER DEFAULT PRIVILEGES may name, whatever the objects
DEFAULT_PRIVILEGES = (*TABLE_PRIVILEGES, "usage", "execute", "create")
CONTRACT_COMMANDS = ("select", "insert", "update", "delete")
CONTRACT_ATOMS = ("anyone", "signed_in", "public", "own", "tenant", "none")

_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'


def path_of(kind: str) -> Path:
    """The installed file of one kind."""
    return HERE / KINDS[kind][0]


def load(kind: str) -> dict:
    """The shipped schema of one kind."""
    return json.loads(path_of(kind).read_text(encoding="utf-8"))


# ----- building blocks ------------------------------------------------------------------

def _any_case(word: str) -> str:
    """A regex matching `word` in any letter case, runs of blanks as any blanks."""
    parts = []
    for piece in word.split():
        parts.append("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c)
                             for c in piece))
    return r"\s+".join(parts)


def _choice(values, description: str, *, extra_null_words=()) -> dict:
    """One of `values` (the loader lower-cases and collapses blanks before comparing)."""
    words = (*values, *extra_null_words)
    pattern = r"^\s*(?:" + "|".join(_any_case(v) for v in words) + r")\s*$"
    return {
        "description": description,
        "anyOf": [
            {"enum": [*values]},
            {"type": "string", "pattern": pattern},
            {"type": "null"},
        ],
    }


def _text(description: str) -> dict:
    """Any scalar, kept as written (null: not given)."""
    return {"description": description, "type": ["string", "number", "boolean", "null"]}


def _name(description: str) -> dict:
    """A name as written: a non-empty scalar (null: not given)."""
    return {"description": description, "type": ["string", "number", "boolean", "null"],
            "pattern": r"\S"}


def _sql(description: str) -> dict:
    """A SQL snippet as written (parsed by PostgreSQL's parser when the project loads)."""
    return {"description": description, "type": ["string", "number", "boolean", "null"],
            "pattern": r"\S"}


def _boolean(description: str) -> dict:
    return {"description": description + " (true or false)", "type": ["boolean", "null"]}


def _one_name() -> dict:
    return {"type": ["string", "number", "boolean"], "pattern": r"\S"}


def _names(description: str, min_items: int = 0) -> dict:
    """A list of names; one name alone is a list of one."""
    listed = {"type": "array", "items": _one_name()}
    if min_items:
        listed["minItems"] = min_items
    return {
        "description": description + " (a list of names; a single name is a list of one)",
        "anyOf": [
            _one_name(),
            listed,
            {"type": "null"},
        ],
    }


def _not_null(schema: dict) -> dict:
    """The same value schema without null (a required key the loader refuses empty)."""
    schema = dict(schema)
    if isinstance(schema.get("type"), list):
        schema["type"] = [t for t in schema["type"] if t != "null"]
    if "anyOf" in schema:
        schema["anyOf"] = [s for s in schema["anyOf"] if s != {"type": "null"}]
    return schema


def _object(properties: dict, description: str, required=(), **more) -> dict:
    """A mapping with exactly these keys; required ones may not be null."""
    properties = {k: _not_null(v) if k in required else v for k, v in properties.items()}
    schema = {"description": description, "type": "object", "properties": properties,
              "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    schema.update(more)
    return schema


def _list(items: dict, description: str) -> dict:
    return {"description": description, "type": ["array", "null"], "items": items}


def _grants(privileges, what: str) -> dict:
    """`grants: {role: [privileges] | "a, b" | all}`."""
    words = (*privileges, "all", "all privileges")
    one = "(?:" + "|".join(_any_case(w) for w in words) + ")"
    listed = {"type": "string", "pattern": rf"^\s*{one}\s*$"}
    comma_list = {"type": "string", "pattern": rf"^\s*{one}\s*(?:,\s*{one}\s*)*$"}
    return {
        "description": f"Privileges per role on {what}: a list, a comma-separated string, or "
                       f"`all` (every privilege: {', '.join(privileges)}). Case does not matter.",
        "type": ["object", "null"],
        "additionalProperties": {
            "anyOf": [
                {"enum": [*privileges, "all"]},
                comma_list,
                {"type": "array", "items": listed},
                {"type": "array", "items": comma_list, "maxItems": 1},
                {"type": "null"},
            ],
        },
        "propertyNames": {"pattern": r"\S"},
        "examples": [{"authenticated": ["select", "insert"], "service_role": "all"}],
    }


def _revokes(privileges, what: str) -> dict:
    """`revokes: {role: [privileges] | all}`: taken away after `grants:`."""
    return {**_grants(privileges, what),
            "description": f"Privileges per role taken away from {what} after `grants:`; in `grants: "
                           f"defaults` mode also what the default privileges give (e.g. Supabase's ALL "
                           f"to anon). Written like `grants:`; `all` also takes MAINTAIN (PostgreSQL 17+).",
            "examples": [{"anon": "all", "authenticated": ["truncate", "trigger"]}]}


def _index() -> dict:
    keys = {
        "description": "Index keys: column names or expressions (`lower(name)`, `created_at DESC`)",
        "anyOf": [
            {"type": ["string", "number", "boolean"], "pattern": r"\S"},
            {"type": "array", "items": {"type": ["string", "number", "boolean"],
                                        "pattern": r"\S"}, "minItems": 1},
            {"type": "null"},
        ],
    }
    full = _object(
        {
            "name": _name("Index name (default: PostgreSQL's <table>_<columns>_idx)"),
            "columns": keys,
            "unique": _boolean("A unique index"),
            "method": _name("Access method: btree (default), gin, gist, hash, brin, ..."),
            "where": _sql("Partial index predicate (SQL)"),
            "include": _names("Non-key columns to INCLUDE"),
            "nulls_not_distinct": _boolean("NULLS NOT DISTINCT (unique indexes)"),
            "comment": _text("COMMENT ON INDEX"),
        },
        "An index",
        required=("columns",),
    )
    return {
        "description": "An index: a mapping, or the shorthand of its key list (`[user_id]`)",
        "anyOf": [full, {"type": ["string", "number", "boolean"], "pattern": r"\S"},
                  {"type": "array", "items": {"type": ["string", "number", "boolean"],
                                              "pattern": r"\S"}, "minItems": 1}],
    }


# ----- table files -----------------------------------------------------------------------

def table_properties() -> dict:
    """The top-level keys of a table file."""
    column = _object(
        {
            "type": _sql("SQL type (e.g. uuid, text, varchar(20), numeric(10,2), int[])"),
            "nullable": _boolean("Whether NULL is allowed (default true; primary-key and "
                                 "identity columns are NOT NULL whatever this says)"),
            "default": _sql("DEFAULT expression, in SQL: quote strings ('light')"),
            "identity": _choice(("always", "by default"), "GENERATED {ALWAYS | BY DEFAULT} "
                                                          "AS IDENTITY"),
            "generated": _sql("GENERATED ALWAYS AS (expression) STORED"),
            "collation": _name("COLLATE name"),
            "comment": _text("COMMENT ON COLUMN"),
            "renamed_from": _name("The column's previous name (the diff renames it)"),
            "grants": _grants(COLUMN_PRIVILEGES, "the column (GRANT SELECT (col) ON t TO role)"),
        },
        "A column with its fields",
        required=("type",),
    )
    primary_key = {
        "description": "Primary key: a column list, one column, or {name, columns}",
        "anyOf": [
            _object({"name": _name("Constraint name (default <table>_pkey)"),
                     "columns": _names("Key columns", 1)}, "A named primary key",
                    required=("columns",)),
            _one_name(),
            {"type": "array", "items": _one_name()},
            {"type": "null"},
        ],
    }
    unique = {
        "description": "A unique constraint: a mapping or the shorthand of its column list",
        "anyOf": [
            _object({
                "name": _name("Constraint name (default <table>_<columns>_key)"),
                "columns": _names("Columns", 1),
                "nulls_not_distinct": _boolean("NULLS NOT DISTINCT"),
                "deferrable": _boolean("DEFERRABLE"),
                "initially_deferred": _boolean("INITIALLY DEFERRED"),
            }, "A unique constraint", required=("columns",)),
            _one_name(),
            {"type": "array", "items": _one_name(), "minItems": 1},
        ],
    }
    check = {
        "description": "A check constraint: a mapping or the shorthand of its SQL expression",
        "anyOf": [
            _object({
                "name": _name("Constraint name (default <table>_<column>_check)"),
                "expression": _sql("The boolean SQL expression"),
                "no_inherit": _boolean("NO INHERIT"),
            }, "A check constraint", required=("expression",)),
            {"type": ["string", "number", "boolean"], "pattern": r"\S"},
        ],
    }
    reference = (rf"^\s*(?:{_IDENT}\s*\.\s*)?{_IDENT}\s*"
                 rf"(?:\(\s*{_IDENT}\s*(?:,\s*{_IDENT}\s*)*\))?\s*$")
    foreign_key = _object(
        {
            "name": _name("Constraint name (default <table>_<columns>_fkey)"),
            "columns": _names("Referencing columns", 1),
            "references": {
                "description": "[schema.]table(columns); an unqualified table is in the same "
                               "schema; without columns, the primary key of that table. Inside "
                               "{...} quote it when it has a comma: \"other(a, b)\"",
                "type": "string",
                "pattern": reference,
                "examples": ["auth.users(id)"],
            },
            "on_delete": _choice(FK_ACTIONS, "ON DELETE action (default no action)"),
            "on_update": _choice(FK_ACTIONS, "ON UPDATE action (default no action)"),
            "deferrable": _boolean("DEFERRABLE"),
            "initially_deferred": _boolean("INITIALLY DEFERRED"),
            "match": _choice(("simple", "full"), "MATCH SIMPLE (default) or MATCH FULL"),
        },
        "A foreign key",
        required=("columns", "references"),
    )
    partition = _object(
        {"name": _name("Partition table name"),
         "bound": _sql("FOR VALUES ... or DEFAULT")},
        "A declared partition",
        required=("name", "bound"),
    )
    return {
        "schema": _name("PostgreSQL schema (default: the folder name)"),
        "table": _name("Table name (default: the file name)"),
        "comment": _text("COMMENT ON TABLE"),
        "renamed_from": _name("The table's previous name (the diff renames it, never guesses)"),
        "columns": {
            "description": "Column name -> SQL type (shorthand) or its fields",
            "type": "object",
            "additionalProperties": {
                "anyOf": [{"type": ["string", "number", "boolean"], "pattern": r"\S"}, column],
            },
            "examples": [{"id": {"type": "uuid", "default": "gen_random_uuid()"},
                          "notes": "text"}],
        },
        "primary_key": primary_key,
        "unique": _list(unique, "Unique constraints"),
        "checks": _list(check, "Check constraints"),
        "foreign_keys": _list(foreign_key, "Foreign keys"),
        "indexes": _list(_index(), "Indexes"),
        "grants": _grants(TABLE_PRIVILEGES, "the table"),
        "revokes": _revokes(TABLE_PRIVILEGES, "the table"),
        "partition_by": _sql("PARTITION BY clause, e.g. RANGE (created_at)"),
        "partitions": _list(partition, "Declared partitions of a partitioned table"),
        "replica_identity": {
            "description": "REPLICA IDENTITY: default, full, nothing or index <name> (what logical "
                           "replication, e.g. Supabase Realtime, sends of an old row)",
            "type": ["string", "null"],
            "pattern": r"^\s*(?:[Dd][Ee][Ff][Aa][Uu][Ll][Tt]|[Ff][Uu][Ll][Ll]|[Nn][Oo][Tt][Hh][Ii][Nn][Gg]"
                       r"|[Ii][Nn][Dd][Ee][Xx]\s+\S+)\s*$",
        },
    }


def table_schema() -> dict:
    return {
        "$schema": DRAFT,
        "title": "roseram-schema table file (schema/<schema>/<table>.yaml)",
        "description": "One table: columns, keys, checks, foreign keys, indexes, grants. "
                       "See the README, \"The source format\".",
        "type": "object",
        "properties": table_properties(),
        "required": ["columns"],
        "additionalProperties": False,
    }


# ----- policies files --------------------------------------------------------------------

def policy_properties() -> dict:
    """The keys of one policy."""
    return {
        "name": _name("Policy name"),
        "command": _choice(POLICY_COMMANDS, "The command the policy is for (default all)"),
        "roles": _names("Roles the policy applies to (default [public])"),
        "as": _choice(("permissive", "restrictive"), "Permissive (default) or restrictive"),
        "using": _sql("USING expression: which existing rows are visible/affected "
                      "(not for insert)"),
        "with_check": _sql("WITH CHECK expression: which new rows are allowed "
                           "(not for select or delete)"),
        "comment": _text("COMMENT ON POLICY"),
    }


def contract_schema() -> dict:
    """`contract:` of a policies file (docs/verify.md)."""
    atom = r"[A-Za-z_][A-Za-z0-9_]*\+?"
    clause = {
        "anyOf": [
            {"enum": [*CONTRACT_ATOMS]},
            {"type": "string", "pattern": rf"^\s*{atom}\s*(?:&\s*{atom}\s*)*$"},
        ],
    }
    categories = {
        "description": "Row categories the personas may reach: anyone, signed_in, public, own, "
                       "tenant, <rank>+ (that rank or higher), <rank> (exactly), `a & b` "
                       "(both), none; a list allows a row in any of them",
        "anyOf": [clause, {"type": "array", "items": clause}, {"type": "null"}],
    }
    properties = {command: {**categories, "description": f"{command}: " + categories["description"]}
                  for command in CONTRACT_COMMANDS}
    columns = {"anyOf": [{"type": "string", "pattern": r"\S"},
                         {"type": "array", "items": {"type": "string", "pattern": r"\S"}},
                         {"type": "null"}]}
    properties["all"] = {**categories,
                         "description": "The four commands at once (a command listed next to "
                                        "it overrides it): " + categories["description"]}
    properties.update({
        "owner": {"description": "The owner column (a user id), or none to drop the derived "
                                 "owner", "type": ["string", "null"]},
        "tenant": {"description": "The foreign-key column the tenant comes through, or none",
                   "type": ["string", "null"]},
        "public": {"description": "The boolean column that makes a row public, or false when "
                                  "the table has none", "type": ["string", "boolean", "null"]},
        "seed": {"description": "Fixed column values for the synthetic rows verify seeds",
                 "type": ["object", "null"]},
        "fixed": {**columns, "description": "Columns no persona's UPDATE may change (a column or "
                                            "a list), e.g. [owner_id]"},
        "author": {**columns, "description": "User columns that must equal the caller on INSERT "
                                             "and UPDATE (default: the columns that record who "
                                             "wrote the row, judged on INSERT; [] for none)"},
        "hide": {**columns, "description": "Columns no exposed persona may read, from the table "
                                           "(column privileges) or through a view"},
    })
    return {
        "description": "The access contract that `verify` proves (docs/verify.md): per command, "
                       "the row categories a persona may reach; a command left out is denied",
        "type": ["object", "null"],
        "properties": properties,
        "additionalProperties": False,
        "examples": [{"select": ["own", "public"], "insert": "own", "update": "own",
                      "delete": "own"}],
    }


def policies_properties() -> dict:
    """The top-level keys of a policies file."""
    insert = {"properties": {"command": {"type": "string", "pattern": rf"^\s*{_any_case('insert')}\s*$"}},
              "required": ["command"]}
    select_delete = {"properties": {"command": {
        "type": "string", "pattern": rf"^\s*(?:{_any_case('select')}|{_any_case('delete')})\s*$"}},
        "required": ["command"]}
    policy = _object(
        policy_properties(),
        "A row-level-security policy",
        required=("name",),
        allOf=[
            {"if": insert, "then": {"not": {"required": ["using"]}}},
            {"if": select_delete, "then": {"not": {"required": ["with_check"]}}},
        ],
    )
    return {
        "schema": _name("PostgreSQL schema (default: the folder name)"),
        "table": _name("Table name (default: the file name)"),
        "rls": _choice(("enabled", "forced", "disabled"),
                       "Row-level security: enabled, forced (also for the owner) or disabled "
                       "(default: enabled when the file declares policies)"),
        "policies": _list(policy, "Policies of the table"),
        "contract": contract_schema(),
    }


def policies_schema() -> dict:
    return {
        "$schema": DRAFT,
        "title": "roseram-schema policies file (policies/<schema>/<table>.yaml)",
        "description": "The RLS switch, the policies and the access contract of one table.",
        "type": "object",
        "properties": policies_properties(),
        "additionalProperties": False,
    }


# ----- project.yaml ----------------------------------------------------------------------

def persona_properties() -> dict:
    """The keys of one persona under `personas:`."""
    return {
        "role": {"description": "Database role to SET ROLE to", "type": "string"},
        "user": _boolean("Whether the persona is a user with an id (default true for "
                         "authenticated)"),
        "tenant": {"description": "Tenant label (one tenant row is seeded per label)",
                   "type": ["string", "number"]},
        "tenant_role": {"description": "The persona's rank in its tenant (one of tenancy.ranks)",
                        "type": ["string", "null"]},
        "tenants": {"description": "Several memberships: tenant label -> rank, e.g. {A: member, "
                                   "B: editor} (with or besides tenant/tenant_role)",
                    "type": ["object", "null"],
                    "additionalProperties": {"type": ["string", "null"]}},
        "claims": {"description": "Extra JWT claims merged into request.jwt.claims",
                   "type": ["object", "null"]},
        "bypass": _boolean("The role bypasses RLS (default true for service_role)"),
    }


def tenancy_properties() -> dict:
    """The keys of `personas.tenancy`."""
    table = {"type": "string", "pattern": r"\S"}
    return {
        "users": {**table, "description": "The table persona user ids go into "
                                          "(default auth.users)"},
        "tenants": {
            "description": "The tenants table: a name, or {table, owner}",
            "anyOf": [
                table,
                _object({"table": {**table, "description": "The tenants table"},
                         "owner": {"type": "string", "description": "Its owner column"}},
                        "The tenants table and its owner column", required=("table",)),
                {"type": "null"},
            ],
        },
        "members": {
            "description": "The membership table: {table, tenant, user, role}",
            "anyOf": [
                _object({"table": {**table, "description": "The members table"},
                         "tenant": {"type": "string", "description": "Its tenant column"},
                         "user": {"type": "string", "description": "Its user column"},
                         "role": {"type": "string", "description": "Its rank column"}},
                        "The membership table", required=("table", "tenant", "user")),
                {"type": "null"},
            ],
        },
        "ranks": {"description": "Tenant ranks, highest first", "type": ["array", "null"],
                  "items": {"type": "string"}},
        "public": {"description": "Boolean columns that make a row public (default [is_public])",
                   "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}},
                             {"type": "null"}]},
        "exposed": {"description": "Schemas clients reach (default [public])",
                    "type": ["array", "null"], "items": {"type": "string"}},
    }


def project_properties() -> dict:
    """The top-level keys of project.yaml."""
    schema_entry = {
        "description": "A schema: its name, or {name, comment, grants, revokes}",
        "anyOf": [
            _one_name(),
            _object({"name": _name("Schema name"), "comment": _text("COMMENT ON SCHEMA"),
                     "grants": _grants(SCHEMA_PRIVILEGES, "the schema"),
                     "revokes": _grants(SCHEMA_PRIVILEGES, "the schema, taken away (REVOKE: "
                                        "public's USAGE for PUBLIC, the platform's)")},
                    "A schema with its fields", required=("name",)),
        ],
    }
    extension = {
        "description": "An extension: its name, or {name, schema, optional}",
        "anyOf": [
            _one_name(),
            _object({"name": _name("Extension name"),
                     "schema": _name("Schema to install it in"),
                     "optional": _boolean("Skipped, with a warning, on a server that does not "
                                          "ship it")},
                    "An extension with its fields", required=("name",)),
        ],
    }
    role = {
        "description": "A role: its name, or {name, login, bypassrls}; created when missing, "
                       "never dropped",
        "anyOf": [
            _one_name(),
            _object({"name": _name("Role name"), "login": _boolean("LOGIN"),
                     "bypassrls": _boolean("BYPASSRLS")},
                    "A role with its fields", required=("name",)),
        ],
    }
    values = {"type": "array", "items": _one_name(), "minItems": 1, "uniqueItems": True}
    enum = {
        "description": "Enum values, or {values, comment}",
        "anyOf": [
            values,
            _one_name(),
            _object({"values": {**values, "description": "The values, in order"},
                     "comment": _text("COMMENT ON TYPE")},
                    "An enum with a comment", required=("values",)),
        ],
    }
    personas = {
        "description": "Who `verify` impersonates (docs/verify.md): persona name -> "
                       "{role, user, tenant, tenant_role, tenants, claims, bypass}; the reserved key "
                       "`tenancy` says how rows relate to users and tenants, `storage` gives "
                       "bucket contracts",
        "type": ["object", "null"],
        "properties": {
            "tenancy": _object(tenancy_properties(), "How rows relate to users and tenants"),
            "storage": _object(
                {"buckets": {"description": "Storage bucket id -> contract for its objects in "
                                            "storage.objects (commands only)",
                             "type": ["object", "null"], "additionalProperties": contract_schema()}},
                "Contracts for Supabase Storage buckets (docs/verify.md \"Storage\")"),
        },
        "additionalProperties": _object(persona_properties(), "A persona", required=("role",)),
    }
    return {
        "schemas": _list(schema_entry, "Managed schemas, the complete list (default: the "
                                       "folders under schema/ and views/)"),
        "extensions": _list(extension, "Extensions the schema needs"),
        "roles": _list(role, "Roles the schema expects"),
        "enums": {
            "description": "Enum types: [schema.]name -> values",
            "type": ["object", "null"],
            "propertyNames": {"pattern": rf"^\s*(?:{_IDENT}\s*\.\s*)?{_IDENT}\s*$"},
            "additionalProperties": enum,
            "examples": [{"public.mood": ["happy", "sad", "neutral"]}],
        },
        "personas": personas,
        "sql": {
            "description": "Folders (relative to project.yaml, outside schema/, policies/ and "
                           "views/) whose .sql files run as written, in name order, after the "
                           "declarative objects: a migrations history (README, \"SQL files\")",
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "examples": [["supabase/migrations"]],
        },
        "grants": {
            "description": "Grant mode. exact: every grant is spelled out in the source, every "
                           "other one is revoked. defaults: an object keeps what the database's "
                           "default privileges give a new object (Supabase's included), plus the "
                           "source's own GRANT and REVOKE. Not given: exact when a YAML table file "
                           "declares grants, else defaults (SQL keeps PostgreSQL's meaning)",
            "enum": ["exact", "defaults"],
        },
        "default_privileges": _list(
            _object({
                "role": _name("FOR ROLE: the role whose new objects get them (default: the role "
                              "that runs the plan)"),
                "schema": _name("IN SCHEMA (default: every schema)"),
                "objects": {"description": "The kind of new object", "enum": list(DEFAULT_PRIVILEGE_OBJECTS)},
                "grants": _grants(DEFAULT_PRIVILEGES, "new objects of that kind"),
                "revokes": _grants(DEFAULT_PRIVILEGES, "new objects of that kind (taken away)"),
            }, "ALTER DEFAULT PRIVILEGES [FOR ROLE] [IN SCHEMA] GRANT ... / REVOKE ... ON <objects>",
                required=("objects",)),
            "Default privileges the project manages, each like ALTER DEFAULT PRIVILEGES; entries "
            "not named here are left alone"),
    }


def project_schema() -> dict:
    return {
        "$schema": DRAFT,
        "title": "roseram-schema project.yaml",
        "description": "Schemas, extensions, roles and enum types of the project, and the "
                       "personas `verify` impersonates.",
        "type": "object",
        "properties": project_properties(),
        "additionalProperties": False,
    }


# ----- view headers ----------------------------------------------------------------------

def view_header_properties() -> dict:
    """The keys of a view file's `-- key: value` header."""
    return {
        "schema": _name("PostgreSQL schema (default: the folder name)"),
        "view": _name("View name (default: the file name)"),
        "materialized": _boolean("A materialized view"),
        "security_invoker": _boolean("security_invoker: RLS of the tables read applies to the "
                                     "caller"),
        "security_barrier": _boolean("security_barrier"),
        "check_option": {
            "description": "WITH CHECK OPTION: local, cascaded, or none (false also means none)",
            "anyOf": [
                {"enum": ["local", "cascaded", "none", False, None]},
                {"type": "string",
                 "pattern": rf"^\s*(?:{_any_case('local')}|{_any_case('cascaded')})\s*$"},
                {"type": "string", "pattern": rf"^{_any_case('none')}$"},
            ],
        },
        "columns": _names("Column names of the view"),
        "comment": _text("COMMENT ON VIEW"),
        "grants": _grants(TABLE_PRIVILEGES, "the view"),
        "revokes": _revokes(TABLE_PRIVILEGES, "the view"),
        "indexes": _list(_index(), "Indexes (materialized views only; written like a table's)"),
    }


def view_header_schema() -> dict:
    return {
        "$schema": DRAFT,
        "title": "roseram-schema view file header (views/<schema>/<view>.sql)",
        "description": "The `-- key: value` lines above a bare query, read as YAML with the "
                       "`--` removed.",
        "type": "object",
        "properties": view_header_properties(),
        "additionalProperties": False,
        "if": {"properties": {"indexes": {"type": "array", "minItems": 1}},
               "required": ["indexes"]},
        "then": {"properties": {"materialized": {"const": True}}, "required": ["materialized"]},
    }


BUILDERS = {
    "project": project_schema,
    "table": table_schema,
    "policies": policies_schema,
    "view-header": view_header_schema,
}


def build(kind: str) -> dict:
    """The schema of one kind, as built from this module."""
    return BUILDERS[kind]()


def dumps(schema: dict) -> str:
    """The text of a shipped file."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_all(folder: Path = HERE) -> None:
    """(Re)write every shipped file."""
    for kind, (filename, _) in KINDS.items():
        (folder / filename).write_text(dumps(build(kind)), encoding="utf-8")

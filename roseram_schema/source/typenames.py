"""Which type names PostgreSQL knows: built-ins, aliases, declared enums and extension types."""

from __future__ import annotations

from ..model import qualify, quote_ident
from .problems import did_you_mean
from .sqltext import parse_type, to_sql

# Built-in type names as they appear after parsing (the grammar maps keywords such as
# `integer` or `character varying` to pg_catalog.int4 / pg_catalog.varchar) plus the
# names people write that are plain identifiers (text, uuid, jsonb ...).
BUILTIN_TYPES = frozenset(
    """
    bigint bigserial bit bool boolean box bpchar bytea char character cidr circle citext_never
    date daterange datemultirange decimal float float4 float8 inet int int2 int4 int4range
    int4multirange int8 int8range int8multirange integer interval json jsonb jsonpath line lseg
    macaddr macaddr8 money name numeric nummultirange numrange oid path pg_lsn pg_snapshot point
    polygon real regclass regcollation regconfig regdictionary regnamespace regoper regoperator
    regproc regprocedure regrole regtype serial serial2 serial4 serial8 smallint smallserial
    text tid time timestamp timestamptz timetz tsmultirange tsquery tsrange tstzmultirange
    tstzrange tsvector txid_snapshot uuid varbit varchar xid xid8 xml cid
    record void trigger event_trigger anyelement anyarray anynonarray anyenum anyrange
    anymultirange anycompatible anycompatiblearray anycompatiblenonarray anycompatiblerange
    cstring internal language_handler fdw_handler index_am_handler tsm_handler table_am_handler
    """.split()
) - {"citext_never"}

# Types that come with common extensions: allowed when the extension is declared.
EXTENSION_TYPES = {
    "citext": ("citext",),
    "hstore": ("hstore",),
    "ltree": ("ltree", "lquery", "ltxtquery"),
    "vector": ("vector", "halfvec", "sparsevec"),
    "postgis": ("geometry", "geography", "box2d", "box3d"),
    "cube": ("cube",),
    "isn": ("isbn", "isbn13", "issn", "issn13", "ean13", "upc", "ismn", "ismn13"),
    "seg": ("seg",),
    "uuid-ossp": (),
    "pgcrypto": (),
}


class TypeCatalog:
    """Type names a project may use: built-ins, its enums, extension types, its tables."""

    def __init__(self, enums, extensions, relations):
        self.qualified = {e.key for e in enums} | {f"{r.schema}.{r.name}" for r in relations}
        self.by_name: dict[str, set[str]] = {}
        for key in self.qualified:
            schema, name = key.split(".", 1)
            self.by_name.setdefault(name, set()).add(schema)
        self.extension_types = {t for ext in extensions for t in EXTENSION_TYPES.get(ext.name, ())}

    def check(self, text: str, schema: str) -> tuple[str, str | None] | None:
        """None when `text` is a known type, else (message, hint)."""
        type_name, error = parse_type(text)
        if error is not None:
            return f"{text!r} is not a type: {error.message}", None
        names = [n.sval for n in type_name.names]
        if len(names) == 2 and names[0] == "pg_catalog":
            if names[1] in BUILTIN_TYPES:
                return None
        elif len(names) == 1:
            name = names[0]
            if name in BUILTIN_TYPES or name in self.extension_types:
                return None
            if schema in self.by_name.get(name, ()) or "public" in self.by_name.get(name, ()):
                return None
        elif len(names) == 2:
            if ".".join(names) in self.qualified:
                return None
            if names[0] == "extensions" and names[1] in self.extension_types:
                return None
        shown = ".".join(names)
        choices = set(BUILTIN_TYPES) | self.extension_types | self.qualified | set(self.by_name)
        hint = did_you_mean(names[-1] if len(names) == 1 else shown, choices)
        if hint is None and len(names) == 1 and names[0] in self.by_name:
            hint = "qualify it: " + ", ".join(f"{s}.{names[0]}" for s in sorted(self.by_name[names[0]]))
        return f"type {shown!r} is not known to PostgreSQL", hint or "declare enum types in project.yaml `enums:`"


# format_type's spelling of the built-in names the grammar or users produce.
_FORMAT_NAMES = {
    "int2": "smallint", "int4": "integer", "int8": "bigint", "int": "integer",
    "float4": "real", "float8": "double precision", "bool": "boolean",
    "varchar": "character varying", "bpchar": "character", "decimal": "numeric",
    "timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone",
    "timetz": "time with time zone", "time": "time without time zone", "varbit": "bit varying",
}


def format_type(type_name) -> str:
    """A parsed type spelt as PostgreSQL's format_type prints an argument type.

    No type modifiers (argument types have none), one `[]` for any array, built-ins by their
    SQL names (`character varying`), `public` types unqualified (it is on the search path).
    Used for function signatures, so a function's key is the same from source and catalog.
    """
    if type_name.pct_type:
        return to_sql(type_name)
    names = [n.sval for n in type_name.names]
    if len(names) == 2 and names[0] == "pg_catalog":
        base = _FORMAT_NAMES.get(names[1], names[1])
    elif len(names) == 1:
        base = _FORMAT_NAMES.get(names[0]) or quote_ident(names[0])
    elif len(names) == 2 and names[0] == "public":
        base = quote_ident(names[1])
    else:
        base = qualify(names[-2], names[-1])
    if type_name.arrayBounds:
        base += "[]"
    return ("SETOF " if type_name.setof else "") + base

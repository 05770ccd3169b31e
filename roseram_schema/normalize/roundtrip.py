"""Settling texts that are not a fixpoint of PostgreSQL's printer.

PostgreSQL prints an expression in a form that, parsed again, does not always print the
same way. Measured: a varchar column with `CHECK (theme IN ('light','dark'))` prints as
`((theme)::text = ANY ((ARRAY['light'::character varying, ...])::text[]))`; created from
that text it prints `... = ANY (ARRAY[('light'::character varying)::text, ...])`; a third
round prints the same as the second. A live object created from printed text (a dump, a
tool that copies catalog text, an earlier plan rendered from catalog text) therefore went
through one more round trip than our normalized source, and would differ forever.

The same holds when the development server is another major version than the target:
PostgreSQL 16+ prints view bodies without the table qualifications 15 writes.

The approach: only texts that differ are looked at, so the no-change case costs nothing
(no connection at all). For each differing pair (check expression, policy USING / WITH
CHECK, column default, generation expression, partial-index predicate, view query) both
texts are put through the printer again in a scratch database holding the desired
schema, round after round, until they are equal (then it is the same object: the live
text is replaced by the desired one, and the diff sees no change) or both stop changing
(then they really differ and are left alone). A text that does not even compile in the
desired schema (it names a column that is not there) is a real difference too. Both
texts go through the same number of rounds, so neither side is favoured.

Each round trip runs in a transaction that is rolled back, with search_path empty like the
inspector, so texts are parsed and printed exactly as inspect_catalog reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..model import Catalog, Table, qualify, quote_ident
from ..model.sequences import without_sequence_grants
from ..introspect.texts import strip_check, view_query

_NEXTVAL = re.compile(r"^nextval\('.*'::regclass\)$", re.DOTALL)
_PROBE = "roseram_roundtrip_probe"


@dataclass(frozen=True)
class TextPair:
    """One text that differs between live and desired: where it lives and both versions.

    kind: "check", "default", "generated", "where" (partial index predicate), "using",
    "with_check" or "view"; table: "schema.name" of the table (or view); name:
    constraint, column, index or policy name ("" for a view).
    """

    kind: str
    table: str
    name: str
    live: str
    desired: str


def differing_texts(live: Catalog, desired: Catalog) -> tuple[TextPair, ...]:
    """Every check, default, generation expression, partial-index predicate, policy
    expression and view query present on both sides with a different text (same object
    otherwise: same column type, same policy command)."""
    pairs: list[TextPair] = []
    desired_tables = {t.key: t for t in desired.tables}
    for lt in live.tables:
        dt = desired_tables.get(lt.key)
        if dt is not None:
            pairs.extend(_table_pairs(lt, dt))
    desired_views = {v.key: v for v in desired.views}
    for lv in live.views:
        dv = desired_views.get(lv.key)
        if dv is not None and dv.materialized == lv.materialized and dv.query != lv.query:
            pairs.append(TextPair("view", lv.key, "", lv.query, dv.query))
    return tuple(pairs)


def _table_pairs(lt: Table, dt: Table) -> list[TextPair]:
    pairs = []
    checks = {c.name: c for c in dt.checks}
    for c in lt.checks:
        d = checks.get(c.name)
        if d is not None and d.expression != c.expression:
            pairs.append(TextPair("check", lt.key, c.name, c.expression, d.expression))
    for c in lt.columns:
        d = dt.column(c.name)
        if d is None or d.type != c.type:
            continue
        if c.default and d.default and c.default != d.default:
            pairs.append(TextPair("default", lt.key, c.name, c.default, d.default))
        if c.generated and d.generated and c.generated != d.generated:
            pairs.append(TextPair("generated", lt.key, c.name, c.generated, d.generated))
    indexes = {i.name: i for i in dt.indexes}
    for i in lt.indexes:
        d = indexes.get(i.name)
        if d is not None and i.where and d.where and i.where != d.where:
            pairs.append(TextPair("where", lt.key, i.name, i.where, d.where))
    policies = {p.name: p for p in dt.policies}
    for p in lt.policies:
        d = policies.get(p.name)
        if d is None or d.command != p.command:
            continue
        if p.using and d.using and p.using != d.using:
            pairs.append(TextPair("using", lt.key, p.name, p.using, d.using))
        if p.with_check and d.with_check and p.with_check != d.with_check:
            pairs.append(TextPair("with_check", lt.key, p.name, p.with_check, d.with_check))
    return pairs


class RoundTripper:
    """Puts texts through PostgreSQL's parser and printer once, in a database that holds
    the objects they refer to. Every probe is rolled back."""

    def __init__(self, conn, catalog: Catalog):
        self.conn = conn
        self.catalog = catalog

    def round_trip(self, pair: TextPair, text: str) -> str | None:
        """`text` (of the kind and place `pair` says) created and printed again; None when
        PostgreSQL rejects it here."""
        import psycopg

        try:
            with self.conn.transaction(force_rollback=True):
                self.conn.execute("SELECT pg_catalog.set_config('search_path', '', true)")
                return getattr(self, f"_{pair.kind}")(pair, text)
        except (psycopg.Error, LookupError):
            return None

    def _relation(self, key: str) -> str:
        schema, _, name = key.partition(".")
        return qualify(schema, name)

    def _check(self, pair: TextPair, text: str) -> str:
        rel = self._relation(pair.table)
        self.conn.execute(f"ALTER TABLE {rel} ADD CONSTRAINT {_PROBE} CHECK ({text}) NOT VALID")
        row = self.conn.execute(
            "SELECT pg_catalog.pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint"
            " WHERE conrelid = %s::regclass AND conname = %s",
            (rel, _PROBE),
        ).fetchone()
        return strip_check(row[0])

    def _default(self, pair: TextPair, text: str) -> str:
        rel = self._relation(pair.table)
        self.conn.execute(f"ALTER TABLE {rel} ALTER COLUMN {quote_ident(pair.name)} SET DEFAULT {text}")
        row = self.conn.execute(
            "SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d"
            " JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
            " WHERE d.adrelid = %s::regclass AND a.attname = %s",
            (rel, pair.name),
        ).fetchone()
        return row[0]

    def _generated(self, pair: TextPair, text: str) -> str:
        rel = self._relation(pair.table)
        table = self.catalog.table(pair.table)
        column = table.column(pair.name) if table else None
        if column is None:
            raise LookupError(pair.name)
        self.conn.execute(f"ALTER TABLE {rel} ADD COLUMN {_PROBE} {column.type} GENERATED ALWAYS AS ({text}) STORED")
        row = self.conn.execute(
            "SELECT pg_catalog.pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attrdef d"
            " JOIN pg_catalog.pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum"
            " WHERE d.adrelid = %s::regclass AND a.attname = %s",
            (rel, _PROBE),
        ).fetchone()
        return row[0]

    def _where(self, pair: TextPair, text: str) -> str:
        rel = self._relation(pair.table)
        table = self.catalog.table(pair.table)
        if table is None or not table.columns:
            raise LookupError(pair.table)
        # any key will do: only the predicate is read back
        key = quote_ident(table.columns[0].name)
        schema = pair.table.partition(".")[0]
        self.conn.execute(f"CREATE INDEX {_PROBE} ON {rel} ({key}) WHERE {text}")
        row = self.conn.execute(
            "SELECT pg_catalog.pg_get_expr(i.indpred, i.indrelid) FROM pg_catalog.pg_index i"
            " WHERE i.indexrelid = %s::regclass",
            (f"{quote_ident(schema)}.{_PROBE}",),
        ).fetchone()
        return row[0]

    def _policy(self, pair: TextPair, text: str, clause: str, column: str) -> str:
        rel = self._relation(pair.table)
        table = self.catalog.table(pair.table)
        policy = next((p for p in table.policies if p.name == pair.name), None) if table else None
        command = policy.command if policy else "all"
        self.conn.execute(f"CREATE POLICY {_PROBE} ON {rel} FOR {command} {clause} ({text})")
        row = self.conn.execute(
            f"SELECT pg_catalog.pg_get_expr({column}, polrelid) FROM pg_catalog.pg_policy"
            " WHERE polrelid = %s::regclass AND polname = %s",
            (rel, _PROBE),
        ).fetchone()
        return row[0]

    def _using(self, pair: TextPair, text: str) -> str:
        return self._policy(pair, text, "USING", "polqual")

    def _with_check(self, pair: TextPair, text: str) -> str:
        return self._policy(pair, text, "WITH CHECK", "polwithcheck")

    def _view(self, pair: TextPair, text: str) -> str:
        schema = pair.table.partition(".")[0]
        probe = f"{quote_ident(schema)}.{_PROBE}"
        self.conn.execute(f"CREATE VIEW {probe} AS {text}")
        row = self.conn.execute("SELECT pg_catalog.pg_get_viewdef(%s::regclass, true)", (probe,)).fetchone()
        return view_query(row[0])


def settle(tripper: RoundTripper, pair: TextPair, max_rounds: int = 4) -> bool:
    """Whether the two texts of `pair` become equal after the same number of round trips
    (0 to max_rounds). False when both stop changing while still different, or when one
    of them is rejected."""
    live, desired = pair.live, pair.desired
    for _ in range(max_rounds):
        if live == desired:
            return True
        next_live, next_desired = tripper.round_trip(pair, live), tripper.round_trip(pair, desired)
        if next_live is None or next_desired is None:
            return False
        if next_live == live and next_desired == desired:
            return False
        live, desired = next_live, next_desired
    return live == desired


def adopt_desired_texts(live: Catalog, settled: tuple[TextPair, ...]) -> Catalog:
    """`live` with the desired text put in place of every settled pair's live text."""
    if not settled:
        return live
    by_table: dict[str, list[TextPair]] = {}
    for pair in settled:
        by_table.setdefault(pair.table, []).append(pair)
    tables = tuple(_adopt_in_table(t, by_table.get(t.key, ())) for t in live.tables)
    views = tuple(
        replace(v, query=next(p.desired for p in by_table[v.key] if p.kind == "view"))
        if any(p.kind == "view" for p in by_table.get(v.key, ()))
        else v
        for v in live.views
    )
    return replace(live, tables=tables, views=views)


def _adopt_in_table(t: Table, pairs) -> Table:
    if not pairs:
        return t
    texts = {(p.kind, p.name): p.desired for p in pairs}
    return replace(
        t,
        checks=tuple(replace(c, expression=texts.get(("check", c.name), c.expression)) for c in t.checks),
        columns=tuple(
            replace(
                c,
                default=texts.get(("default", c.name), c.default),
                generated=texts.get(("generated", c.name), c.generated),
            )
            for c in t.columns
        ),
        indexes=tuple(replace(i, where=texts.get(("where", i.name), i.where)) for i in t.indexes),
        policies=tuple(
            replace(
                p,
                using=texts.get(("using", p.name), p.using),
                with_check=texts.get(("with_check", p.name), p.with_check),
            )
            for p in t.policies
        ),
    )


def buildable(desired: Catalog) -> Catalog:
    """`desired` without the column defaults that call nextval() of a sequence: the
    sequence of a serial column is not in the model, so the scratch copy cannot have it,
    and such defaults print the same in every round anyway."""
    tables = tuple(
        replace(
            t,
            columns=tuple(
                replace(c, default=None) if c.default and _NEXTVAL.match(c.default) else c for c in t.columns
            ),
        )
        for t in desired.tables
    )
    return replace(desired, tables=tables)


def probe_schema(catalog: Catalog) -> Catalog:
    """The part of a catalog the probes need: schemas, extensions, enums, functions,
    tables with their columns and primary key, and views. Checks, foreign keys, indexes,
    policies, RLS, grants, triggers and comments are left out: every probe brings its own
    constraint, index or policy, and nothing else reads them, so a probe database is
    built from a small part of the DDL."""
    tables = tuple(
        replace(
            t,
            uniques=(),
            checks=(),
            foreign_keys=(),
            indexes=(),
            policies=(),
            rls_enabled=False,
            rls_forced=False,
            grants=(),
            comment=None,
            columns=tuple(replace(c, comment=None) for c in t.columns),
        )
        for t in catalog.tables
    )
    return replace(
        catalog,
        schemas=tuple(replace(s, grants=(), comment=None) for s in catalog.schemas),
        enums=tuple(replace(e, comment=None) for e in catalog.enums),
        tables=tables,
        views=tuple(replace(v, grants=(), comment=None, indexes=()) for v in catalog.views),
        functions=tuple(replace(f, grants=(), comment=None) for f in catalog.functions),
        triggers=(),
        sequences=without_sequence_grants(catalog),
        platform_tables=(),
        publications=(),
    )


def renormalize_texts(
    dev_url: str,
    live: Catalog,
    desired: Catalog,
    *,
    source: Catalog | None = None,
    max_rounds: int = 4,
    probe=None,
) -> Catalog:
    """`live` with every text that differs from `desired` only by PostgreSQL's printer
    round trips replaced by the desired text (see the module docstring for the approach).

    When no check, default, generation expression, index predicate, policy expression
    or view query differs, `live` is returned as it is without connecting anywhere.
    Otherwise a scratch database is built on the
    server of `dev_url` (platform stand-in + normalize.build_schema of the probe_schema of
    `source` when given, which is what normalize_catalog built, else of `desired`), the
    pairs are settled there, and it is dropped again. Should that build fail, nothing can be
    settled and `live` is returned unchanged: the differences then show as changes,
    which is safe, rather than stopping the plan.

    `probe`: a connection to a database that already holds `desired` (the project's kept
    database, incremental.kept_state), used instead of a scratch database: every probe is
    rolled back, and building and dropping a scratch database costs seconds.
    """
    pairs = differing_texts(live, desired)
    if not pairs:
        return live
    if probe is not None:
        tripper = RoundTripper(probe, desired)
        return adopt_desired_texts(live, tuple(p for p in pairs if settle(tripper, p, max_rounds)))
    import psycopg

    from ..errors import SourceError
    from .catalog import build_schema
    from ..platform import ensure_platform
    from .scratch import scratch_database

    schema_source = probe_schema(source if source is not None else buildable(desired))
    with scratch_database(dev_url) as url, psycopg.connect(url, autocommit=True) as conn:
        ensure_platform(conn)
        try:
            build_schema(conn, schema_source)
        except SourceError:
            return live
        tripper = RoundTripper(conn, desired)
        settled = tuple(p for p in pairs if settle(tripper, p, max_rounds))
    return adopt_desired_texts(live, settled)

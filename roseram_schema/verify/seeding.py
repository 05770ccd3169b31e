"""Inserting the seeded rows in a few round trips, with the outcome of one INSERT at a time.

The rows go in parents first, one INSERT statement per row, each in its own savepoint: a row
that fails is retried without its further tenant paths (`Row.plain`), and a row that cannot
be inserted at all is a gap of its table (the first message per table). That costs three
round trips per row; on a large project most of the seeding time.

So the INSERTs of consecutive tables are sent as one script instead. When it succeeds, the
database holds exactly what the row-by-row path would have made (the same statements, in the
same order, in the same transaction). When a statement fails, the script is rolled back (to
a savepoint) and its half-scripts are tried, down to one table, which runs row by row. That
is only exact when a rolled-back INSERT leaves nothing behind: tables where an INSERT may
fire a user trigger or a rule, take a value from a sequence (identity, serial) or call a
function of the schema in a default or constraint always run row by row (FAST_TABLES).
"""

from __future__ import annotations

from .seed import World, fk_order, insert_sql

# Tables whose INSERT has no effect but the row itself: no user INSERT trigger, no rule, no
# identity column, and no default or constraint depending on a sequence or on a function
# that is not built in (built-in functions are pinned: pg_depend records no dependency on them).
FAST_TABLES = """
SELECT n.nspname || '.' || c.relname
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname || '.' || c.relname = ANY(%s)
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
                  WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgtype & 4 <> 0)  -- fires on INSERT
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_rewrite r WHERE r.ev_class = c.oid AND r.rulename <> '_RETURN')
  AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
                  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity <> '')
  AND NOT EXISTS (
    SELECT FROM pg_catalog.pg_depend d
    WHERE ((d.classid = 'pg_catalog.pg_attrdef'::regclass
            AND d.objid IN (SELECT ad.oid FROM pg_catalog.pg_attrdef ad WHERE ad.adrelid = c.oid))
        OR (d.classid = 'pg_catalog.pg_constraint'::regclass
            AND d.objid IN (SELECT co.oid FROM pg_catalog.pg_constraint co WHERE co.conrelid = c.oid)))
      AND (d.refclassid = 'pg_catalog.pg_proc'::regclass
           OR (d.refclassid = 'pg_catalog.pg_class'::regclass
               AND (SELECT s.relkind FROM pg_catalog.pg_class s WHERE s.oid = d.refobjid) = 'S')))
"""


def seed_rows(conn, world: World) -> None:
    """Insert the seeded rows as the (superuser) connection, parents first; record failures
    in `world.gaps` and keep in `world.rows` the rows (or plain rows) that went in."""
    order = [key for key in fk_order(world.catalog) if world.rows.get(key)]
    fast = fast_tables(conn, order)
    run: list[str] = []
    for key in order:
        if key in fast:
            run.append(key)
            continue
        _scripted(conn, world, run)
        run = []
        _row_by_row(conn, world, key)
    _scripted(conn, world, run)
    for key in fk_order(world.catalog):
        if not world.rows.get(key):
            world.rows[key] = []


def fast_tables(conn, keys: list[str]) -> set[str]:
    """Those of `keys` whose INSERT has no effect but the row (FAST_TABLES)."""
    return {row[0] for row in conn.execute(FAST_TABLES, (list(keys),))} if keys else set()


def _scripted(conn, world: World, keys: list[str]) -> None:
    """The rows of `keys` (consecutive fast tables) as one script; halves on failure."""
    if not keys:
        return
    if len(keys) == 1 and len(world.rows[keys[0]]) == 1:
        _row_by_row(conn, world, keys[0])
        return
    script = ";\n".join(insert_sql(world.table(key), row) for key in keys for row in world.rows[key])
    try:
        with conn.transaction():
            conn.execute(script)
        return
    except Exception:  # psycopg errors: the rows are tried again in smaller pieces
        pass
    if len(keys) == 1:
        _row_by_row(conn, world, keys[0])
        return
    half = len(keys) // 2
    _scripted(conn, world, keys[:half])
    _scripted(conn, world, keys[half:])


def _row_by_row(conn, world: World, key: str) -> None:
    """One savepoint and INSERT per row, the plain row when the full one fails."""
    table = world.table(key)
    kept = []
    for row in world.rows.get(key, []):
        for candidate in (row, row.plain):
            if candidate is None:
                continue
            try:
                with conn.transaction():
                    conn.execute(insert_sql(table, candidate))
                kept.append(candidate)
                break
            except Exception as exc:  # psycopg errors: the message names the constraint
                if candidate.plain is None:
                    world.gaps.setdefault(key, f"seeding row {row.label} failed: {str(exc).strip()}")
    world.rows[key] = kept



class KeptStale(Exception):
    """A kept verify database's recorded seeding does not fit the rows this run would seed."""


def seeding_outcome(before: dict, world: World) -> dict:
    """What seed_rows did, to replay it (replay_seeding) on a database seeded earlier from the
    same source: per table, each row's label and whether it went in whole (0), as its plain
    row (1) or not at all (-1); and the gaps. `before`: world.rows before seed_rows."""
    rows = {}
    for key, originals in sorted(before.items()):
        kept = {id(r) for r in world.rows.get(key, [])}
        rows[key] = [[r.label, 0 if id(r) in kept else 1 if r.plain is not None and id(r.plain) in kept else -1]
                     for r in originals]
    return {"rows": rows, "gaps": dict(sorted(world.gaps.items()))}


def replay_seeding(world: World, outcome: dict) -> None:
    """Put `world` in the state seed_rows left it in when it made `outcome`; raise KeptStale
    when the rows it would seed are not those the outcome is about."""
    recorded = outcome.get("rows", {})
    if sorted(recorded) != sorted(world.rows):
        raise KeptStale("other tables")
    for key, entries in recorded.items():
        originals = world.rows[key]
        if [label for label, _ in entries] != [r.label for r in originals]:
            raise KeptStale(f"other rows in {key}")
        kept = []
        for row, (_, choice) in zip(originals, entries):
            if choice == 0:
                kept.append(row)
            elif choice == 1:
                if row.plain is None:
                    raise KeptStale(f"no plain row in {key}")
                kept.append(row.plain)
        world.rows[key] = kept
    world.gaps.clear()
    world.gaps.update(outcome.get("gaps", {}))
    for key in fk_order(world.catalog):
        if not world.rows.get(key):
            world.rows[key] = []

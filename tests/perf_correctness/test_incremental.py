"""Re-normalizing only what changed (the kept database) gives exactly what a full
normalize gives, for each kind of edit (correctness only; no timings)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from roseram_schema.cache.desired import desired_state
from roseram_schema.cache.incremental import drop_state_database, state_database_name
from roseram_schema.normalize.catalog import normalize_catalog
from roseram_schema.source import load_project


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def add_column(root: Path) -> None:
    _replace(root / "schema/public/tasks.yaml", "  title:", "  done: {type: boolean, nullable: false, default: \"false\"}\n  title:")


def change_policy(root: Path) -> None:
    _replace(root / "policies/public/projects.yaml", "    using: owner_id = (select auth.uid())\n",
             "    using: owner_id = (select auth.uid()) AND status <> 'closed'\n")


def change_view(root: Path) -> None:
    _replace(root / "views/public/open_projects.sql", "SELECT id, name FROM", "SELECT id, name, owner_id FROM")


def add_table(root: Path) -> None:
    (root / "schema/public/labels.yaml").write_text(
        "columns:\n"
        "  id:         {type: bigint, nullable: false, identity: always}\n"
        "  project_id: {type: uuid, nullable: false}\n"
        "  label:      {type: varchar(40), nullable: false}\n"
        "primary_key: [id]\n"
        "foreign_keys:\n"
        "  - columns: [project_id]\n"
        "    references: public.projects(id)\n"
        "checks:\n"
        "  - length(label) > 0\n"
        "indexes:\n"
        "  - columns: [project_id, label]\n"
        "    unique: true\n"
    )


def drop_table(root: Path) -> None:
    (root / "schema/public/tasks.yaml").unlink()


def change_check_and_index(root: Path) -> None:
    _replace(root / "schema/public/projects.yaml", "status IN ('open', 'closed')",
             "status IN ('open', 'closed', 'archived')")
    _replace(root / "schema/public/tasks.yaml", "indexes:\n  - columns: [project_id]", "indexes:\n  - columns: [project_id, title]")


def rebuild_referenced_key(root: Path) -> None:
    # projects_pkey becomes projects_pk: tasks' foreign key, whose source does not change,
    # is dropped and added again around it (a change on a table the edit did not touch)
    _replace(root / "schema/public/projects.yaml", "primary_key: [id]", "primary_key: {name: projects_pk, columns: [id]}")


def retype_viewed_column(root: Path) -> None:
    # the view reading projects.name is dropped and re-created around the type change
    _replace(root / "schema/public/projects.yaml", "  name:     {type: text, nullable: false}",
             "  name:     {type: varchar(200), nullable: false}")


def move_lines_only(root: Path) -> None:
    # nothing changes but where things are declared: origins move, the database does not
    for rel in ("schema/public/tasks.yaml", "policies/public/projects.yaml"):
        path = root / rel
        path.write_text("# moved down by two lines\n\n" + path.read_text())


def change_contract_only(root: Path) -> None:
    path = root / "policies/public/projects.yaml"
    path.write_text(path.read_text() + "contract: {select: own, insert: own, update: own, delete: own}\n")


def grant_on_table(root: Path) -> None:
    _replace(root / "schema/public/tasks.yaml", "indexes:", "grants:\n  anon: [select]\nindexes:")


def drop_referenced_table(root: Path) -> None:
    # projects goes, with its policies, the view on it and the foreign key into it
    for rel in ("schema/public/projects.yaml", "policies/public/projects.yaml", "views/public/open_projects.sql"):
        (root / rel).unlink()
    _replace(root / "schema/public/tasks.yaml", "foreign_keys:\n  - columns: [project_id]\n    references: public.projects(id)\n", "")


EDITS = [add_column, change_policy, change_view, add_table, drop_table, change_check_and_index,
         rebuild_referenced_key, retype_viewed_column, move_lines_only, change_contract_only, grant_on_table,
         drop_referenced_table]


@pytest.fixture
def kept(project, pg_server):
    """The project with its kept database; dropped afterwards."""
    yield project
    drop_state_database(pg_server.base_url, project, pg_server.base_url)


def kept_oid(pg_server, project) -> int | None:
    name = state_database_name(project, pg_server.base_url)
    with psycopg.connect(pg_server.base_url, autocommit=True) as conn:
        row = conn.execute("SELECT oid FROM pg_catalog.pg_database WHERE datname = %s", (name,)).fetchone()
    return row[0] if row else None


def assert_equals_full_normalize(state, project: Path, pg_server) -> None:
    source = load_project(project)
    fresh = normalize_catalog(source.catalog, pg_server.base_url)
    assert state.catalog == fresh
    # what `==` leaves out: column order is compared; origins and contracts are not
    for got, want in zip(state.catalog.tables, fresh.tables):
        assert [c.name for c in got.columns] == [c.name for c in want.columns]
        assert (got.origin, got.policies_origin, got.contract) == (want.origin, want.policies_origin, want.contract)
        assert origins(got) == origins(want), got.key
    assert [v.origin for v in state.catalog.views] == [v.origin for v in fresh.views]


def origins(table) -> list:
    parts = [table.primary_key] if table.primary_key else []
    for name in ("columns", "uniques", "checks", "foreign_keys", "indexes", "policies", "grants", "partitions"):
        parts += getattr(table, name)
    return [(type(p).__name__, getattr(p, "name", None) or getattr(p, "grantee", None), p.origin) for p in parts]


@pytest.fixture
def spliced(monkeypatch):
    """The results of splice.splice in this test: a catalog each time the kept database
    was read back in part, None each time it fell back to a whole read."""
    from roseram_schema.cache import splice

    results = []
    real = splice.splice

    def spy(*args, **kwargs):
        results.append(real(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr(splice, "splice", spy)
    return results


@pytest.mark.parametrize("edit", EDITS, ids=lambda e: e.__name__)
def test_one_edit_equals_a_full_normalize(kept, pg_server, edit, spliced):
    first, _ = desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    oid = kept_oid(pg_server, kept)
    assert oid is not None
    assert_equals_full_normalize(first, kept, pg_server)
    edit(kept)
    state, loaded = desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    assert loaded is not None
    assert kept_oid(pg_server, kept) == oid, "the kept database was rebuilt, not advanced"
    assert len(spliced) == 1 and spliced[0] is not None, "only the touched tables are read back"
    assert_equals_full_normalize(state, kept, pg_server)


def test_a_rename_equals_a_full_normalize(kept, pg_server):
    desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    path = kept / "schema/public/tasks.yaml"
    path.rename(kept / "schema/public/todo_items.yaml")
    path = kept / "schema/public/todo_items.yaml"
    path.write_text("renamed_from: tasks\n" + path.read_text())
    state, _ = desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    assert_equals_full_normalize(state, kept, pg_server)


def test_a_lost_previous_desired_state_reads_everything(kept, pg_server, spliced):
    desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    oid = kept_oid(pg_server, kept)
    for path in (kept / ".roseram/cache").glob("desired-*.pickle"):
        path.unlink()
    add_column(kept)
    state, _ = desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    assert kept_oid(pg_server, kept) == oid
    assert spliced == []
    assert_equals_full_normalize(state, kept, pg_server)


READER = "roseram_test_incremental_reader"  # not every_kind.sql's reader (that one has LOGIN)


def test_roles_only_untouched_tables_name(kept, pg_server, spliced):
    # a role no declared list names, granted on a table the edit leaves alone: a read of
    # the touched tables alone does not see it, a full read reports it
    with psycopg.connect(pg_server.base_url, autocommit=True) as conn:
        if conn.execute("SELECT FROM pg_catalog.pg_roles WHERE rolname = %s", (READER,)).fetchone() is None:
            try:
                conn.execute(f"CREATE ROLE {READER}")
            except psycopg.errors.DuplicateObject:  # made meanwhile by a parallel test
                pass
    _replace(kept / "schema/public/projects.yaml", "checks:", f"grants:\n  {READER}: [select]\nchecks:")
    desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    add_column(kept)
    state, _ = desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    assert spliced and spliced[-1] is not None
    assert READER in [r.name for r in state.catalog.roles]
    assert_equals_full_normalize(state, kept, pg_server)


def test_edits_in_a_row_and_back(kept, pg_server):
    desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    oid = kept_oid(pg_server, kept)
    original = {p: p.read_text() for p in kept.rglob("*") if p.is_file() and ".roseram" not in p.parts}
    for edit in (add_column, change_policy, add_table, change_view):
        edit(kept)
        state, _ = desired_state(kept, pg_server.base_url, incremental_min_tables=0)
        assert_equals_full_normalize(state, kept, pg_server)
    # back to the start: labels.yaml removed, every other file restored
    (kept / "schema/public/labels.yaml").unlink()
    for path, text in original.items():
        path.write_text(text)
    state, loaded = desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    # the start is still cached: no database touched at all
    assert loaded is None
    assert_equals_full_normalize(state, kept, pg_server)
    assert kept_oid(pg_server, kept) == oid


def test_a_lost_previous_source_rebuilds(kept, pg_server):
    desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    oid = kept_oid(pg_server, kept)
    paths = list((kept / ".roseram/cache").glob("source-*.pickle"))
    assert paths
    for path in paths:
        path.unlink()
    add_column(kept)
    state, _ = desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    assert kept_oid(pg_server, kept) != oid
    assert_equals_full_normalize(state, kept, pg_server)


def test_a_damaged_previous_source_rebuilds(kept, pg_server):
    desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    oid = kept_oid(pg_server, kept)
    (path,) = (kept / ".roseram/cache").glob("source-*.pickle")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    add_column(kept)
    state, _ = desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    assert kept_oid(pg_server, kept) != oid
    assert_equals_full_normalize(state, kept, pg_server)


def test_small_projects_keep_no_database(project, pg_server):
    desired_state(project, pg_server.base_url)
    assert kept_oid(pg_server, project) is None


PREFS = {
    "schema/public/prefs.yaml": """\
columns:
  id:       {type: int, nullable: false}
  theme:    {type: varchar(20), default: "'light'"}
primary_key: [id]
checks:
  - {name: prefs_theme_check, expression: "theme IN ('light', 'dark')"}
  - {name: prefs_len_check, expression: "length(theme) > 1"}
""",
    "policies/public/prefs.yaml": """\
rls: enabled
policies:
  - name: themed
    using: theme IN ('light', 'dark')
""",
    "views/public/light.sql": "SELECT id FROM public.prefs WHERE theme IN ('light', 'dark')\n",
}

# The same schema created from PostgreSQL's printed texts (one round trip more than the
# normalized source: they print differently), plus a genuine difference (length > 2).
PREFS_FROM_PRINTED_TEXT = """
CREATE TABLE public.prefs (
  id integer NOT NULL PRIMARY KEY,
  theme character varying(20) DEFAULT 'light'::character varying,
  CONSTRAINT prefs_theme_check CHECK (((theme)::text = ANY ((ARRAY['light'::character varying, 'dark'::character varying])::text[]))),
  CONSTRAINT prefs_len_check CHECK ((length((theme)::text) > 2))
);
CREATE POLICY themed ON public.prefs
  USING (((theme)::text = ANY ((ARRAY['light'::character varying, 'dark'::character varying])::text[])));
ALTER TABLE public.prefs ENABLE ROW LEVEL SECURITY;
CREATE VIEW public.light AS
 SELECT id FROM public.prefs
  WHERE ((theme)::text = ANY ((ARRAY['light'::character varying, 'dark'::character varying])::text[]));
"""


def test_texts_settle_in_the_kept_database_as_in_a_scratch_one(tmp_path, pg_server, platform_db_url):
    from roseram_schema.cache.incremental import kept_state
    from roseram_schema.normalize.roundtrip import differing_texts, renormalize_texts
    from roseram_schema.normalize.catalog import inspect_like_source
    from roseram_schema.source.loader import read_source

    from .conftest import write_project

    root = write_project(tmp_path / "prefs", PREFS)
    url = pg_server.base_url
    try:
        state, project = desired_state(root, url, incremental_min_tables=0)
        with psycopg.connect(platform_db_url, autocommit=True) as conn:
            conn.execute(PREFS_FROM_PRINTED_TEXT)
            live = inspect_like_source(conn, project.catalog)
        assert len(differing_texts(live, state.catalog)) == 4
        in_scratch = renormalize_texts(url, live, state.catalog)
        with kept_state(root, url, url, read_source(root).fingerprint) as probe:
            assert probe is not None
            in_kept = renormalize_texts(url, live, state.catalog, probe=probe)
        assert in_kept == in_scratch
        # settled: the check, the policy and the view; the real difference stays
        assert [p.name for p in differing_texts(in_kept, state.catalog)] == ["prefs_len_check"]
        with kept_state(root, url, url, "another source") as probe:
            assert probe is None  # the kept database holds another desired state: a scratch one is used
    finally:
        drop_state_database(url, root, url)


def test_a_kept_database_another_role_owns_is_left_alone(kept, pg_server):
    """A database under the kept name, with the right comment, made by another role (one
    with CREATEDB on a shared dev server) is neither advanced nor dropped: the desired state
    is built in a scratch database, and equals a full normalize."""
    desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    name = state_database_name(kept, pg_server.base_url)
    with psycopg.connect(pg_server.base_url, autocommit=True) as conn:
        comment = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database"
                               " WHERE datname = %s", (name,)).fetchone()[0]
        conn.execute(f'DROP DATABASE "{name}"')
        conn.execute("DO $$ BEGIN CREATE ROLE roseram_kept_squatter CREATEDB;"
                     " EXCEPTION WHEN duplicate_object THEN NULL; END $$")
        conn.execute(f'CREATE DATABASE "{name}" OWNER roseram_kept_squatter')
        conn.execute(f"""COMMENT ON DATABASE "{name}" IS '{comment}'""")
    oid = kept_oid(pg_server, kept)
    add_column(kept)
    state, _ = desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    assert kept_oid(pg_server, kept) == oid  # not dropped, not replaced
    assert_equals_full_normalize(state, kept, pg_server)
    with psycopg.connect(pg_server.base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}"')


def test_a_kept_database_is_closed_to_other_roles(kept, pg_server):
    desired_state(kept, pg_server.base_url, incremental_min_tables=0)
    name = state_database_name(kept, pg_server.base_url)
    with psycopg.connect(pg_server.base_url, autocommit=True) as conn:
        public_connect = conn.execute("SELECT has_database_privilege('public', %s, 'CONNECT')", (name,)).fetchone()[0]
    assert public_connect is False

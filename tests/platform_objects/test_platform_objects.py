"""The user's objects on platform tables, and the SQL forms Supabase schemas use, end to end.

A trigger on auth.users, policies on storage.objects, `REFERENCES auth.users` without a
column list, `ADD CONSTRAINT ... USING INDEX`: written in SQL, applied, planned, drifted and
imported, on the Supabase-like database and on a plain PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from inprocess import run_cli

PROJECT_YAML = "schemas: [public]\nroles: [anon, authenticated, {name: service_role, bypassrls: true}]\n"

APP_SQL = """\
CREATE TABLE public.profiles (
  id uuid NOT NULL REFERENCES auth.users ON DELETE CASCADE,
  username text,
  avatar_url text
);
CREATE UNIQUE INDEX profiles_pkey ON public.profiles USING btree (id);
ALTER TABLE public.profiles ADD CONSTRAINT profiles_pkey PRIMARY KEY USING INDEX profiles_pkey;
CREATE UNIQUE INDEX profiles_username_key ON public.profiles USING btree (username);
ALTER TABLE public.profiles ADD CONSTRAINT profiles_username_key UNIQUE USING INDEX profiles_username_key;
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
CREATE POLICY "own profile" ON public.profiles FOR SELECT TO authenticated USING (id = (SELECT auth.uid()));

CREATE FUNCTION public.handle_new_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = ''
AS $$
BEGIN
  INSERT INTO public.profiles (id) VALUES (new.id);
  RETURN new;
END
$$;

CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();

CREATE POLICY "avatars are public" ON storage.objects FOR SELECT USING (bucket_id = 'avatars');
CREATE POLICY "users upload their avatar" ON storage.objects FOR INSERT TO authenticated
  WITH CHECK (bucket_id = 'avatars' AND (storage.foldername(name))[1] = (SELECT auth.uid())::text);
"""


# In the test process: these tests are about what the commands do to the database (a
# command's own process is tested in tests/foundation/). Where two runs must agree byte for
# byte, one of them is a process of its own: another hash seed, so another set order.
cli = run_cli


def cli_process(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "roseram_schema", *args],
                          capture_output=True, text=True, timeout=600)


def write_project(root: Path, sql: str = APP_SQL) -> Path:
    (root / "schema" / "public").mkdir(parents=True, exist_ok=True)
    (root / "project.yaml").write_text(PROJECT_YAML)
    (root / "schema" / "public" / "app.sql").write_text(sql)
    return root


def psql_load(url: str, sql: str) -> None:
    """What `psql -f` does with the file: every statement, in order."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(params=["supabase", "plain"])
def target(request, make_db):
    """A database to manage: the Supabase-like one, or a plain PostgreSQL with the stand-in."""
    if request.param == "supabase":
        return request.getfixturevalue("supabase_db_url")
    url = make_db()
    with psycopg.connect(url, autocommit=True) as conn:
        from roseram_schema.platform import ensure_platform
        ensure_platform(conn)
    return url


def _args(project: Path, url: str, pg_server) -> tuple[str, ...]:
    return ("--project", str(project), "--db", url, "--dev-db", pg_server.base_url)


def test_apply_then_drift_is_empty_and_the_objects_work(target, pg_server, tmp_path):
    project = write_project(tmp_path / "proj")
    args = _args(project, target, pg_server)
    done = cli("apply", "--yes", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    drift = cli("drift", *args)
    assert drift.returncode == 0, drift.stdout + drift.stderr
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("INSERT INTO auth.users (id) VALUES ('00000000-0000-0000-0000-000000000001')")
        assert conn.execute("SELECT count(*) FROM public.profiles").fetchone()[0] == 1
        policies = conn.execute("SELECT polname::text FROM pg_policy WHERE polrelid = 'storage.objects'::regclass"
                                " ORDER BY 1").fetchall()
        assert [p[0] for p in policies] == ["avatars are public", "users upload their avatar"]
        pk = conn.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'profiles_pkey'"
                          ).fetchone()[0]
        assert pk == "PRIMARY KEY (id)"
        fk = conn.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                          " WHERE conrelid = 'public.profiles'::regclass AND contype = 'f'").fetchone()[0]
        assert fk == "FOREIGN KEY (id) REFERENCES auth.users(id) ON DELETE CASCADE"


def test_a_psql_built_database_plans_empty(target, pg_server, tmp_path):
    psql_load(target, APP_SQL)
    project = write_project(tmp_path / "proj")
    plan = cli("plan", *_args(project, target, pg_server))
    assert plan.returncode == 0, plan.stdout + plan.stderr


def test_edits_on_platform_tables_plan_the_right_statements(supabase_db_url, pg_server, tmp_path):
    psql_load(supabase_db_url, APP_SQL)
    edited = (APP_SQL.replace("USING (bucket_id = 'avatars');", "USING (bucket_id = 'public-avatars');")
              .replace("AFTER INSERT ON auth.users", "AFTER INSERT OR UPDATE ON auth.users")
              .split('CREATE POLICY "users upload')[0])
    project = write_project(tmp_path / "proj", edited)
    plan = cli("plan", *_args(project, supabase_db_url, pg_server), "--format", "sql")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    statements = [line for line in plan.stdout.splitlines() if line and not line.startswith("--")]
    text = "\n".join(statements)
    assert 'DROP POLICY IF EXISTS "users upload their avatar" ON storage.objects;' in text, text
    assert "ALTER POLICY \"avatars are public\" ON storage.objects" in text, text
    assert "DROP TRIGGER IF EXISTS on_auth_user_created ON auth.users;" in text, text
    assert "AFTER INSERT OR UPDATE ON auth.users" in text, text
    # the platform tables themselves are never touched
    assert "TABLE storage.objects" not in text and "TABLE auth.users" not in text, text
    assert cli("apply", "--yes", *_args(project, supabase_db_url, pg_server)).returncode == 0
    assert cli("drift", *_args(project, supabase_db_url, pg_server)).returncode == 0


def test_a_policy_added_by_hand_on_storage_is_drift(supabase_db_url, pg_server, tmp_path):
    project = write_project(tmp_path / "proj")
    args = _args(project, supabase_db_url, pg_server)
    assert cli("apply", "--yes", *args).returncode == 0
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute("CREATE POLICY sneaky ON storage.objects FOR DELETE USING (true)")
        conn.execute("DROP TRIGGER on_auth_user_created ON auth.users")
    drift = cli("drift", *args)
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "sneaky" in drift.stdout and "on_auth_user_created" in drift.stdout, drift.stdout
    plan = cli("plan", *args, "--format", "sql")
    assert 'DROP POLICY IF EXISTS sneaky ON storage.objects;' in plan.stdout, plan.stdout


def test_references_without_columns_in_yaml(supabase_db_url, pg_server, tmp_path):
    root = tmp_path / "proj"
    (root / "schema" / "public").mkdir(parents=True)
    (root / "project.yaml").write_text(PROJECT_YAML)
    (root / "schema" / "public" / "notes.yaml").write_text(
        "columns:\n"
        "  id: {type: bigint, nullable: false}\n"
        "  user_id: {type: uuid, nullable: false}\n"
        "primary_key: [id]\n"
        "foreign_keys:\n"
        "  - {columns: [user_id], references: auth.users, on_delete: cascade}\n")
    args = _args(root, supabase_db_url, pg_server)
    done = cli("apply", "--yes", "--allow-hazards", "lint_errors", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        fk = conn.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                          " WHERE conrelid = 'public.notes'::regclass AND contype = 'f'").fetchone()[0]
    assert fk == "FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE"
    assert cli("drift", *args).returncode == 0


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_import_writes_the_users_objects_on_platform_tables(supabase_db_url, pg_server, tmp_path):
    psql_load(supabase_db_url, APP_SQL)
    first, second = tmp_path / "one", tmp_path / "two"
    for out, run in ((first, cli), (second, cli_process)):
        done = run("import", "--db", supabase_db_url, "--out", str(out))
        assert done.returncode == 0, done.stderr
        assert "on a platform table" not in done.stderr, done.stderr
    assert _tree(first) == _tree(second)
    platform = (first / "schema" / "public" / "platform.sql").read_text()
    assert "on_auth_user_created" in platform and '"users upload their avatar"' in platform, platform
    drift = cli("drift", *_args(first, supabase_db_url, pg_server))
    assert drift.returncode == 0, drift.stdout + drift.stderr


UNMANAGED_SQL = """
CREATE TABLE public.audit (id bigint);
CREATE RULE no_delete AS ON DELETE TO public.profiles DO INSTEAD NOTHING;
CREATE AGGREGATE public.total(integer) (SFUNC = int4pl, STYPE = integer);
"""


def _applied_then_unmanaged(make_db, pg_server, tmp_path) -> tuple[str, ...]:
    """The app applied into a new database, then a rule and an aggregate added by hand:
    the CLI arguments of plan and drift on it."""
    url = make_db()
    args = _args(write_project(tmp_path / "proj"), url, pg_server)
    assert cli("apply", "--yes", *args).returncode == 0
    for fmt in ("text", "json", "markdown", "github"):
        assert "unmanaged" not in cli("drift", *args, "--format", fmt).stdout.lower(), fmt
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(UNMANAGED_SQL.replace("CREATE TABLE public.audit (id bigint);", ""))
    return args


# One database for every format: the formats differ in rendering only, and an apply per
# format cost more than the renderings together.
def test_unmanaged_objects_are_reported_by_plan_and_drift(make_db, pg_server, tmp_path):
    import json

    args = _applied_then_unmanaged(make_db, pg_server, tmp_path)
    for fmt in ("text", "json", "markdown", "sql"):
        plan = cli("plan", *args, "--format", fmt)
        # nothing to run: the exit code says so, whatever is unmanaged
        assert plan.returncode == 0, (fmt, plan.stdout + plan.stderr)
        out = plan.stdout if fmt != "text" else plan.stderr  # text is the terminal's, on stderr
        assert "rule" in out and "no_delete on public.profiles" in out, (fmt, out)
        assert "aggregate" in out and "public.total(integer)" in out, (fmt, out)
        if fmt == "json":
            assert {"kind": "rule", "name": "no_delete on public.profiles"} in json.loads(plan.stdout)["unmanaged"]
    for fmt in ("text", "json", "markdown", "github"):
        # twice: the second run must not answer from the no-change memo of the first clean one
        for _ in range(2):
            drift = cli("drift", *args, "--format", fmt)
            assert drift.returncode == 0, (fmt, drift.stdout + drift.stderr)
            assert "no_delete on public.profiles" in drift.stdout, (fmt, drift.stdout)
            assert "public.total(integer)" in drift.stdout, (fmt, drift.stdout)


def test_unmanaged_objects_do_not_hide_changes(make_db, pg_server, tmp_path):
    url = make_db()
    project = write_project(tmp_path / "proj")
    args = _args(project, url, pg_server)
    assert cli("apply", "--yes", *args).returncode == 0
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(UNMANAGED_SQL)
    drift = cli("drift", *args)
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "public.audit" in drift.stdout and "Unmanaged: 2 object(s)" in drift.stdout, drift.stdout


REALTIME_SQL = """\
CREATE TABLE public.messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room text NOT NULL,
  body text
);
CREATE UNIQUE INDEX messages_room_id ON public.messages (room, id);
CREATE TABLE public.rooms (id text PRIMARY KEY);
ALTER TABLE public.messages REPLICA IDENTITY FULL;
ALTER TABLE public.rooms REPLICA IDENTITY NOTHING;
"""


def test_replica_identity(target, pg_server, tmp_path):
    project = write_project(tmp_path / "proj", REALTIME_SQL)
    args = _args(project, target, pg_server)
    done = cli("apply", "--yes", "--allow-hazards", "lint_errors", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert cli("drift", *args).returncode == 0

    def identities():
        with psycopg.connect(target, autocommit=True) as conn:
            return dict(conn.execute("SELECT relname::text, relreplident::text FROM pg_class"
                                     " WHERE relname IN ('messages', 'rooms')").fetchall())

    assert identities() == {"messages": "f", "rooms": "n"}
    edited = REALTIME_SQL.replace("REPLICA IDENTITY FULL", "REPLICA IDENTITY USING INDEX messages_room_id") \
        .replace("ALTER TABLE public.rooms REPLICA IDENTITY NOTHING;\n", "")
    write_project(project, edited)
    plan = cli("plan", *args, "--format", "sql")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    statements = sorted(line for line in plan.stdout.splitlines() if "REPLICA" in line)
    assert statements == ["ALTER TABLE public.messages REPLICA IDENTITY USING INDEX messages_room_id;",
                          "ALTER TABLE public.rooms REPLICA IDENTITY DEFAULT;"], plan.stdout
    assert cli("apply", "--yes", "--allow-hazards", "lint_errors", *args).returncode == 0
    assert identities() == {"messages": "i", "rooms": "d"}
    assert cli("drift", *args).returncode == 0
    # set by hand: drift
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.rooms REPLICA IDENTITY FULL")
    drift = cli("drift", *args)
    assert drift.returncode == 2 and "replica identity" in drift.stdout, drift.stdout


# a gist exclusion on a range type needs no extension (btree_gist is not on every server)
BOOKINGS_SQL = """\
CREATE TABLE public.bookings (
  id bigint PRIMARY KEY,
  during tstzrange NOT NULL,
  EXCLUDE USING gist (during WITH &&)
);
CREATE TABLE public.slots (
  id bigint PRIMARY KEY,
  span int4range NOT NULL,
  cancelled boolean NOT NULL DEFAULT false
);
ALTER TABLE public.slots ADD CONSTRAINT slots_no_overlap EXCLUDE USING gist (span WITH &&) WHERE (NOT cancelled);
"""


def test_exclusion_constraints(target, pg_server, tmp_path):
    project = write_project(tmp_path / "proj", BOOKINGS_SQL)
    args = _args(project, target, pg_server)
    done = cli("apply", "--yes", "--allow-hazards", "lint_errors", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert cli("drift", *args).returncode == 0
    with psycopg.connect(target, autocommit=True) as conn:
        names = conn.execute("SELECT conname::text FROM pg_constraint WHERE contype = 'x' ORDER BY 1").fetchall()
        assert [n[0] for n in names] == ["bookings_during_excl", "slots_no_overlap"]
        conn.execute("INSERT INTO public.bookings VALUES (1, '[2024-01-01,2024-01-03)')")
        with pytest.raises(psycopg.errors.ExclusionViolation):
            conn.execute("INSERT INTO public.bookings VALUES (2, '[2024-01-02,2024-01-04)')")
    edited = BOOKINGS_SQL.replace("WHERE (NOT cancelled)", "")
    write_project(project, edited)
    plan = cli("plan", *args, "--format", "sql")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    statements = [line for line in plan.stdout.splitlines()
                  if "slots_no_overlap" in line and not line.startswith("--")]
    assert statements == ["ALTER TABLE public.slots DROP CONSTRAINT IF EXISTS slots_no_overlap;",
                          "ALTER TABLE public.slots ADD CONSTRAINT slots_no_overlap EXCLUDE USING gist "
                          "(span WITH &&);"], plan.stdout
    assert cli("apply", "--yes", "--allow-hazards", "lint_errors", *args).returncode == 0
    assert cli("drift", *args).returncode == 0
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("ALTER TABLE public.bookings DROP CONSTRAINT bookings_during_excl")
    drift = cli("drift", *args)
    assert drift.returncode == 2 and "bookings_during_excl" in drift.stdout, drift.stdout


PUBLICATIONS_SQL = """\
CREATE TABLE public.messages (id bigint PRIMARY KEY, body text);
CREATE TABLE public.rooms (id text PRIMARY KEY);
CREATE TABLE public.presence (id bigint PRIMARY KEY);
ALTER PUBLICATION supabase_realtime ADD TABLE public.messages, public.rooms;
CREATE PUBLICATION app_changes FOR TABLE public.rooms WITH (publish = 'insert, update');
CREATE PUBLICATION everything FOR ALL TABLES;
"""


def _publications(url: str) -> dict:
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT p.pubname::text, p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete,"
            " ARRAY(SELECT pr.prrelid::regclass::text FROM pg_publication_rel pr WHERE pr.prpubid = p.oid ORDER BY 1)"
            " FROM pg_publication p ORDER BY 1").fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_publications(target, pg_server, tmp_path):
    project = write_project(tmp_path / "proj", PUBLICATIONS_SQL)
    args = _args(project, target, pg_server)
    done = cli("apply", "--yes", "--allow-hazards", "lint_errors", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    assert cli("drift", *args).returncode == 0
    assert _publications(target) == {
        "app_changes": (False, True, True, False, ["rooms"]),
        "everything": (True, True, True, True, []),
        "supabase_realtime": (False, True, True, True, ["messages", "rooms"]),
    }
    edited = (PUBLICATIONS_SQL.replace("ADD TABLE public.messages, public.rooms", "ADD TABLE public.messages, public.presence")
              .replace("WITH (publish = 'insert, update')", "")
              .replace("CREATE PUBLICATION everything FOR ALL TABLES;\n", ""))
    write_project(project, edited)
    plan = cli("plan", *args, "--format", "sql")
    assert plan.returncode == 2, plan.stdout + plan.stderr
    statements = [line for line in plan.stdout.splitlines() if "PUBLICATION" in line and not line.startswith("--")]
    assert statements == [
        "ALTER PUBLICATION supabase_realtime DROP TABLE public.rooms;",
        "DROP PUBLICATION IF EXISTS everything;",
        "ALTER PUBLICATION app_changes SET (publish = 'insert, update, delete, truncate', "
        "publish_via_partition_root = false);",
        "ALTER PUBLICATION supabase_realtime ADD TABLE public.presence;",
    ], plan.stdout
    assert cli("apply", "--yes", "--allow-hazards", "lint_errors", *args).returncode == 0
    assert cli("drift", *args).returncode == 0
    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("ALTER PUBLICATION supabase_realtime ADD TABLE public.rooms")
    drift = cli("drift", *args)
    assert drift.returncode == 2 and "supabase_realtime" in drift.stdout, drift.stdout


def test_publications_psql_built_plan_empty_and_import(supabase_db_url, pg_server, tmp_path):
    psql_load(supabase_db_url, PUBLICATIONS_SQL + BOOKINGS_SQL + REALTIME_SQL.replace("public.rooms", "public.rooms2")
              .replace("public.messages", "public.messages2").replace("messages_room_id", "messages2_room_id"))
    project = write_project(tmp_path / "proj", PUBLICATIONS_SQL + BOOKINGS_SQL + REALTIME_SQL
                            .replace("public.rooms", "public.rooms2").replace("public.messages", "public.messages2")
                            .replace("messages_room_id", "messages2_room_id"))
    plan = cli("plan", *_args(project, supabase_db_url, pg_server))
    assert plan.returncode == 0, plan.stdout + plan.stderr
    first, second = tmp_path / "one", tmp_path / "two"
    for out, run in ((first, cli), (second, cli_process)):
        done = run("import", "--db", supabase_db_url, "--out", str(out))
        assert done.returncode == 0, done.stderr
        unmanaged = [line for line in done.stderr.splitlines() if "(unmanaged)" in line]
        assert not [line for line in unmanaged if "publication" in line or "exclusion" in line], done.stderr
    assert _tree(first) == _tree(second)
    drift = cli("drift", *_args(first, supabase_db_url, pg_server))
    assert drift.returncode == 0, drift.stdout + drift.stderr


def test_replica_identity_in_yaml(make_db, pg_server, tmp_path):
    root = tmp_path / "proj"
    (root / "schema" / "public").mkdir(parents=True)
    (root / "project.yaml").write_text(PROJECT_YAML)
    (root / "schema" / "public" / "feed.yaml").write_text(
        "columns:\n  id: {type: bigint, nullable: false}\nprimary_key: [id]\nreplica_identity: FULL\n")
    url = make_db()
    args = _args(root, url, pg_server)
    assert cli("apply", "--yes", "--allow-hazards", "lint_errors", *args).returncode == 0
    with psycopg.connect(url, autocommit=True) as conn:
        assert conn.execute("SELECT relreplident::text FROM pg_class WHERE oid = 'public.feed'::regclass"
                            ).fetchone()[0] == "f"
    assert cli("drift", *args).returncode == 0
    (root / "schema" / "public" / "feed.yaml").write_text(
        "columns:\n  id: {type: bigint, nullable: false}\nprimary_key: [id]\nreplica_identity: sometimes\n")
    bad = cli("plan", *args)
    assert bad.returncode == 1 and "replica_identity must be" in bad.stderr, bad.stderr

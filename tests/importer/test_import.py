"""`roseram-schema import` through the real CLI (a subprocess) against a real server: the
imported project has no drift against the database it came from, importing is
deterministic, a folder in use is refused, and `--contract` writes what verify --infer says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import yaml

from inprocess import run_cli

ROOT = Path(__file__).resolve().parents[2]
HAND_SCHEMA = Path(__file__).resolve().parent / "hand_schema.sql"


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The command in the test process (tests/inprocess.py): these tests are about what an
    import writes, not about its process (cli_process is one)."""
    return run_cli(*args, cwd=cwd)


def cli_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """A process of its own: the console script's exit path, and another hash seed."""
    return subprocess.run([sys.executable, "-m", "roseram_schema", *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)


def psql_file(url: str, path: Path) -> None:
    done = subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-f", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def tree(folder: Path) -> dict[str, bytes]:
    """Every file the import wrote (not the .roseram/ cache a later drift adds)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".roseram" not in p.relative_to(folder).parts}


@pytest.fixture
def hand_url(platform_db_url):
    """A database built by psql from a hand-written schema (no roseram-schema involved)."""
    psql_file(platform_db_url, HAND_SCHEMA)
    return platform_db_url


@pytest.fixture
def roseram_url(platform_db_url, tmp_path):
    """A database built from the Roseram project at the repository root: compiled by the
    CLI, the script run by psql."""
    script = tmp_path / "roseram.sql"
    done = cli("compile", "--project", ROOT, "--out", script)
    assert done.returncode == 0, done.stderr
    psql_file(platform_db_url, script)
    return platform_db_url


def assert_no_drift(project: Path, db_url: str, dev_url: str, command: str = "drift") -> None:
    done = cli(command, "--project", project, "--db", db_url, "--dev-db", dev_url)
    assert done.returncode == 0, done.stdout + done.stderr


def test_roseram_database_imports_without_drift(roseram_url, pg_server, tmp_path):
    out = tmp_path / "imported"
    done = cli("import", "--db", roseram_url, "--out", out)
    assert done.returncode == 0, done.stderr
    files = tree(out)
    # every table, policies file and view of the project comes back under the same name
    for folder in ("schema/public", "policies/public"):
        want = {p.name for p in (ROOT / folder).glob("*.yaml")}
        assert want <= {Path(k).name for k in files if k.startswith(folder + "/")}
    assert {p.name for p in (ROOT / "views/public").glob("*.sql")} == \
        {Path(k).name for k in files if k.startswith("views/public/")}
    assert "schema/public/functions.sql" in files and "schema/public/triggers.sql" in files
    assert_no_drift(out, roseram_url, pg_server.base_url)


def test_hand_written_database_imports_without_drift(hand_url, pg_server, tmp_path):
    out = tmp_path / "imported"
    done = cli("import", "--db", hand_url, "--out", out)
    assert done.returncode == 0, done.stderr
    files = {k: v.decode() for k, v in tree(out).items()}
    assert sorted(files) == sorted([
        "policies/shop/Order Items.yaml", "schema/shop/Order Items.yaml",
        "policies/shop/bookings.yaml", "schema/shop/bookings.yaml",
        "policies/shop/customers.yaml", "policies/shop/events.yaml", "policies/shop/orders.yaml",
        "project.yaml", "schema/shop/customers.yaml", "schema/shop/events.yaml",
        "schema/shop/functions.sql", "schema/shop/orders.yaml", "schema/shop/table_extras.sql",
        "schema/shop/triggers.sql", "schema/shop/types.sql",
        "views/shop/daily_totals.sql", "views/shop/my_orders.sql", "views/shop/new_orders.sql",
    ])
    events = yaml.safe_load(files["schema/shop/events.yaml"])
    assert events["partition_by"] == "RANGE (at)"
    assert [p["name"] for p in events["partitions"]] == ["events_2025", "events_default"]
    assert "schema/shop/events_2025.yaml" not in files  # a partition lives in its parent's file
    assert yaml.safe_load(files["schema/shop/customers.yaml"])["columns"]["id"]["type"] == "serial"
    orders = yaml.safe_load(files["policies/shop/orders.yaml"])
    assert orders["rls"] == "forced"
    assert sorted(p["command"] for p in orders["policies"]) == ["delete", "insert", "select", "update", "update"]
    assert "-- security_invoker: true\n" in files["views/shop/my_orders.sql"]
    functions = files["schema/shop/functions.sql"]
    assert "SECURITY DEFINER SET search_path TO ''" in functions
    assert "REVOKE EXECUTE ON FUNCTION shop.owns_customer(integer) FROM PUBLIC;" in functions
    assert "CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders" in files["schema/shop/triggers.sql"]
    project = yaml.safe_load(files["project.yaml"])
    assert project["enums"]["shop.order_status"]["values"] == ["new", "paid", "shipped", "it's gone"]
    assert "roseram_import_reader" in project["roles"]
    assert ("imported 5 tables, 2 partitions, 3 views, 7 functions, 4 triggers, 1 enum, 6 policies, 1 domain, "
            "1 sequence into") in done.stderr
    # what the model cannot hold is named, not dropped in silence
    # domains and sequences are managed (importer/typefiles.py)
    assert "CREATE DOMAIN shop.positive_int AS integer CONSTRAINT positive_int_check CHECK ((VALUE > 0));" \
        in files["schema/shop/types.sql"]
    assert "\nCREATE SEQUENCE shop.invoice_numbers;\n" in files["schema/shop/types.sql"]
    assert "unmanaged): domain" not in done.stderr and "unmanaged): sequence" not in done.stderr
    # exclusion constraints are managed: written as SQL next to the table's YAML
    assert "bookings_no_overlap" not in done.stderr
    assert ("ALTER TABLE shop.bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&);"
            in files["schema/shop/table_extras.sql"])
    assert "not imported (unmanaged): comment on a constraint orders_total_positive on shop.orders" in done.stderr
    assert "not imported (unmanaged): comment on a view column shop.my_orders.customer" in done.stderr
    assert "sequence shop.customers_id_seq" not in done.stderr  # the serial's own: implied
    assert_no_drift(out, hand_url, pg_server.base_url, "plan")
    assert_no_drift(out, hand_url, pg_server.base_url, "drift")


def test_import_is_deterministic(hand_url, tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    assert cli("import", "--db", hand_url, "--out", first).returncode == 0
    # a change made and undone in between must not matter (catalog order, oids)
    with psycopg.connect(hand_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE shop.orders DROP CONSTRAINT orders_total_positive")
        conn.execute("ALTER TABLE shop.orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0)")
    # the second a process of its own: another hash seed, so another set order
    assert cli_process("import", "--db", hand_url, "--out", second).returncode == 0
    one, two = tree(first), tree(second)
    assert one and one == two
    for text in one.values():
        text.decode("utf-8")


def test_import_refuses_a_folder_in_use(hand_url, tmp_path):
    out = tmp_path / "project"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")
    done = cli("import", "--db", hand_url, "--out", out)
    assert done.returncode == 1
    assert "not empty" in done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    # an empty folder is fine, and --force writes over a folder in use, leaving other files be
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("import", "--db", hand_url, "--out", empty).returncode == 0
    forced = cli("import", "--db", hand_url, "--out", out, "--force")
    assert forced.returncode == 0, forced.stderr
    assert (out / "notes.txt").read_text() == "mine\n"
    assert tree(out).keys() - {"notes.txt"} == tree(empty).keys()


def test_import_needs_a_database(tmp_path):
    done = subprocess.run([sys.executable, "-m", "roseram_schema", "import", "--out", str(tmp_path / "x")],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"})
    assert done.returncode == 1
    assert "--db" in done.stderr
    assert not (tmp_path / "x").exists()


def _inferred(stdout: str) -> dict[str, object]:
    """{"policies/s/t.yaml": contract} from verify --infer's output."""
    out = {}
    path = None
    for line in stdout.splitlines():
        if line.startswith("# policies/"):
            path = line[2:]
        elif line.startswith("contract:"):
            out[path] = yaml.safe_load(line)["contract"]
    return out


def test_contract_is_what_verify_infers(hand_url, pg_server, tmp_path):
    out = tmp_path / "imported"
    done = cli("import", "--db", hand_url, "--out", out, "--contract", "--dev-db", pg_server.base_url)
    assert done.returncode == 0, done.stderr
    inferred = cli("verify", "--db", hand_url, "--dev-db", pg_server.base_url, "--infer", cwd=tmp_path)
    # exit 4 when verify also has error findings (the hand schema has a view that is not
    # security_invoker); the contracts are printed either way
    assert inferred.returncode in (0, 4), inferred.stderr
    expected = _inferred(inferred.stdout)
    assert expected and any(expected.values())
    written = {path: yaml.safe_load((out / path).read_text())["contract"] for path in expected}
    assert written == expected
    assert written["policies/shop/customers.yaml"] == {"select": "own", "insert": "own"}
    # without --contract no contract is written
    plain = tmp_path / "plain"
    assert cli("import", "--db", hand_url, "--out", plain).returncode == 0
    assert "contract" not in yaml.safe_load((plain / "policies/shop/customers.yaml").read_text())


USER_OBJECTS_ON_PLATFORM = """
CREATE FUNCTION public.handle_new_user() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = '' AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
CREATE POLICY "avatars readable" ON storage.objects FOR SELECT USING (bucket_id = 'avatars');
ALTER PUBLICATION supabase_realtime ADD TABLE public.chat_messages;
"""


def test_supabase_database_leaves_platform_out_and_names_user_objects_on_it(supabase_db_url, pg_server, tmp_path):
    # applied (not compiled and run): the plan revokes what Supabase's default privileges
    # hand out beyond the source (MAINTAIN among them, which the source cannot name)
    project = tmp_path / "roseram"
    for part in ("schema", "policies", "views"):
        shutil.copytree(ROOT / part, project / part)
    shutil.copy(ROOT / "project.yaml", project / "project.yaml")
    done = cli("apply", "--project", project, "--db", supabase_db_url, "--dev-db", pg_server.base_url, "--yes")
    assert done.returncode == 0, done.stderr
    with psycopg.connect(supabase_db_url, autocommit=True) as conn:
        conn.execute(USER_OBJECTS_ON_PLATFORM)
    out = tmp_path / "imported"
    done = cli("import", "--db", supabase_db_url, "--out", out)
    assert done.returncode == 0, done.stderr
    files = {k: v.decode() for k, v in tree(out).items()}
    assert not any(k.split("/")[1] in ("auth", "storage", "extensions", "realtime") for k in files if "/" in k)
    # Supabase's own role and grants are the platform's: not written
    assert not any("postgres" in text for text in files.values())
    # the user's own objects on platform tables are managed, so imported
    platform = files["schema/public/platform.sql"]
    assert "CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users" in platform, platform
    assert "CREATE POLICY \"avatars readable\" ON storage.objects FOR SELECT" in platform, platform
    assert "ALTER PUBLICATION supabase_realtime ADD TABLE public.chat_messages;" in platform, platform
    assert "on a platform table" not in done.stderr and "publication" not in done.stderr, done.stderr
    assert_no_drift(out, supabase_db_url, pg_server.base_url)


def test_schema_option_limits_the_import(hand_url, pg_server, tmp_path):
    out = tmp_path / "shop_only"
    done = cli("import", "--db", hand_url, "--out", out, "--schema", "shop")
    assert done.returncode == 0, done.stderr
    assert [s if isinstance(s, str) else s["name"] for s in
            yaml.safe_load((out / "project.yaml").read_text())["schemas"]] == ["shop"]
    assert_no_drift(out, hand_url, pg_server.base_url)
    for bad, message in (("nope", "no such schema"), ("auth", "platform schema")):
        refused = cli("import", "--db", hand_url, "--out", tmp_path / bad, "--schema", bad)
        assert refused.returncode == 1 and message in refused.stderr
        assert not (tmp_path / bad).exists()


def test_every_kind_drifts_only_where_stderr_said(platform_db_url, pg_server, tmp_path):
    """The inspector's every-kind fixture holds two things the model cannot say (a disabled
    trigger; MAINTAIN, from GRANT ALL on PostgreSQL 17+): the imported project differs
    from the database there and nowhere else, and import named both."""
    psql_file(platform_db_url, ROOT / "tests" / "introspect" / "every_kind.sql")
    out = tmp_path / "imported"
    done = cli("import", "--db", platform_db_url, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "not imported (unmanaged): disabled state of trigger users_touch_off on app.users\n" in done.stderr
    maintain = pg_server.major >= 17
    assert ("not imported (unmanaged): privilege maintain on app.orgs to authenticated\n" in done.stderr) == maintain
    drift = cli("drift", "--project", out, "--db", platform_db_url, "--dev-db", pg_server.base_url,
                "--format", "json")
    assert drift.returncode == 2, drift.stderr
    found = {(o["kind"], o["object"], o["database"]) for o in json.loads(drift.stdout)["objects"]}
    expected = {("DropTrigger", "app.users.users_touch_off", "present"),
                ("CreateTrigger", "app.users.users_touch_off", "(missing)")}
    if maintain:
        expected.add(("Revoke", "app.orgs:authenticated", "authenticated: maintain"))
    assert found == expected


NAMES_THAT_ARE_NOT_FILE_NAMES = """
CREATE SCHEMA "Sales";
CREATE SCHEMA sales;
CREATE TABLE "Sales"."Users" (id int PRIMARY KEY);
CREATE TABLE "Sales".users (id int PRIMARY KEY);
CREATE TABLE sales."a/b" (id int PRIMARY KEY);
CREATE TABLE sales.".hidden" (id int PRIMARY KEY);
CREATE VIEW sales."v/w" AS SELECT 1 AS one;
"""


def test_names_that_cannot_be_file_names(platform_db_url, pg_server, tmp_path):
    """Names differing only in case (one file on macOS), holding a `/` or starting with a
    dot get other file names, and the file says the name; nothing is overwritten."""
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute(NAMES_THAT_ARE_NOT_FILE_NAMES)
    out = tmp_path / "imported"
    done = cli("import", "--db", platform_db_url, "--out", out)
    assert done.returncode == 0, done.stderr
    files = tree(out)
    tables = [k for k in files if k.startswith("schema/")]
    assert len(tables) == 4 and len({k.casefold() for k in tables}) == 4
    assert len({k.casefold() for k in files}) == len(files)
    assert_no_drift(out, platform_db_url, pg_server.base_url)


def test_partition_access_of_its_own_is_named(platform_db_url, pg_server, tmp_path):
    """A partition named in a query answers with its own RLS and grants; the source gives
    every partition its parent's switches and no grants, so other ones are named."""
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE public.logs (id int NOT NULL, at date NOT NULL) PARTITION BY RANGE (at);
            CREATE TABLE public.logs_2025 PARTITION OF public.logs FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            ALTER TABLE public.logs ENABLE ROW LEVEL SECURITY;
            GRANT SELECT ON public.logs_2025 TO authenticated;
        """)
    out = tmp_path / "imported"
    done = cli("import", "--db", platform_db_url, "--out", out)
    assert done.returncode == 0, done.stderr
    assert ("not imported (unmanaged): row level security of a partition public.logs_2025"
            " (not as on public.logs)\n") in done.stderr
    assert "not imported (unmanaged): grants on a partition select on public.logs_2025 to authenticated\n" in done.stderr
    assert yaml.safe_load((out / "schema/public/logs.yaml").read_text())["partitions"] == [
        {"name": "logs_2025", "bound": "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"}]


def test_imported_files_validate_against_the_shipped_json_schemas(hand_url, pg_server, tmp_path):
    """What import writes (contracts too) is what an editor with the shipped schemas accepts."""
    import jsonschema

    from roseram_schema.schemas import load

    out = tmp_path / "imported"
    done = cli("import", "--db", hand_url, "--out", out, "--contract", "--dev-db", pg_server.base_url)
    assert done.returncode == 0, done.stderr
    checked = 0
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        rel = path.relative_to(out).as_posix()
        if rel == "project.yaml":
            kind, text = "project", path.read_text()
        elif rel.startswith("schema/") and rel.endswith(".yaml"):
            kind, text = "table", path.read_text()
        elif rel.startswith("policies/"):
            kind, text = "policies", path.read_text()
        elif rel.startswith("views/"):
            kind = "view-header"
            text = "".join(line[3:] + "\n" for line in path.read_text().splitlines()
                           if line.startswith("-- ") and ": " in line and not line.startswith("-- Imported"))
        else:
            continue
        errors = list(jsonschema.Draft202012Validator(load(kind)).iter_errors(yaml.safe_load(text) or {}))
        assert not errors, (rel, [e.message for e in errors])
        checked += 1
    assert checked >= 10


def test_rls_switches_come_back_as_they_are(platform_db_url, pg_server, tmp_path):
    """Policies on a table whose RLS is off stay off; FORCE without ENABLE (which does
    nothing, and which the source cannot say) is named, and is the only drift."""
    with psycopg.connect(platform_db_url, autocommit=True) as conn:
        conn.execute("""
            CREATE TABLE public.a (id int PRIMARY KEY);
            CREATE POLICY a_read ON public.a FOR SELECT TO authenticated USING (true);
            CREATE TABLE public.b (id int PRIMARY KEY);
            ALTER TABLE public.b FORCE ROW LEVEL SECURITY;
        """)
    out = tmp_path / "imported"
    done = cli("import", "--db", platform_db_url, "--out", out)
    assert done.returncode == 0, done.stderr
    assert "not imported (unmanaged): row level security forced but not enabled on public.b\n" in done.stderr
    assert done.stderr.endswith("; 1 object not imported (listed above)\n")
    a = yaml.safe_load((out / "policies/public/a.yaml").read_text())
    assert a["rls"] == "disabled" and [p["name"] for p in a["policies"]] == ["a_read"]
    drift = cli("drift", "--project", out, "--db", platform_db_url, "--dev-db", pg_server.base_url,
                "--format", "json")
    assert drift.returncode == 2, drift.stderr
    assert [o["object"] for o in json.loads(drift.stdout)["objects"]] == ["public.b"]

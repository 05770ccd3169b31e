"""Nothing the caches keep under .roseram/ holds a secret: the dev server is named there by
a hash of its connection parameters without the password."""

from __future__ import annotations

import json

from psycopg.conninfo import make_conninfo

from roseram_schema.cache.files import CACHE_DIR, remember_server_version
from roseram_schema.state.files import read_json, write_atomically
from roseram_schema.state.servers import server_identity
from roseram_schema.server.dev import DevServer
from roseram_schema.cache.desired import desired_state

PASSWORD = "s3cret-Pw-4242"


def _files(root):
    return [p for p in (root / ".roseram").rglob("*") if p.is_file()]


def test_no_cache_file_holds_the_dev_server_password(project, pg_server):
    url = make_conninfo(pg_server.base_url, password=PASSWORD)  # trust auth: it is ignored
    _, loaded = desired_state(project, DevServer(url, project))
    assert loaded is not None
    files = _files(project)
    assert any(p.name == "dev-servers.json" for p in files)
    for path in files:
        assert PASSWORD.encode() not in path.read_bytes(), path
    servers = read_json(project / CACHE_DIR / "dev-servers.json")
    assert list(servers) == [server_identity(url)]
    # the same server with another password (or none) is the same server: a hit
    _, again = desired_state(project, DevServer(pg_server.base_url, project))
    assert again is None


def test_identity_ignores_the_password_and_the_spelling():
    a = server_identity("postgresql://u:pw1@db.example:5432/app?sslmode=require")
    b = server_identity("host=db.example port=5432 user=u dbname=app sslmode=require password=other")
    assert a == b and a.startswith("server-") and "pw1" not in a
    assert server_identity("postgresql://u@db.example:5433/app") != server_identity("postgresql://u@db.example/app")


def test_a_url_key_of_an_older_version_is_dropped(tmp_path):
    path = tmp_path / CACHE_DIR / "dev-servers.json"
    path.parent.mkdir(parents=True)
    write_atomically(path, json.dumps({f"postgresql://u:{PASSWORD}@h/db": 170000, "embedded": 180000}))
    remember_server_version(tmp_path, server_identity("postgresql://u@h/db"), 170000)
    assert PASSWORD.encode() not in path.read_bytes()
    assert read_json(path) == {"embedded": 180000, server_identity("postgresql://u@h/db"): 170000}

"""verify --db rebuilds a live schema elsewhere (introspect/buildable.py): the sequences a
serial or identity column makes are not created twice, a standalone one is created."""

from __future__ import annotations

import subprocess
import sys

from types_helpers import psql

SCHEMA = """
CREATE DOMAIN email AS text CHECK (VALUE ~ '@');
CREATE SEQUENCE counter START 100;
CREATE TABLE notes (id bigserial PRIMARY KEY, k bigint GENERATED ALWAYS AS IDENTITY,
  n bigint DEFAULT nextval('counter'), mail email, body text);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own ON notes FOR SELECT TO authenticated USING (true);
GRANT SELECT ON notes TO authenticated;
"""


def test_verify_db_rebuilds_sequences_once(platform_db_url, pg_server, tmp_path):
    psql(platform_db_url, SCHEMA)
    done = subprocess.run([sys.executable, "-m", "roseram_schema", "verify", "--db", platform_db_url,
                           "--dev-db", pg_server.base_url, "--infer"],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    # 4: probes found access no contract covers (there is no project); 1 would be a rebuild error
    assert done.returncode in (0, 4), done.stdout + done.stderr
    assert "contract: {select: signed_in}" in done.stdout and "0 error findings" in done.stderr

